/* Clean close and reconnection (docs/wire.md §1.1 GOODBYE, docs/config.md "Reconnection"): a
 * closing node says GOODBYE to its peers; a node that reads GOODBYE still gets the answers it
 * waits for, closes once nothing is outstanding, and dials a new connection for its next call;
 * a link whose connection went away while it carries subscriptions dials again by itself (100 ms,
 * doubling to 5 s) and renews them, with no call to prompt it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>
#include "raw_peer.h"
#include "conformance_impl.h"

static uv_loop_t loop;
static char dir[64], sock[128];

static int setup(void **s) {
  (void)s;
  snprintf(dir, sizeof dir, "/tmp/interop-c-goodbye-XXXXXX");
  if (mkdtemp(dir) == NULL) return -1;
  snprintf(sock, sizeof sock, "%s/s.sock", dir);
  return uv_loop_init(&loop);
}

static int teardown(void **s) {
  (void)s;
  /* Bounded: a failed test leaves its node open, and must fail rather than hang here. */
  int busy = 0;
  while (uv_loop_close(&loop) == UV_EBUSY && ++busy < 1000) uv_run(&loop, UV_RUN_NOWAIT);
  unlink(sock);
  rmdir(dir);
  return busy < 1000 ? 0 : -1;
}

static interop_node *start_node(const char *config, interop_conformance_server *server, conformance_state *state) {
  interop_node *node;
  interop_error err;
  const interop_module_impl *impls[] = {server != NULL ? &server->module_impl : NULL};
  if (server != NULL) conformance_server_init(server, state);
  if (interop_node_start(config, impls, server != NULL ? 1 : 0, &loop, &node, &err) != INTEROP_OK) fail_msg("%s", err.message);
  if (state != NULL) state->node = node, state->publisher = interop_node_publisher(node, &interop_conformance_module, &err);
  return node;
}

static void test_a_closing_node_says_goodbye(void **s) {
  (void)s;
  static interop_conformance_server server;
  static conformance_state state;
  char config[256];
  snprintf(config, sizeof config, "{\"node\":\"closing\",\"listen\":[\"unix:%s\"]}", sock);
  interop_node *node = start_node(config, &server, &state);
  int fd = raw_connect(sock);
  interop_frame_decoder d;
  interop_frame_decoder_init(&d, INTEROP_DEFAULT_MAX_FRAME_BYTES);
  raw_put(fd, INTEROP_FRAME_HELLO, INTEROP_CODEC_JSON, 0, 0, "", "{\"codecs\":[\"json\"],\"compat\":{},\"node\":\"raw\",\"offers\":{},\"protocol\":[1],\"wants\":{}}");
  assert_int_equal(raw_next(fd, &d, &loop, 3000, NULL, NULL, 0), INTEROP_FRAME_WELCOME);
  interop_node_close(node);
  conformance_state_free(&state);
  char reason[64];
  assert_int_equal(raw_next(fd, &d, &loop, 3000, NULL, reason, sizeof reason), INTEROP_FRAME_GOODBYE);
  assert_string_equal(reason, "the node is closing");
  assert_int_equal(raw_next(fd, &d, &loop, 3000, NULL, NULL, 0), 0);
  interop_frame_decoder_free(&d);
  close(fd);
}

/* An idle connection gets GOODBYE and the peer closes it: a REQUEST sent before the peer read the
 * GOODBYE is still answered (docs/wire.md §5.1); a peer that never closes is closed after
 * handshake_timeout_ms. */
static void test_an_idle_connection_still_answers_until_the_peer_closes(void **s) {
  (void)s;
  static interop_conformance_server server;
  static conformance_state state;
  char config[256];
  snprintf(config, sizeof config, "{\"node\":\"idle\",\"listen\":[\"unix:%s\"],\"limits\":{\"idle_timeout_ms\":100,\"handshake_timeout_ms\":2000}}", sock);
  interop_node *node = start_node(config, &server, &state);
  int fd = raw_connect(sock);
  interop_frame_decoder d;
  interop_frame_decoder_init(&d, INTEROP_DEFAULT_MAX_FRAME_BYTES);
  raw_put(fd, INTEROP_FRAME_HELLO, INTEROP_CODEC_JSON, 0, 0, "", "{\"codecs\":[\"json\"],\"compat\":{},\"node\":\"raw\",\"offers\":{},\"protocol\":[1],\"wants\":{}}");
  assert_int_equal(raw_next(fd, &d, &loop, 3000, NULL, NULL, 0), INTEROP_FRAME_WELCOME);
  char text[64];
  assert_int_equal(raw_next(fd, &d, &loop, 3000, NULL, text, sizeof text), INTEROP_FRAME_GOODBYE);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_string_equal(text, "idle for 100 ms");
  assert_int_equal(interop_node_counter(node, INTEROP_IDLE_TIMEOUTS), 1);
  raw_put(fd, INTEROP_FRAME_REQUEST, INTEROP_CODEC_JSON, 0, 7, "interop.conformance.echo_i32", "{\"v\":9}");
  uint32_t id = 0;
  assert_int_equal(raw_next(fd, &d, &loop, 3000, &id, text, sizeof text), INTEROP_FRAME_RESPONSE);
  assert_int_equal(id, 7);
  assert_string_equal(text, "9");
  assert_int_equal(raw_next(fd, &d, &loop, 5000, NULL, NULL, 0), 0); /* we never close: the node does */
  clock_gettime(CLOCK_MONOTONIC, &t1);
  assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 1000); /* not at once */
  interop_frame_decoder_free(&d);
  close(fd);
  interop_node_close(node);
  conformance_state_free(&state);
}

typedef struct answer {
  bool done;
  int rc;
} answer;

static void on_done(void *user, int rc, const interop_error *err) {
  (void)err;
  answer *a = user;
  a->done = true, a->rc = rc;
}

static void test_goodbye_from_the_peer(void **s) {
  (void)s;
  int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
  assert_int_equal(bind(listener, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(listen(listener, 4), 0);
  char config[256], welcome[256];
  snprintf(config, sizeof config, "{\"node\":\"caller\",\"connect\":[{\"address\":\"unix:%s\",\"modules\":[\"interop.conformance\"]}]}", sock);
  snprintf(welcome, sizeof welcome, "{\"codecs\":[\"json\"],\"compat\":{},\"node\":\"raw\",\"offers\":{\"interop.conformance\":\"%s\"},\"protocol\":1,\"wants\":{}}",
           interop_conformance_module.fingerprint);
  interop_node *node = start_node(config, NULL, NULL);
  interop_error err;
  interop_invoker *client = interop_node_invoker(node, &interop_conformance_module, &err);
  interop_arena arena = INTEROP_ARENA_INIT;
  for (int round = 0; round < 2; round++) {
    answer a = {false, -1};
    int32_t got = 0;
    assert_int_equal(interop_conformance_echo_i32(client, 5, &got, &arena, NULL, on_done, &a), INTEROP_OK);
    int fd = raw_accept(listener, &loop); /* the first call dials; after the GOODBYE, so does the second */
    assert_true(fd >= 0);
    interop_frame_decoder d;
    interop_frame_decoder_init(&d, INTEROP_DEFAULT_MAX_FRAME_BYTES);
    assert_int_equal(raw_next(fd, &d, &loop, 3000, NULL, NULL, 0), INTEROP_FRAME_HELLO);
    raw_put(fd, INTEROP_FRAME_WELCOME, INTEROP_CODEC_JSON, 0, 0, "", welcome);
    uint32_t id;
    assert_int_equal(raw_next(fd, &d, &loop, 3000, &id, NULL, 0), INTEROP_FRAME_REQUEST);
    raw_put(fd, INTEROP_FRAME_GOODBYE, 0, 0, 0, "", "");
    raw_put(fd, INTEROP_FRAME_RESPONSE, INTEROP_CODEC_JSON, 0, id, "interop.conformance.echo_i32", "5"); /* accepted before the GOODBYE: still answered */
    while (!a.done) raw_turn(&loop);
    assert_int_equal(a.rc, INTEROP_OK);
    assert_int_equal(got, 5);
    assert_int_equal(raw_next(fd, &d, &loop, 3000, NULL, NULL, 0), 0); /* nothing outstanding: the caller closed */
    interop_frame_decoder_free(&d);
    close(fd);
  }
  interop_arena_free(&arena);
  interop_node_close(node);
  close(listener);
}

static int seen;
static void on_tick(void *user, const void *payload) { (void)user, (void)payload, seen++; }

static void test_subscriptions_come_back_by_themselves(void **s) {
  (void)s;
  static interop_conformance_server server;
  static conformance_state state, state2;
  char config[256];
  snprintf(config, sizeof config, "{\"node\":\"publisher\",\"listen\":[\"unix:%s\"]}", sock);
  interop_node *first = start_node(config, &server, &state);
  snprintf(config, sizeof config, "{\"node\":\"subscriber\",\"connect\":[{\"address\":\"unix:%s\",\"modules\":[\"interop.conformance\"]}]}", sock);
  interop_node *node = start_node(config, NULL, NULL);
  interop_error err;
  interop_invoker *client = interop_node_invoker(node, &interop_conformance_module, &err);
  interop_subscription *sub;
  assert_int_equal(interop_conformance_ticked_subscribe(client, on_tick, NULL, &sub, &err), INTEROP_OK);
  interop_conformance_Tick tick = {1, INTEROP_STR("t")};
  for (int i = 0; i < 3000 && seen == 0; i++) {
    if (i % 20 == 0) interop_conformance_ticked_publish(state.publisher, &tick, &err);
    raw_turn(&loop);
  }
  assert_true(seen > 0);
  /* The publisher goes away and another takes its address; nobody calls anything. */
  interop_node_close(first);
  conformance_state_free(&state);
  unlink(sock);
  snprintf(config, sizeof config, "{\"node\":\"publisher-2\",\"listen\":[\"unix:%s\"]}", sock);
  interop_node *second = start_node(config, &server, &state2);
  seen = 0;
  for (int i = 0; i < 3000 && seen == 0; i++) {
    if (i % 20 == 0) interop_conformance_ticked_publish(state2.publisher, &tick, &err);
    raw_turn(&loop);
  }
  assert_true(seen > 0);
  interop_unsubscribe(sub);
  interop_node_close(node);
  interop_node_close(second);
  conformance_state_free(&state2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_a_closing_node_says_goodbye, setup, teardown),
      cmocka_unit_test_setup_teardown(test_goodbye_from_the_peer, setup, teardown),
      cmocka_unit_test_setup_teardown(test_an_idle_connection_still_answers_until_the_peer_closes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_subscriptions_come_back_by_themselves, setup, teardown),
  };
  return cmocka_run_group_tests_name("goodbye and redial", tests, NULL, NULL);
}
