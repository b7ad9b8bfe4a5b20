/* Streams called from C (client.h, docs/c.md "Calling a stream") against a C node over a unix
 * socket, both nodes on one loop: every direction, the answer after the items, the callee's
 * error after its items, a caller that stops reading holding the producer at the window, cancel
 * and deadline reaching the handler, and a stream call refused in-process (no direct streams). */
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
static interop_invoker *client;

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
  client = interop_node_invoker(client_node, &interop_conformance_module, &err);
  return client != NULL ? 0 : -1;
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
  /* A stream of a module hosted in this process: not yet. */
  interop_invoker *direct = interop_node_invoker(server_node, &interop_conformance_module, &err);
  assert_int_equal(interop_conformance_upload_open(direct, NULL, &st, &err), INTEROP_UNIMPLEMENTED);
  interop_arena_free(&arena);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_direction),
      cmocka_unit_test(test_a_slow_reader_holds_the_producer),
      cmocka_unit_test(test_deadline_and_refusals),
  };
  return cmocka_run_group_tests_name("streams called", tests, setup, teardown);
}
