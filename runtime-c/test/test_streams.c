/* Streams served by a C node (docs/wire.md §1.5), driven frame by frame from a raw unix socket:
 * a server stream sends only within the credit granted, a client stream grants its window and
 * answers after STREAM_END, a CANCEL and a deadline reach the handler, and each broken rule ends
 * its exchange with the code of the table in §1.5 while the connection goes on. The node's
 * stream_window is 4 here, so credit runs out within a few items. (An item beyond the credit is
 * refused too, but the conformance handlers take every item at once, so a raw caller cannot
 * outrun the credit they grant back.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>
#include "support.h"
#include "conformance_impl.h"

#define CALLEE 1
#define IN 2
#define OUT 4

static interop_conformance_server server;
static conformance_state state;
static interop_node *node;
static char dir[64], sock[128];
static int fd;
static interop_frame_decoder dec;

static int setup(void **s) {
  (void)s;
  snprintf(dir, sizeof dir, "/tmp/interop-c-streams-XXXXXX");
  if (mkdtemp(dir) == NULL) return -1;
  snprintf(sock, sizeof sock, "%s/n.sock", dir);
  char config[512];
  snprintf(config, sizeof config, "{\"node\":\"streams\",\"listen\":[\"unix:%s\"],\"limits\":{\"stream_window\":4}}", sock);
  conformance_server_init(&server, &state);
  const interop_module_impl *impls[] = {&server.module_impl};
  interop_error err;
  if (interop_node_start(config, impls, 1, NULL, &node, &err) != INTEROP_OK) return -1;
  state.node = node;
  return 0;
}

static int teardown(void **s) {
  (void)s;
  interop_node_close(node);
  conformance_state_free(&state);
  unlink(sock);
  rmdir(dir);
  return 0;
}

static void send_frame(uint8_t kind, uint8_t codec, uint16_t flags, uint32_t id, uint32_t timeout, const char *target,
                       const void *payload, size_t len) {
  interop_frame f = {kind, codec, flags, id, timeout, target, strlen(target), payload, len};
  interop_buf b = INTEROP_BUF_INIT;
  interop_error err;
  assert_int_equal(interop_frame_encode(&b, &f, &err), INTEROP_OK);
  assert_int_equal(send(fd, b.data, b.len, MSG_NOSIGNAL), (ssize_t)b.len);
  interop_buf_free(&b);
}

static void send_json(uint8_t kind, uint16_t flags, uint32_t id, const char *target, const char *json) {
  send_frame(kind, INTEROP_CODEC_JSON, flags, id, 0, target, json, strlen(json));
}

static void send_credit(uint32_t id, uint32_t n) {
  uint8_t p[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
  send_frame(INTEROP_FRAME_STREAM_CREDIT, 0, 0, id, 0, "", p, 4);
}

/* The next frame from the node within `ms`, its payload as text in `text`; 0 when none came. */
static int next_frame(interop_frame *f, char *text, size_t size, int ms) {
  uint64_t until = uv_hrtime() + (uint64_t)ms * 1000000;
  for (;;) {
    interop_error err;
    int got = interop_frame_decoder_next(&dec, f, &err);
    if (got != 0) {
      snprintf(text, size, "%.*s", (int)f->payload_len, (const char *)f->payload);
      return got;
    }
    if (uv_hrtime() > until) return 0;
    interop_node_run_once(node, false);
    uint8_t buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) interop_frame_decoder_push(&dec, buf, (size_t)n);
    else nanosleep(&(struct timespec){0, 500000}, NULL);
  }
}

static void expect(uint8_t kind, uint16_t flags, uint32_t id, const char *payload) {
  interop_frame f;
  char text[512];
  if (next_frame(&f, text, sizeof text, 3000) != 1) fail_msg("no frame (expected kind %u)", kind);
  if (f.kind != kind || f.flags != flags || f.correlation != id) fail_msg("got kind %u flags %u id %u: %s", f.kind, f.flags, f.correlation, text);
  if (payload != NULL && strstr(text, payload) == NULL) fail_msg("payload %s has no %s", text, payload);
}

static void expect_nothing(int ms) {
  interop_frame f;
  char text[512];
  if (next_frame(&f, text, sizeof text, ms) == 1) fail_msg("unexpected kind %u id %u: %s", f.kind, f.correlation, text);
}

static int open_connection(void **s) {
  (void)s;
  fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) return -1;
  interop_frame_decoder_init(&dec, INTEROP_DEFAULT_MAX_FRAME_BYTES);
  send_json(INTEROP_FRAME_HELLO, 0, 0, "", "{\"codecs\":[\"json\"],\"compat\":{},\"node\":\"raw\",\"offers\":{},\"protocol\":[1],\"wants\":{}}");
  interop_frame f;
  char text[4096];
  return next_frame(&f, text, sizeof text, 3000) == 1 && f.kind == INTEROP_FRAME_WELCOME ? 0 : -1;
}

static int close_connection(void **s) {
  (void)s;
  close(fd);
  interop_frame_decoder_free(&dec);
  for (int i = 0; i < 20; i++) interop_node_run_once(node, false);
  return 0;
}

static void test_server_stream_waits_for_credit(void **s) {
  (void)s;
  send_json(INTEROP_FRAME_REQUEST, OUT, 1, "interop.conformance.download", "{\"sizes\":[3,2,1]}");
  expect_nothing(100); /* no credit yet: no item */
  send_credit(1, 2);
  expect(INTEROP_FRAME_STREAM_ITEM, CALLEE, 1, "\"AAEC\"");
  expect(INTEROP_FRAME_STREAM_ITEM, CALLEE, 1, "\"AAE=\"");
  expect_nothing(100);
  send_credit(1, 4);
  expect(INTEROP_FRAME_STREAM_ITEM, CALLEE, 1, "\"AA==\"");
  expect(INTEROP_FRAME_RESPONSE, 0, 1, NULL);
}

static void test_client_stream(void **s) {
  (void)s;
  send_json(INTEROP_FRAME_REQUEST, IN, 2, "interop.conformance.upload", "{}");
  expect(INTEROP_FRAME_STREAM_CREDIT, CALLEE, 2, NULL); /* the window, 4 */
  for (int i = 0; i < 4; i++) send_json(INTEROP_FRAME_STREAM_ITEM, 0, 2, "", "\"AAEC\"");
  expect(INTEROP_FRAME_STREAM_CREDIT, CALLEE, 2, NULL); /* ceil(4 / 2) taken: granted again */
  expect(INTEROP_FRAME_STREAM_CREDIT, CALLEE, 2, NULL);
  send_frame(INTEROP_FRAME_STREAM_END, 0, 0, 2, 0, "", NULL, 0);
  expect(INTEROP_FRAME_RESPONSE, 0, 2, "\"12\"");
}

static void test_broken_rules(void **s) {
  (void)s;
  uint64_t rejected = interop_node_counter(node, INTEROP_REJECTED_FRAMES);
  /* An item beyond the credit granted. */
  send_json(INTEROP_FRAME_REQUEST, IN, 3, "interop.conformance.upload", "{}");
  expect(INTEROP_FRAME_STREAM_CREDIT, CALLEE, 3, NULL);
  send_json(INTEROP_FRAME_STREAM_ITEM, 0, 3, "", "5");
  expect(INTEROP_FRAME_ERROR, 0, 3, "\"code\":3"); /* the item does not decode as bytes */
  /* A STREAM_CREDIT of 0, and a stream called as a call, and a call as a stream. */
  send_json(INTEROP_FRAME_REQUEST, OUT, 4, "interop.conformance.download", "{\"sizes\":[1]}");
  send_credit(4, 0);
  expect(INTEROP_FRAME_ERROR, 0, 4, "\"code\":102");
  send_json(INTEROP_FRAME_REQUEST, 0, 5, "interop.conformance.download", "{\"sizes\":[1]}");
  expect(INTEROP_FRAME_ERROR, 0, 5, "\"code\":3");
  send_json(INTEROP_FRAME_REQUEST, OUT, 6, "interop.conformance.echo_i32", "{\"v\":1}");
  expect(INTEROP_FRAME_ERROR, 0, 6, "\"code\":3");
  /* A second STREAM_END. */
  send_json(INTEROP_FRAME_REQUEST, IN | OUT, 7, "interop.conformance.ping_pong", "{}");
  expect(INTEROP_FRAME_STREAM_CREDIT, CALLEE, 7, NULL);
  send_frame(INTEROP_FRAME_STREAM_END, 0, 0, 7, 0, "", NULL, 0);
  send_frame(INTEROP_FRAME_STREAM_END, 0, 0, 7, 0, "", NULL, 0);
  expect(INTEROP_FRAME_RESPONSE, 0, 7, NULL); /* the handler answered at the first */
  /* An item in another codec than the REQUEST's, and an item for a stream without input. */
  send_json(INTEROP_FRAME_REQUEST, IN, 8, "interop.conformance.upload", "{}");
  expect(INTEROP_FRAME_STREAM_CREDIT, CALLEE, 8, NULL);
  send_frame(INTEROP_FRAME_STREAM_ITEM, INTEROP_CODEC_MSGPACK, 0, 8, 0, "", "\xc4\x00", 2);
  expect(INTEROP_FRAME_ERROR, 0, 8, "\"code\":102");
  send_json(INTEROP_FRAME_REQUEST, OUT, 14, "interop.conformance.tick_stream", "{\"count\":0,\"end\":\"hang\"}");
  send_json(INTEROP_FRAME_STREAM_ITEM, 0, 14, "", "1");
  expect(INTEROP_FRAME_ERROR, 0, 14, "\"code\":102");
  assert_int_equal(interop_node_counter(node, INTEROP_REJECTED_FRAMES), rejected + 4);
  /* Frames for exchanges that are over are only counted; the connection goes on. */
  uint64_t late = interop_node_counter(node, INTEROP_LATE_STREAM_FRAMES);
  send_credit(4, 1);
  send_json(INTEROP_FRAME_STREAM_ITEM, CALLEE, 9, "", "1");
  send_json(INTEROP_FRAME_REQUEST, 0, 10, "interop.conformance.echo_i32", "{\"v\":1}");
  expect(INTEROP_FRAME_RESPONSE, 0, 10, "1");
  assert_int_equal(interop_node_counter(node, INTEROP_LATE_STREAM_FRAMES), late + 2);
}

static void test_cancel_and_deadline_reach_the_handler(void **s) {
  (void)s;
  state.cancelled_at_ms = 0;
  send_json(INTEROP_FRAME_REQUEST, OUT, 11, "interop.conformance.tick_stream", "{\"count\":2,\"end\":\"hang\"}");
  send_credit(11, 4);
  expect(INTEROP_FRAME_STREAM_ITEM, CALLEE, 11, "\"n\":1");
  expect(INTEROP_FRAME_STREAM_ITEM, CALLEE, 11, "\"n\":2");
  send_frame(INTEROP_FRAME_CANCEL, 0, 0, 11, 0, "", NULL, 0);
  expect_nothing(100); /* nothing more for that id */
  assert_true(state.cancelled_at_ms > 0);
  state.cancelled_at_ms = 0;
  const char *params = "{\"count\":1,\"end\":\"hang\"}";
  send_frame(INTEROP_FRAME_REQUEST, INTEROP_CODEC_JSON, OUT, 12, 100, "interop.conformance.tick_stream", params, strlen(params));
  send_credit(12, 4);
  expect(INTEROP_FRAME_STREAM_ITEM, CALLEE, 12, "\"n\":1");
  expect_nothing(400);
  assert_true(state.cancelled_at_ms > 0);
  /* The callee's own cancel and a declared error reach the caller after the items. */
  send_json(INTEROP_FRAME_REQUEST, OUT, 13, "interop.conformance.tick_stream", "{\"count\":1,\"end\":\"busy\"}");
  send_credit(13, 4);
  expect(INTEROP_FRAME_STREAM_ITEM, CALLEE, 13, "\"n\":1");
  expect(INTEROP_FRAME_ERROR, 0, 13, "\"retry_ms\":1");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_server_stream_waits_for_credit, open_connection, close_connection),
      cmocka_unit_test_setup_teardown(test_client_stream, open_connection, close_connection),
      cmocka_unit_test_setup_teardown(test_broken_rules, open_connection, close_connection),
      cmocka_unit_test_setup_teardown(test_cancel_and_deadline_reach_the_handler, open_connection, close_connection),
  };
  return cmocka_run_group_tests_name("streams served", tests, setup, teardown);
}
