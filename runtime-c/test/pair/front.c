/* pair.front as a module library (libpair_front.so) for the two-library test (test_module_pair.c).
 * Its check() calls pair.store through the generated asynchronous stubs, one call after another,
 * and waits for the store's `stored` events; the code does not know whether pair.store is in the
 * same node (direct: the stub reaches the handler through a function pointer) or in another. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "pair_front.h"

#define MAX_EVENTS 8

typedef struct front {
  interop_invoker *store;
  interop_subscription *stored;
  interop_call *call; /* the check in progress, or NULL */
  pair_front_Report *report;
  int step;
  bool calls_done;
  char events[MAX_EVENTS][64];
  size_t events_count;
  pair_store_Item item;
  pair_store_Stored put_result;
  pair_store_Item get_result;
  interop_arena arena; /* what the store's answers point to, for one check */
} front;

static front state = {.arena = INTEROP_ARENA_INIT};
static pair_front_server server;

/* A string in the check's arena, for the report. */
static interop_str report_str(front *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static interop_str report_str(front *f, const char *fmt, ...) {
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  size_t len = n < 0 ? 0 : (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
  return (interop_str){interop_arena_strndup(interop_call_arena(f->call), text, len), len};
}

/* Answers the check once its calls are done and both events arrived. */
static void maybe_finish(front *f) {
  if (f->call == NULL || !f->calls_done || f->events_count < 2) return;
  interop_arena *a = interop_call_arena(f->call);
  interop_str *names = interop_arena_alloc(a, f->events_count * sizeof *names, _Alignof(interop_str));
  for (size_t i = 0; i < f->events_count; i++) names[i] = (interop_str){interop_arena_strndup(a, f->events[i], strlen(f->events[i])), strlen(f->events[i])};
  f->report->events = (interop_list_string){names, f->events_count};
  interop_call *call = f->call;
  f->call = NULL;
  interop_arena_free(&f->arena);
  interop_call_finish(call, INTEROP_OK, NULL);
}

static void next(front *f);

/* What each step's answer adds to the report; an unexpected outcome shows in the field. */
static void on_answer(void *user, int rc, const interop_error *err) {
  front *f = user;
  pair_front_Report *r = f->report;
  const char *code = interop_code_name((uint32_t)rc);
  switch (f->step) {
    case 1: /* put apple */
      if (rc != INTEROP_OK) r->caller = report_str(f, "put apple: %s %s", code, err->message);
      break;
    case 2: /* put banana */
      if (rc != INTEROP_OK) r->caller = report_str(f, "put banana: %s %s", code, err->message);
      else r->count = f->put_result.count, r->caller = report_str(f, "%.*s", (int)f->put_result.caller.len, f->put_result.caller.ptr);
      break;
    case 3: /* get apple */
      if (rc == INTEROP_OK) r->got_qty = f->get_result.qty;
      break;
    case 4: { /* get pear: NotFound */
      /* The detail comes typed by this library's own descriptor, wherever the store runs. */
      const pair_store_NotFound *nf = err->type == &pair_store_NotFound_type ? err->detail : NULL;
      r->missing = report_str(f, "%s %s %.*s", code, err->type_name, nf ? (int)nf->name.len : 0, nf ? nf->name.ptr : "");
      break;
    }
    case 5: /* put an item whose name is not UTF-8 */
      r->invalid = report_str(f, "%s: %s", code, err->message);
      break;
    default: break;
  }
  next(f);
}

static void next(front *f) {
  interop_error err;
  int rc = INTEROP_OK;
  switch (f->step++) {
    case 0:
      f->item = (pair_store_Item){INTEROP_STR("apple"), 3};
      rc = pair_store_put(f->store, &f->item, &f->put_result, &f->arena, NULL, on_answer, f);
      break;
    case 1:
      f->item = (pair_store_Item){INTEROP_STR("banana"), 5};
      rc = pair_store_put(f->store, &f->item, &f->put_result, &f->arena, NULL, on_answer, f);
      break;
    case 2: rc = pair_store_get(f->store, INTEROP_STR("apple"), &f->get_result, &f->arena, NULL, on_answer, f); break;
    case 3: rc = pair_store_get(f->store, INTEROP_STR("pear"), &f->get_result, &f->arena, NULL, on_answer, f); break;
    case 4:
      f->item = (pair_store_Item){INTEROP_STR("\xff\xfe"), 1};
      rc = pair_store_put(f->store, &f->item, &f->put_result, &f->arena, NULL, on_answer, f);
      break;
    default:
      f->calls_done = true;
      return maybe_finish(f);
  }
  if (rc != INTEROP_OK) { /* not started: nothing will answer */
    interop_error_set(&err, (uint32_t)rc, "call %d not started", f->step - 1);
    on_answer(f, rc, &err);
  }
}

static void on_stored(void *user, const void *payload) {
  front *f = user;
  const pair_store_Item *item = payload;
  if (f->events_count < MAX_EVENTS) snprintf(f->events[f->events_count++], sizeof f->events[0], "%.*s", (int)item->name.len, item->name.ptr);
  maybe_finish(f);
}

static int check(void *impl, interop_call *call, pair_front_Report *result, interop_error *err) {
  front *f = impl;
  if (f->call != NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "a check is running already");
  f->call = call;
  f->report = result;
  f->step = 0;
  f->calls_done = false;
  f->events_count = 0;
  next(f);
  return INTEROP_PENDING;
}

/* Runs once on the node's loop before any call (its argument is module_impl.impl, which a generated
 * server sets to the server itself, so the state is reached as server.impl): the invoker of pair.store (direct when this node
 * hosts it, else the link its config names) and the subscription to its event. */
static int init(void *impl, interop_node *node, interop_error *err) {
  front *f = ((pair_front_server *)impl)->impl;
  if ((f->store = interop_node_invoker(node, &pair_store_module, err)) == NULL) return (int)err->code;
  return pair_store_stored_subscribe(f->store, on_stored, f, &f->stored, err);
}

/* Runs once after the last call. The node has ended the subscription already (interop_node_close
 * frees every subscription before the modules' fini), so only our own memory is left to free. */
static void fini(void *impl) {
  front *f = ((pair_front_server *)impl)->impl;
  f->stored = NULL;
  interop_arena_free(&f->arena);
}

const interop_module_impl *interop_module_entry(void) {
  static const pair_front_handlers handlers = {.check = check};
  pair_front_server_init(&server, &handlers, &state);
  server.module_impl.init = init;
  server.module_impl.fini = fini;
  return &server.module_impl;
}
