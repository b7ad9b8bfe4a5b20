/* Streams called from C (client.h, docs/c.md "Calling a stream"), each test twice: against a C
 * node over a unix socket (both nodes on one loop), and direct, in-process, with the same
 * expectations: every direction, the answer after the items, the callee's error after its items,
 * a caller that stops reading holding the producer at the window, cancel, deadline and a bad item
 * reaching the handler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>
#include "support.h"
#include "conformance_impl.h"

static uv_loop_t loop;
static char dir[64], sock[128];
static interop_conformance_server server;
static conformance_state state;
static interop_node *server_node, *client_node;
static interop_invoker *client, *remote, *direct;

static int setup(void **s) {
  (void)s;
  snprintf(dir, sizeof dir, "/tmp/interop-c-stream-calls-XXXXXX");
  if (mkdtemp(dir) == NULL) return -1;
  snprintf(sock, sizeof sock, "%s/s.sock", dir);
  uv_loop_init(&loop);
  conformance_server_init(&server, &state);
  const interop_module_impl *impls[] = {&server.module_impl};
  char config[512];
  interop_error err;
  snprintf(config, sizeof config, "{\"node\":\"server\",\"listen\":[\"unix:%s\"],\"limits\":{\"stream_window\":8}}", sock);
  if (interop_node_start(config, impls, 1, &loop, &server_node, &err) != INTEROP_OK) return -1;
  state.node = server_node;
  snprintf(config, sizeof config,
           "{\"node\":\"client\",\"connect\":[{\"address\":\"unix:%s\",\"modules\":[\"interop.conformance\"]}],\"limits\":{\"stream_window\":8}}", sock);
  if (interop_node_start(config, NULL, 0, &loop, &client_node, &err) != INTEROP_OK) return -1;
  remote = interop_node_invoker(client_node, &interop_conformance_module, &err);
  direct = interop_node_invoker(server_node, &interop_conformance_module, &err);
  return remote != NULL && direct != NULL ? 0 : -1;
}

static int teardown(void **s) {
  (void)s;
  interop_node_close(client_node);
  interop_node_close(server_node);
  while (uv_loop_close(&loop) == UV_EBUSY) uv_run(&loop, UV_RUN_NOWAIT);
  conformance_state_free(&state);
  unlink(sock);
  rmdir(dir);
  return 0;
}

/* Each test runs with its prestate's invoker. */
static int pick(void **s) {
  client = *(interop_invoker **)*s;
  return 0;
}

static void test_every_direction(void **s) {
  (void)s;
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_error err;
  interop_stream *st;
  /* Server stream: 20 items through a window of 8. */
  uint32_t sizes[20];
  for (int i = 0; i < 20; i++) sizes[i] = (uint32_t)i;
  assert_int_equal(interop_conformance_download_open(client, (interop_list_u32){sizes, 20}, NULL, &st, &err), INTEROP_OK);
  interop_bytes item;
  for (uint32_t i = 0; i < 20; i++) {
    assert_int_equal(interop_conformance_download_read(st, &item, &arena, &err), INTEROP_OK);
    assert_int_equal(item.len, i);
  }
  assert_int_equal(interop_conformance_download_read(st, &item, &arena, &err), INTEROP_DONE);
  assert_int_equal(interop_conformance_download_finish(st, &arena, &err), INTEROP_OK);
  /* Client stream: 30 items, answered after the end. */
  assert_int_equal(interop_conformance_upload_open(client, NULL, &st, &err), INTEROP_OK);
  for (int i = 0; i < 30; i++) assert_int_equal(interop_conformance_upload_write(st, (interop_bytes){(const uint8_t *)"abc", 3}, &err), INTEROP_OK);
  uint64_t total = 0;
  assert_int_equal(interop_conformance_upload_finish(st, &total, &arena, &err), INTEROP_OK);
  assert_int_equal(total, 90);
  /* Both ways. */
  assert_int_equal(interop_conformance_ping_pong_open(client, NULL, &st, &err), INTEROP_OK);
  interop_str pong;
  assert_int_equal(interop_conformance_ping_pong_write(st, INTEROP_STR("hi"), &err), INTEROP_OK);
  assert_int_equal(interop_conformance_ping_pong_read(st, &pong, &arena, &err), INTEROP_OK);
  assert_int_equal(pong.len, 7);
  assert_memory_equal(pong.ptr, "pong hi", 7);
  assert_int_equal(interop_stream_end(st, &err), INTEROP_OK);
  assert_int_equal(interop_conformance_ping_pong_read(st, &pong, &arena, &err), INTEROP_DONE);
  assert_int_equal(interop_conformance_ping_pong_finish(st, &arena, &err), INTEROP_OK);
  /* The callee's declared error after its items. */
  assert_int_equal(interop_conformance_tick_stream_open(client, 2, INTEROP_STR("busy"), NULL, &st, &err), INTEROP_OK);
  interop_conformance_Tick tick;
  assert_int_equal(interop_conformance_tick_stream_read(st, &tick, &arena, &err), INTEROP_OK);
  assert_int_equal(interop_conformance_tick_stream_read(st, &tick, &arena, &err), INTEROP_OK);
  assert_int_equal(tick.n, 2);
  assert_int_equal(interop_conformance_tick_stream_read(st, &tick, &arena, &err), INTEROP_APPLICATION_ERROR);
  assert_ptr_equal(err.type, &interop_conformance_Busy_type);
  assert_int_equal(((interop_conformance_Busy *)err.detail)->retry_ms, 2);
  interop_stream_finish(st, NULL, &arena, NULL);
  interop_arena_free(&arena);
}

static uint64_t produced(void) {
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_conformance_StreamStats stats;
  interop_error err;
  assert_int_equal(interop_conformance_stream_stats_sync(client, &stats, &arena, NULL, &err), INTEROP_OK);
  interop_arena_free(&arena);
  return stats.flood_produced;
}

static void test_a_slow_reader_holds_the_producer(void **s) {
  (void)s;
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_error err;
  interop_stream *st;
  interop_bytes item;
  assert_int_equal(interop_conformance_flood_open(client, 16, 1u << 30, NULL, &st, &err), INTEROP_OK);
  for (int i = 0; i < 3; i++) assert_int_equal(interop_conformance_flood_read(st, &item, &arena, &err), INTEROP_OK);
  for (int i = 0; i < 50; i++) produced(); /* loop turns: the producer runs as far as credit lets it */
  /* A window of 8 granted, 3 taken (no grant back before 4): 8 sent and one made and held. */
  assert_int_equal(produced(), 9);
  for (int i = 0; i < 8; i++) assert_int_equal(interop_conformance_flood_read(st, &item, &arena, &err), INTEROP_OK);
  state.cancelled_at_ms = 0;
  interop_stream_cancel(st);
  for (int i = 0; i < 20 && state.cancelled_at_ms == 0; i++) produced();
  assert_true(state.cancelled_at_ms > 0);
  interop_arena_free(&arena);
}

static void test_deadline_and_refusals(void **s) {
  (void)s;
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_error err;
  interop_stream *st;
  interop_conformance_Tick tick;
  interop_call_options opts = {100};
  state.cancelled_at_ms = 0;
  assert_int_equal(interop_conformance_tick_stream_open(client, 1, INTEROP_STR("hang"), &opts, &st, &err), INTEROP_OK);
  assert_int_equal(interop_conformance_tick_stream_read(st, &tick, &arena, &err), INTEROP_OK);
  assert_int_equal(interop_conformance_tick_stream_read(st, &tick, &arena, &err), INTEROP_DEADLINE_EXCEEDED);
  interop_stream_finish(st, NULL, &arena, NULL);
  for (int i = 0; i < 20 && state.cancelled_at_ms == 0; i++) produced();
  assert_true(state.cancelled_at_ms > 0);
  /* An item that is not a value of its type (bad UTF-8) ends the stream; the handler is told. */
  state.cancelled_at_ms = 0;
  assert_int_equal(interop_conformance_ping_pong_open(client, NULL, &st, &err), INTEROP_OK);
  assert_int_equal(interop_conformance_ping_pong_write(st, (interop_str){"\xff", 1}, &err), INTEROP_INVALID_ARGUMENT);
  assert_non_null(strstr(err.message, "ping_pong input: "));
  assert_int_equal(interop_conformance_ping_pong_write(st, INTEROP_STR("late"), &err), INTEROP_INVALID_ARGUMENT);
  interop_stream_cancel(st);
  for (int i = 0; i < 20 && state.cancelled_at_ms == 0; i++) produced();
  assert_true(state.cancelled_at_ms > 0);
  /* Parameters that are not a value of their type: refused at open. */
  assert_int_equal(interop_conformance_tick_stream_open(client, 1, (interop_str){"\xff", 1}, NULL, &st, &err), INTEROP_INVALID_ARGUMENT);
  interop_arena_free(&arena);
}

/* A handler that sends a good tick, then one whose text is not UTF-8. */
static void bad_pump(void *arg) {
  interop_call *call = arg;
  interop_error err;
  interop_conformance_Tick good = {1, INTEROP_STR("ok")}, bad = {2, {"\xff", 1}};
  int rc = interop_conformance_tick_stream_send(call, &good, &err);
  if (rc == INTEROP_PENDING) return interop_call_on_ready(call, bad_pump, call);
  assert_int_equal(rc, INTEROP_OK);
  rc = interop_conformance_tick_stream_send(call, &bad, &err);
  assert_int_equal(rc, INTEROP_INTERNAL);
  interop_call_finish(call, rc, &err);
}

static int bad_ticks(void *impl, interop_call *call, uint32_t count, interop_str end, interop_error *err) {
  (void)impl, (void)count, (void)end, (void)err;
  bad_pump(call);
  return INTEROP_PENDING;
}

static void test_an_invalid_item_of_the_handler(void **s) {
  (void)s;
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_error err;
  interop_stream *st;
  interop_conformance_Tick tick;
  uint64_t before = interop_node_counter(server_node, INTEROP_HANDLER_ERRORS);
  server.handlers.tick_stream = bad_ticks;
  assert_int_equal(interop_conformance_tick_stream_open(client, 2, INTEROP_STR(""), NULL, &st, &err), INTEROP_OK);
  /* The item before it arrives, then INTERNAL. */
  assert_int_equal(interop_conformance_tick_stream_read(st, &tick, &arena, &err), INTEROP_OK);
  assert_int_equal(tick.n, 1);
  assert_int_equal(interop_conformance_tick_stream_read(st, &tick, &arena, &err), INTEROP_INTERNAL);
  assert_non_null(strstr(err.message, "tick_stream: the handler sent an invalid item: "));
  assert_int_equal(interop_stream_finish(st, NULL, &arena, &err), INTEROP_INTERNAL);
  server.handlers.tick_stream = conformance_tick_stream;
  assert_int_equal(interop_node_counter(server_node, INTEROP_HANDLER_ERRORS), before + 1);
  interop_arena_free(&arena);
}

int main(void) {
#define BOTH(test) {#test " (unix)", test, pick, NULL, &remote}, {#test " (direct)", test, pick, NULL, &direct}
  const struct CMUnitTest tests[] = {
      BOTH(test_every_direction),
      BOTH(test_a_slow_reader_holds_the_producer),
      BOTH(test_deadline_and_refusals),
      BOTH(test_an_invalid_item_of_the_handler),
  };
  return cmocka_run_group_tests_name("streams called", tests, setup, teardown);
}
