/* Direct calls and in-process events (docs/c.md "Calls"): generated stubs → runtime → the
 * generated handler table, no encoding, with the checks, errors and deadlines of a connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include "support.h"
#include "conformance_impl.h"

static interop_conformance_server server;
static conformance_state state;
static interop_node *node;
static interop_invoker *client;

static int start(const char *config) {
  conformance_server_init(&server, &state);
  const interop_module_impl *impls[] = {&server.module_impl};
  interop_error err;
  int rc = interop_node_start(config, impls, 1, NULL, &node, &err);
  if (rc != INTEROP_OK) return rc;
  state.node = node;
  state.publisher = interop_node_publisher(node, &interop_conformance_module, &err);
  client = interop_node_invoker(node, &interop_conformance_module, &err);
  return client != NULL ? INTEROP_OK : (int)err.code;
}

static int setup(void **s) {
  (void)s;
  return start("{\"node\":\"direct-test\",\"limits\":{\"max_event_queue\":4,\"event_queue_policy\":\"drop_newest\"}}");
}

static int teardown(void **s) {
  (void)s;
  interop_node_close(node);
  conformance_state_free(&state);
  return 0;
}

static void test_typed_stub(void **s) {
  (void)s;
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_error err;
  int32_t got = 0;
  assert_int_equal(interop_conformance_echo_i32_sync(client, -7, &got, &arena, NULL, &err), INTEROP_OK);
  assert_int_equal(got, -7);
  interop_conformance_Point p = {3, 4};
  interop_conformance_Shape shape = {interop_conformance_Shape_point, {.point = p}}, back;
  assert_int_equal(interop_conformance_echo_shape_sync(client, &shape, &back, &arena, NULL, &err), INTEROP_OK);
  assert_int_equal(back.which, interop_conformance_Shape_point);
  assert_int_equal(back.as.point.y, 4);
  interop_arena_free(&arena);
}

static void test_arguments_checked(void **s) {
  (void)s;
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_error err;
  interop_str got;
  interop_str bad = {"\xff\xfe", 2};
  assert_int_equal(interop_conformance_echo_string_sync(client, bad, &got, &arena, NULL, &err), INTEROP_INVALID_ARGUMENT);
  assert_string_equal(err.message, "echo_string: v: string is not valid UTF-8");
  interop_conformance_Shape none = {0, {.circle = 1}};
  interop_conformance_Shape back;
  assert_int_equal(interop_conformance_echo_shape_sync(client, &none, &back, &arena, NULL, &err), INTEROP_INVALID_ARGUMENT);
  interop_arena_free(&arena);
}

static int bad_result(void *impl, interop_call *call, interop_str v, interop_str *result, interop_error *err) {
  (void)impl, (void)call, (void)v, (void)err;
  *result = (interop_str){"\xc0\xaf", 2};
  return INTEROP_OK;
}

static void test_result_checked(void **s) {
  (void)s;
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_error err;
  interop_str got;
  server.handlers.echo_string = bad_result;
  uint64_t before = interop_node_counter(node, INTEROP_HANDLER_ERRORS);
  assert_int_equal(interop_conformance_echo_string_sync(client, INTEROP_STR("x"), &got, &arena, NULL, &err), INTEROP_INTERNAL);
  assert_non_null(strstr(err.message, "result does not encode"));
  assert_int_equal(interop_node_counter(node, INTEROP_HANDLER_ERRORS), before + 1);
  conformance_server_init(&server, &state); /* restore the handlers */
  state.node = node;
  state.publisher = interop_node_publisher(node, &interop_conformance_module, &err);
  interop_arena_free(&arena);
}

static void test_errors(void **s) {
  (void)s;
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_error err;
  interop_str got;
  assert_int_equal(interop_conformance_fail_sync(client, INTEROP_STR("not_found"), &got, &arena, NULL, &err),
                   INTEROP_APPLICATION_ERROR);
  assert_ptr_equal(err.type, &interop_conformance_NotFound_type);
  assert_string_equal(err.type_name, "interop.conformance.NotFound");
  const interop_conformance_NotFound *nf = err.detail;
  assert_int_equal(nf->key.len, 7);
  assert_memory_equal(nf->key.ptr, "missing", 7);
  assert_int_equal(interop_conformance_fail_sync(client, INTEROP_STR("internal"), &got, &arena, NULL, &err), INTEROP_INTERNAL);
  int32_t r;
  assert_int_equal(interop_conformance_unimplemented_sync(client, 1, &r, &arena, NULL, &err), INTEROP_UNIMPLEMENTED);
  assert_int_equal(interop_conformance_fail_sync(client, INTEROP_STR("fine"), &got, &arena, NULL, &err), INTEROP_OK);
  assert_int_equal(got.len, 4);
  interop_arena_free(&arena);
}

static void test_deadline(void **s) {
  (void)s;
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_error err;
  uint32_t got = 0;
  interop_call_options opts = {50};
  uint64_t t0 = uv_hrtime();
  assert_int_equal(interop_conformance_slow_sync(client, 5000, &got, &arena, &opts, &err), INTEROP_DEADLINE_EXCEEDED);
  /* The handler finishing with CANCELLED once told to stop does not change what the caller sees. */
  assert_int_equal(err.code, INTEROP_DEADLINE_EXCEEDED);
  uint64_t ms = (uv_hrtime() - t0) / 1000000;
  assert_true(ms >= 45 && ms < 2000);
  opts.timeout_ms = 5000;
  assert_int_equal(interop_conformance_slow_sync(client, 10, &got, &arena, &opts, &err), INTEROP_OK);
  assert_int_equal(got, 10);
  interop_arena_free(&arena);
}

typedef struct waiter {
  int calls;
  int rc;
} waiter;

static void on_done(void *user, int rc, const interop_error *err) {
  (void)err;
  waiter *w = user;
  w->calls++;
  w->rc = rc;
}

static void test_async_done_after_return(void **s) {
  (void)s;
  interop_arena arena = INTEROP_ARENA_INIT;
  waiter w = {0, -1};
  uint64_t got = 0;
  assert_int_equal(interop_conformance_next_count(client, &got, &arena, NULL, on_done, &w), INTEROP_OK);
  assert_int_equal(w.calls, 0); /* never before interop_invoke returns */
  while (w.calls == 0) interop_node_run_once(node, true);
  assert_int_equal(w.calls, 1);
  assert_int_equal(w.rc, INTEROP_OK);
  assert_true(got >= 1);
  interop_arena_free(&arena);
}

static void test_oneway(void **s) {
  (void)s;
  interop_error err;
  char text[] = "hello \xe4\xb8\xad";
  assert_int_equal(interop_conformance_note(client, (interop_str){text, strlen(text)}, NULL, &err), INTEROP_OK);
  text[0] = 'X'; /* the caller's memory is its own again once the call returned */
  interop_node_run_once(node, false);
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_str got;
  assert_int_equal(interop_conformance_last_note_sync(client, &got, &arena, NULL, &err), INTEROP_OK);
  assert_int_equal(got.len, strlen("hello \xe4\xb8\xad"));
  assert_memory_equal(got.ptr, "hello \xe4\xb8\xad", got.len);
  interop_arena_free(&arena);
}

typedef struct ticks {
  uint32_t n[16];
  int count;
} ticks;

static void on_tick(void *user, const void *payload) {
  ticks *t = user;
  const interop_conformance_Tick *tick = payload;
  if (t->count < 16) t->n[t->count] = tick->n;
  t->count++;
}

static void test_events_in_order_and_bounded(void **s) {
  (void)s;
  interop_error err;
  ticks t = {{0}, 0};
  interop_subscription *sub;
  assert_int_equal(interop_conformance_ticked_subscribe(client, on_tick, &t, &sub, &err), INTEROP_OK);
  interop_arena arena = INTEROP_ARENA_INIT;
  /* 6 events into a queue of 4 (drop_newest): 4 delivered in order, 2 dropped and counted. */
  uint64_t dropped = interop_node_counter(node, INTEROP_DROPPED_EVENTS);
  assert_int_equal(interop_conformance_publish_sync(client, 6, INTEROP_STR("hi"), &arena, NULL, &err), INTEROP_OK);
  for (int i = 0; i < 20 && t.count < 4; i++) interop_node_run_once(node, false);
  assert_int_equal(t.count, 4);
  for (int i = 0; i < 4; i++) assert_int_equal(t.n[i], (uint32_t)i + 1);
  assert_int_equal(interop_subscription_dropped(sub), 2);
  assert_int_equal(interop_node_counter(node, INTEROP_DROPPED_EVENTS), dropped + 2);
  interop_unsubscribe(sub);
  assert_int_equal(interop_conformance_publish_sync(client, 1, INTEROP_STR("late"), &arena, NULL, &err), INTEROP_OK);
  interop_node_run_once(node, false);
  assert_int_equal(t.count, 4);
  interop_arena_free(&arena);
}

static void posted(void *arg) { *(int *)arg = 42; }

static void from_thread(void *arg) { interop_node_post(node, posted, arg); }

static void test_post_from_another_thread(void **s) {
  (void)s;
  int value = 0;
  uv_thread_t th;
  uv_thread_create(&th, from_thread, &value);
  uv_thread_join(&th);
  for (int i = 0; i < 100 && value == 0; i++) interop_node_run_once(node, true);
  assert_int_equal(value, 42);
}

static void test_config_errors(void **s) {
  (void)s;
  interop_conformance_server srv;
  conformance_state st;
  conformance_server_init(&srv, &st);
  const interop_module_impl *impls[] = {&srv.module_impl};
  interop_node *n;
  interop_error err;
  assert_int_equal(interop_node_start("{\"node\":\"x\",\"limits\":{\"max_frames\":1}}", impls, 1, NULL, &n, &err),
                   INTEROP_INVALID_ARGUMENT);
  assert_string_equal(err.message, "limits.max_frames: unknown limit (docs/wire.md §5 lists them)");
  assert_int_equal(interop_node_start("{\"node\":\"x\",\"modules\":[\"no.such\"]}", impls, 1, NULL, &n, &err), INTEROP_NOT_FOUND);
  assert_int_equal(interop_node_start("{\"node\":\"x\",\n\"limits\":", impls, 1, NULL, &n, &err), INTEROP_INVALID_ARGUMENT);
  assert_non_null(strstr(err.message, "line 2"));
  /* Found by fuzz_config: a plugin's env given as an array (unnamed items) crashed the reader. */
  assert_int_equal(interop_node_start("{\"node\":\"x\",\"plugins\":[{\"command\":[\"x\"],\"modules\":[\"e.f\"],\"env\":[\"A\"]}]}",
                                      impls, 1, NULL, &n, &err), INTEROP_INVALID_ARGUMENT);
  assert_string_equal(err.message, "plugins[0].env: expected an object of NAME: value strings");
  assert_int_equal(interop_node_start("{\"node\":\"x\",\"modules\":[]}", impls, 1, NULL, &n, &err), INTEROP_OK);
  assert_null(interop_node_invoker(n, &interop_conformance_module, &err));
  assert_int_equal(err.code, INTEROP_NOT_FOUND);
  interop_node_close(n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_typed_stub),
      cmocka_unit_test(test_arguments_checked),
      cmocka_unit_test(test_result_checked),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_deadline),
      cmocka_unit_test(test_async_done_after_return),
      cmocka_unit_test(test_oneway),
      cmocka_unit_test(test_events_in_order_and_bounded),
      cmocka_unit_test(test_post_from_another_thread),
      cmocka_unit_test(test_config_errors),
  };
  return cmocka_run_group_tests_name("direct calls", tests, setup, teardown);
}
