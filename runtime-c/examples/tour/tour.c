/* The runnable example of docs/c.md (built and run by ctest example_tour): the C mapping of each
 * kind of IDL type, encoding and decoding with their ownership rules, a direct call with a
 * declared error, an event, and work posted onto the node's loop from another thread.
 * Prints what it does; exits non-zero if anything is not as docs/c.md says. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "tour_shop.h"

#define EXPECT(cond) \
  do { if (!(cond)) { fprintf(stderr, "tour.c:%d: %s is false\n", __LINE__, #cond); return 1; } } while (0)

/* ---- the handler side: a shop that has no "umbrella" ---- */

typedef struct shop {
  interop_publisher *publisher;
  uint64_t placed;
} shop;

static int place(void *impl, interop_call *call, const tour_shop_Order *order, uint64_t *result, interop_error *err) {
  shop *s = impl;
  if (order->item.len == 8 && memcmp(order->item.ptr, "umbrella", 8) == 0) {
    /* A declared error: its value lives in the call's arena, err->type names its descriptor. */
    tour_shop_OutOfStock *detail = interop_arena_alloc(interop_call_arena(call), sizeof *detail, _Alignof(tour_shop_OutOfStock));
    detail->item = order->item; /* the parameters live until the call ends: borrowing is enough */
    err->type = &tour_shop_OutOfStock_type;
    err->detail = detail;
    return INTEROP_APPLICATION_ERROR;
  }
  *result = ++s->placed;
  return tour_shop_placed_publish(s->publisher, order, err); /* copied into each subscriber's queue */
}

static void on_placed(void *user, const void *payload) {
  const tour_shop_Order *o = payload; /* valid while this runs: copy what you keep */
  printf("event placed: order %llu, %.*s\n", (unsigned long long)o->id, (int)o->item.len, o->item.ptr);
  ++*(int *)user;
}

/* ---- threads: only interop_node_post may be called from another thread ---- */

typedef struct from_thread {
  interop_node *node;
  int ran_on_loop;
} from_thread;

static void on_loop(void *arg) {
  from_thread *t = arg;
  t->ran_on_loop = 1; /* on the loop's thread: any node function may be called here */
  interop_node_stop(t->node);
}

static void *worker(void *arg) {
  from_thread *t = arg;
  interop_node_post(t->node, on_loop, t);
  return NULL;
}

int main(void) {
  /* Every kind of type, built by hand: strings borrow their bytes, lists and maps point at arrays. */
  interop_str tags[] = {INTEROP_STR("rain"), INTEROP_STR("green")};
  interop_str price_keys[] = {INTEROP_STR("base"), INTEROP_STR("tax")};
  double price_values[] = {12.5, 2.5};
  static const uint8_t receipt[] = {0xde, 0xad};
  tour_shop_Order order = {
    .id = 42,
    .item = INTEROP_STR("boots"),
    .size = tour_shop_Size_LARGE,
    .tags = {tags, 2},
    .prices = {price_keys, price_values, 2},
    .note = {true, INTEROP_STR("leave at the door")},
    .paid = {.which = tour_shop_Payment_card, .as.card = INTEROP_STR("4111")},
    .receipt = {receipt, sizeof receipt},
  };

  /* Encoding borrows the value and appends to a buffer you own. */
  interop_buf bytes = INTEROP_BUF_INIT;
  interop_error err;
  EXPECT(tour_shop_Order_encode(&order, INTEROP_CODEC_MSGPACK, &bytes, &err) == INTEROP_OK);
  printf("encoded order 42 in %zu bytes of msgpack\n", bytes.len);

  /* Decoding allocates what the value points to in an arena you own; one free releases it all. */
  interop_arena arena = INTEROP_ARENA_INIT;
  tour_shop_Order back;
  EXPECT(tour_shop_Order_decode(bytes.data, bytes.len, INTEROP_CODEC_MSGPACK, &arena, &back, &err) == INTEROP_OK);
  EXPECT(back.id == 42 && back.size == tour_shop_Size_LARGE && back.tags.len == 2 && back.note.has);
  EXPECT(back.paid.which == tour_shop_Payment_card && back.receipt.len == 2 && back.prices.values[1] == 2.5);
  printf("decoded: %.*s, note \"%s\" (decoded strings are NUL-terminated too)\n", (int)back.item.len, back.item.ptr, back.note.value.ptr);
  interop_arena_free(&arena);
  interop_buf_free(&bytes);

  /* A value a decoder would refuse is refused before it is sent, with the path of the bad field. */
  tour_shop_Order bad = order;
  bad.tags.items = (interop_str[]){INTEROP_STR("rain"), {"\xff", 1}};
  EXPECT(tour_shop_Order_encode(&bad, INTEROP_CODEC_JSON, &bytes, &err) == INTEROP_INVALID_ARGUMENT);
  printf("refused: %s: %s\n", interop_code_name(err.code), err.message);
  interop_buf_free(&bytes);

  /* A node hosting the module; calls to it are direct: no encoding, the same checks. */
  static tour_shop_server server;
  static shop state;
  tour_shop_server_init(&server, &(tour_shop_handlers){.place = place}, &state);
  const interop_module_impl *impls[] = {&server.module_impl};
  interop_node *node;
  EXPECT(interop_node_start("{\"node\":\"tour\"}", impls, 1, NULL, &node, &err) == INTEROP_OK);
  state.publisher = interop_node_publisher(node, &tour_shop_module, &err);
  interop_invoker *client = interop_node_invoker(node, &tour_shop_module, &err);
  int events = 0;
  interop_subscription *sub;
  EXPECT(tour_shop_placed_subscribe(client, on_placed, &events, &sub, &err) == INTEROP_OK);

  uint64_t number;
  EXPECT(tour_shop_place_sync(client, &order, &number, &arena, NULL, &err) == INTEROP_OK && number == 1);
  printf("placed: order number %llu\n", (unsigned long long)number);
  tour_shop_Order umbrella = order;
  umbrella.item = INTEROP_STR("umbrella");
  EXPECT(tour_shop_place_sync(client, &umbrella, &number, &arena, NULL, &err) == INTEROP_APPLICATION_ERROR);
  EXPECT(err.type == &tour_shop_OutOfStock_type);
  const tour_shop_OutOfStock *oos = err.detail; /* in `arena`, like a result */
  printf("raised: %s (%s) for %.*s\n", interop_code_name(err.code), err.type_name, (int)oos->item.len, oos->item.ptr);
  interop_arena_free(&arena);

  /* Events and posted work run on the loop: run it until the worker's post stops it. */
  from_thread t = {node, 0};
  pthread_t thread;
  pthread_create(&thread, NULL, worker, &t);
  interop_node_run(node);
  pthread_join(thread, NULL);
  while (events == 0) interop_node_run_once(node, true);
  EXPECT(t.ran_on_loop && events == 1);
  printf("posted from another thread: ran on the loop\n");
  interop_unsubscribe(sub);
  interop_node_close(node);
  return 0;
}
