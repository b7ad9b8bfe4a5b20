/* A peer that does not read what a C node writes (docs/wire.md §5 "Flow control"): the node's
 * events for it wait in a bounded queue per subscription (drop_oldest: the newest arrive), it
 * stops reading a peer whose answers pile up and answers everything once that peer reads, its
 * one-way calls are refused past max_in_flight waiting, and a stream's producer is held although
 * the caller granted far more credit. Each would grow without bound before. And a peer that went
 * away while written to ends its connection, not the process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "raw_peer.h"
#include "conformance_impl.h"

static uv_loop_t loop;
static char dir[64], sock[128];
static interop_conformance_server server;
static conformance_state state;
static interop_node *node;

static int setup(void **s) {
  (void)s;
  snprintf(dir, sizeof dir, "/tmp/interop-c-slow-XXXXXX");
  if (mkdtemp(dir) == NULL) return -1;
  snprintf(sock, sizeof sock, "%s/s.sock", dir);
  if (uv_loop_init(&loop) != 0) return -1;
  char config[256];
  snprintf(config, sizeof config, "{\"node\":\"slow\",\"listen\":[\"unix:%s\"],\"limits\":{\"max_in_flight\":8,\"max_event_queue\":4}}", sock);
  conformance_server_init(&server, &state);
  const interop_module_impl *impls[] = {&server.module_impl};
  interop_error err;
  if (interop_node_start(config, impls, 1, &loop, &node, &err) != INTEROP_OK) return -1;
  state.node = node;
  state.publisher = interop_node_publisher(node, &interop_conformance_module, &err);
  return 0;
}

static int teardown(void **s) {
  (void)s;
  interop_node_close(node);
  conformance_state_free(&state);
  int busy = 0;
  while (uv_loop_close(&loop) == UV_EBUSY && ++busy < 1000) uv_run(&loop, UV_RUN_NOWAIT);
  unlink(sock);
  rmdir(dir);
  return busy < 1000 ? 0 : -1;
}

/* A raw peer past its handshake with the node. */
static int open_peer(interop_frame_decoder *d) {
  int fd = raw_connect(sock);
  interop_frame_decoder_init(d, INTEROP_DEFAULT_MAX_FRAME_BYTES);
  raw_put(fd, INTEROP_FRAME_HELLO, INTEROP_CODEC_JSON, 0, 0, "", "{\"codecs\":[\"json\"],\"compat\":{},\"node\":\"raw\",\"offers\":{},\"protocol\":[1],\"wants\":{}}");
  assert_int_equal(raw_next(fd, d, &loop, 3000, NULL, NULL, 0), INTEROP_FRAME_WELCOME);
  return fd;
}

static char kilobyte[1025];

static void test_events_wait_in_a_bounded_queue(void **s) {
  (void)s;
  interop_frame_decoder d;
  int fd = open_peer(&d);
  raw_put(fd, INTEROP_FRAME_SUBSCRIBE, INTEROP_CODEC_JSON, 0, 1, "interop.conformance.ticked", "");
  assert_int_equal(raw_next(fd, &d, &loop, 3000, NULL, NULL, 0), INTEROP_FRAME_RESPONSE);
  /* 3 MB of events for a peer that reads none of them. */
  memset(kilobyte, 'x', 1024);
  uint64_t before = interop_node_counter(node, INTEROP_DROPPED_EVENTS);
  interop_error err;
  const uint32_t published = 3000;
  for (uint32_t n = 1; n <= published; n++) {
    interop_conformance_Tick tick = {n, {kilobyte, 1024}};
    assert_int_equal(interop_conformance_ticked_publish(state.publisher, &tick, &err), INTEROP_OK);
    if (n % 100 == 0) uv_run(&loop, UV_RUN_NOWAIT);
  }
  uint64_t dropped = interop_node_counter(node, INTEROP_DROPPED_EVENTS) - before;
  assert_true(dropped >= 2000); /* what fits: the socket's buffers, the high-water mark, 4 held */
  /* It reads now: every event not dropped arrives, the newest last (drop_oldest). */
  uint32_t received = 0, last = 0;
  static char text[2048];
  while (raw_next(fd, &d, &loop, 300, NULL, text, sizeof text) == INTEROP_FRAME_EVENT) {
    received++;
    last = (uint32_t)strtoul(strstr(text, "\"n\":") + 4, NULL, 10);
  }
  assert_int_equal(received + dropped, published);
  assert_int_equal(last, published);
  interop_frame_decoder_free(&d);
  close(fd);
}

static void test_answers_the_peer_does_not_read_pause_it(void **s) {
  (void)s;
  interop_frame_decoder d;
  int fd = open_peer(&d);
  /* 3,000 PINGs of 1 KiB, sent as fast as the node takes them; their PONGs are not read. */
  enum { PINGS = 3000 };
  interop_buf all = INTEROP_BUF_INIT;
  interop_error err;
  for (uint32_t i = 1; i <= PINGS; i++) {
    interop_frame f = {INTEROP_FRAME_PING, 0, 0, i, 0, "", 0, (const uint8_t *)kilobyte, 1024};
    interop_frame_encode(&all, &f, &err);
  }
  uint64_t before = interop_node_counter(node, INTEROP_PAUSED_READS);
  size_t sent = 0;
  for (int idle = 0; sent < all.len && idle < 300;) {
    ssize_t n = send(fd, all.data + sent, all.len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) sent += (size_t)n, idle = 0;
    else idle++;
    raw_turn(&loop);
  }
  assert_true(interop_node_counter(node, INTEROP_PAUSED_READS) > before);
  assert_true(sent < all.len); /* the node stopped reading: the rest cannot be sent yet */
  /* The peer reads: the node reads again and answers every PING. */
  uint32_t pongs = 0;
  for (int quiet = 0; pongs < PINGS && quiet < 3000;) {
    if (sent < all.len) {
      ssize_t n = send(fd, all.data + sent, all.len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) sent += (size_t)n;
    }
    int kind = raw_next(fd, &d, &loop, 1, NULL, NULL, 0);
    if (kind == INTEROP_FRAME_PONG) pongs++, quiet = 0;
    else quiet++;
  }
  assert_int_equal(pongs, PINGS);
  interop_buf_free(&all);
  interop_frame_decoder_free(&d);
  close(fd);
}

typedef struct tick_log {
  uint32_t count, last;
  bool in_order;
} tick_log;

static void on_tick(void *user, const void *payload) {
  tick_log *log = user;
  const interop_conformance_Tick *t = payload;
  log->in_order = log->in_order && t->n == log->last + 1;
  log->last = t->n;
  log->count++;
}

/* A raw server with one connection from `caller`, past the handshake. */
static int serve_raw(int listener, interop_frame_decoder *d) {
  char welcome[256];
  snprintf(welcome, sizeof welcome, "{\"codecs\":[\"json\"],\"compat\":{},\"node\":\"deaf\",\"offers\":{\"interop.conformance\":\"%s\"},\"protocol\":1,\"wants\":{}}",
           interop_conformance_module.fingerprint);
  int fd = raw_accept(listener, &loop);
  assert_true(fd >= 0);
  interop_frame_decoder_init(d, INTEROP_DEFAULT_MAX_FRAME_BYTES);
  assert_int_equal(raw_next(fd, d, &loop, 3000, NULL, NULL, 0), INTEROP_FRAME_HELLO);
  raw_put(fd, INTEROP_FRAME_WELCOME, INTEROP_CODEC_JSON, 0, 0, "", welcome);
  return fd;
}

static int raw_listener(const char *path) {
  int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
  assert_int_equal(bind(listener, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(listen(listener, 4), 0);
  return listener;
}

static void test_oneways_to_a_peer_that_does_not_read(void **s) {
  (void)s;
  /* A raw server that completes the handshake and then reads nothing. */
  char path[160], config[512];
  snprintf(path, sizeof path, "%s/raw.sock", dir);
  int listener = raw_listener(path);
  snprintf(config, sizeof config,
           "{\"node\":\"caller\",\"connect\":[{\"address\":\"unix:%s\",\"modules\":[\"interop.conformance\"]}],\"limits\":{\"max_in_flight\":8}}", path);
  interop_node *caller;
  interop_error err;
  assert_int_equal(interop_node_start(config, NULL, 0, &loop, &caller, &err), INTEROP_OK);
  interop_invoker *client = interop_node_invoker(caller, &interop_conformance_module, &err);
  assert_int_equal(interop_conformance_note(client, INTEROP_STR("first"), NULL, &err), INTEROP_OK); /* dials */
  interop_frame_decoder d;
  int fd = serve_raw(listener, &d);
  for (int i = 0; i < 50; i++) raw_turn(&loop);
  int rc = INTEROP_OK, sent = 0;
  for (; sent < 20000 && rc == INTEROP_OK; sent++) {
    rc = interop_conformance_note(client, (interop_str){kilobyte, 1024}, NULL, &err);
    if (sent % 50 == 0) uv_run(&loop, UV_RUN_NOWAIT);
  }
  assert_int_equal(rc, INTEROP_RESOURCE_EXHAUSTED);
  if (strstr(err.message, "interop.conformance.note: 8 one-way calls already wait for deaf to read") == NULL) fail_msg("%s", err.message);
  assert_true(sent < 2000); /* the socket's buffers, the high-water mark and 8 */
  interop_frame_decoder_free(&d);
  close(fd);
  interop_node_close(caller);
  close(listener);
  unlink(path);
}

static void test_a_stream_producer_waits_for_the_peer(void **s) {
  (void)s;
  interop_frame_decoder d;
  int fd = open_peer(&d);
  /* A flood of 200 items of 64 KiB with credit for all of them, none read. */
  state.flood_produced = 0;
  raw_put(fd, INTEROP_FRAME_REQUEST, INTEROP_CODEC_JSON, 0x0004, 1, "interop.conformance.flood", "{\"chunk\":65536,\"total\":\"13107200\"}");
  uint8_t credit[4] = {200, 0, 0, 0};
  interop_frame f = {INTEROP_FRAME_STREAM_CREDIT, 0, 0, 1, 0, "", 0, credit, 4};
  interop_buf b = INTEROP_BUF_INIT;
  interop_error err;
  interop_frame_encode(&b, &f, &err);
  assert_int_equal(send(fd, b.data, b.len, MSG_NOSIGNAL), (ssize_t)b.len);
  interop_buf_free(&b);
  for (int i = 0; i < 300; i++) raw_turn(&loop);
  /* Held at what the socket takes, the high-water mark and one item: not 200. */
  assert_true(state.flood_produced > 0);
  assert_true(state.flood_produced < 40);
  raw_put(fd, INTEROP_FRAME_CANCEL, 0, 0, 1, "", "");
  for (int i = 0; i < 20; i++) raw_turn(&loop);
  interop_frame_decoder_free(&d);
  close(fd);
}

typedef struct outcomes {
  int done, ok, exhausted, deadline;
} outcomes;

static void on_outcome(void *user, int rc, const interop_error *err) {
  (void)err;
  outcomes *o = user;
  o->done++;
  o->ok += rc == INTEROP_OK;
  o->exhausted += rc == INTEROP_RESOURCE_EXHAUSTED;
  o->deadline += rc == INTEROP_DEADLINE_EXCEEDED;
}

/* A caller holds at most max_in_flight requests: the others wait for a free slot instead of being
 * refused by the server (docs/wire.md §5). */
static void test_requests_wait_for_a_free_slot(void **s) {
  (void)s;
  char config[512];
  snprintf(config, sizeof config,
           "{\"node\":\"caller\",\"connect\":[{\"address\":\"unix:%s\",\"modules\":[\"interop.conformance\"]}],\"limits\":{\"max_in_flight\":8}}", sock);
  interop_node *caller;
  interop_error err;
  assert_int_equal(interop_node_start(config, NULL, 0, &loop, &caller, &err), INTEROP_OK);
  interop_invoker *client = interop_node_invoker(caller, &interop_conformance_module, &err);
  enum { CALLS = 30 };
  uint32_t results[CALLS];
  interop_arena arena = INTEROP_ARENA_INIT;
  outcomes o = {0, 0, 0, 0};
  for (int i = 0; i < CALLS; i++)
    assert_int_equal(interop_conformance_slow(client, 20, &results[i], &arena, NULL, on_outcome, &o), INTEROP_OK);
  for (int i = 0; i < 5000 && o.done < CALLS; i++) raw_turn(&loop);
  assert_int_equal(o.ok, CALLS);
  interop_arena_free(&arena);
  interop_node_close(caller);
}

/* While the connection is congested a request waits before it is written, within its deadline:
 * one whose deadline passes there never reaches the peer, and needs no CANCEL. */
static void test_requests_wait_while_congested(void **s) {
  (void)s;
  char path[160], config[512];
  snprintf(path, sizeof path, "%s/raw.sock", dir);
  int listener = raw_listener(path);
  snprintf(config, sizeof config,
           "{\"node\":\"caller\",\"connect\":[{\"address\":\"unix:%s\",\"modules\":[\"interop.conformance\"]}]}", path);
  interop_node *caller;
  interop_error err;
  assert_int_equal(interop_node_start(config, NULL, 0, &loop, &caller, &err), INTEROP_OK);
  interop_invoker *client = interop_node_invoker(caller, &interop_conformance_module, &err);
  enum { CALLS = 64 };
  static uint8_t big[65536];
  interop_bytes results[CALLS];
  interop_arena arena = INTEROP_ARENA_INIT;
  outcomes o = {0, 0, 0, 0};
  interop_call_options opts = {300};
  assert_int_equal(interop_conformance_echo_bytes(client, (interop_bytes){big, sizeof big}, &results[0], &arena, &opts, on_outcome, &o), INTEROP_OK);
  interop_frame_decoder d;
  int fd = serve_raw(listener, &d); /* it reads nothing more for now */
  for (int i = 0; i < 20; i++) raw_turn(&loop);
  for (int i = 1; i < CALLS; i++)
    assert_int_equal(interop_conformance_echo_bytes(client, (interop_bytes){big, sizeof big}, &results[i], &arena, &opts, on_outcome, &o), INTEROP_OK);
  for (int i = 0; i < 5000 && o.done < CALLS; i++) raw_turn(&loop);
  assert_int_equal(o.deadline, CALLS);
  /* What reached the peer: fewer REQUESTs than calls, and a CANCEL for each of them only. */
  int requests = 0, cancels = 0, kind;
  while ((kind = raw_next(fd, &d, &loop, 300, NULL, NULL, 0)) > 0) {
    requests += kind == INTEROP_FRAME_REQUEST;
    cancels += kind == INTEROP_FRAME_CANCEL;
  }
  assert_true(requests > 0 && requests < CALLS);
  assert_int_equal(cancels, requests);
  interop_arena_free(&arena);
  interop_node_close(caller);
  interop_frame_decoder_free(&d);
  close(fd);
  close(listener);
  unlink(path);
}

/* A subscriber's `block` queue full: the node stops reading the publisher until it has room,
 * so nothing is dropped and every event arrives, in order. */
static void test_a_full_block_queue_stops_reading(void **s) {
  (void)s;
  char path[160], config[512];
  snprintf(path, sizeof path, "%s/pub.sock", dir);
  int listener = raw_listener(path);
  snprintf(config, sizeof config,
           "{\"node\":\"sub\",\"connect\":[{\"address\":\"unix:%s\",\"modules\":[\"interop.conformance\"]}],"
           "\"limits\":{\"max_event_queue\":4,\"event_queue_policy\":\"block\"}}", path);
  interop_node *sub_node;
  interop_error err;
  assert_int_equal(interop_node_start(config, NULL, 0, &loop, &sub_node, &err), INTEROP_OK);
  interop_invoker *client = interop_node_invoker(sub_node, &interop_conformance_module, &err);
  tick_log log = {0, 0, true};
  interop_subscription *sub;
  assert_int_equal(interop_conformance_ticked_subscribe(client, on_tick, &log, &sub, &err), INTEROP_OK);
  interop_frame_decoder d;
  int fd = serve_raw(listener, &d);
  uint32_t id;
  assert_int_equal(raw_next(fd, &d, &loop, 3000, &id, NULL, 0), INTEROP_FRAME_SUBSCRIBE);
  raw_put(fd, INTEROP_FRAME_RESPONSE, INTEROP_CODEC_JSON, 0, id, "interop.conformance.ticked", "");
  /* 500 events in one burst. */
  enum { EVENTS = 500 };
  interop_buf all = INTEROP_BUF_INIT;
  for (uint32_t n = 1; n <= EVENTS; n++) {
    char json[64];
    int len = snprintf(json, sizeof json, "{\"n\":%u,\"text\":\"t\"}", n);
    interop_frame f = {INTEROP_FRAME_EVENT, INTEROP_CODEC_JSON, 0, 0, 0, "interop.conformance.ticked", 26, (const uint8_t *)json, (size_t)len};
    interop_frame_encode(&all, &f, &err);
  }
  assert_int_equal(send(fd, all.data, all.len, MSG_NOSIGNAL), (ssize_t)all.len);
  for (int i = 0; i < 5000 && log.count < EVENTS; i++) raw_turn(&loop);
  assert_int_equal(log.count, EVENTS);
  assert_true(log.in_order);
  assert_int_equal(interop_node_counter(sub_node, INTEROP_DROPPED_EVENTS), 0);
  assert_true(interop_node_counter(sub_node, INTEROP_PAUSED_READS) > 0);
  interop_buf_free(&all);
  interop_unsubscribe(sub);
  interop_node_close(sub_node);
  interop_frame_decoder_free(&d);
  close(fd);
  close(listener);
  unlink(path);
}

/* A peer that closed while the node still writes to it: that connection ends (EPIPE), the process
 * does not (libuv writes with write(2): SIGPIPE would end it). */
static void test_a_peer_gone_while_written_to(void **s) {
  (void)s;
  interop_frame_decoder d;
  int fd = open_peer(&d);
  raw_put(fd, INTEROP_FRAME_SUBSCRIBE, INTEROP_CODEC_JSON, 0, 1, "interop.conformance.ticked", "");
  assert_int_equal(raw_next(fd, &d, &loop, 3000, NULL, NULL, 0), INTEROP_FRAME_RESPONSE);
  close(fd);
  interop_error err;
  interop_conformance_Tick tick = {1, INTEROP_STR("after")};
  for (int i = 0; i < 3; i++) assert_int_equal(interop_conformance_ticked_publish(state.publisher, &tick, &err), INTEROP_OK);
  for (int i = 0; i < 20; i++) raw_turn(&loop);
  interop_frame_decoder_free(&d);
}

int main(void) {
  memset(kilobyte, 'x', 1024);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_events_wait_in_a_bounded_queue, setup, teardown),
      cmocka_unit_test_setup_teardown(test_answers_the_peer_does_not_read_pause_it, setup, teardown),
      cmocka_unit_test_setup_teardown(test_oneways_to_a_peer_that_does_not_read, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_stream_producer_waits_for_the_peer, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_full_block_queue_stops_reading, setup, teardown),
      cmocka_unit_test_setup_teardown(test_requests_wait_for_a_free_slot, setup, teardown),
      cmocka_unit_test_setup_teardown(test_requests_wait_while_congested, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_peer_gone_while_written_to, setup, teardown),
  };
  return cmocka_run_group_tests_name("a peer that does not read", tests, NULL, NULL);
}
