/* ws:// listeners of a C node against raw clients (docs/transports.md "WebSocket", "Security"):
 * a well-formed upgrade and a HELLO in a binary message; refused Host and Origin, upgrades that are
 * not WebSocket 13, a plain HTTP request (served: test_http.c), headers over 16 KiB, no request in
 * time, a text message, a message over 4 + max_frame_bytes and a frame that trickles in. Each gets its typed answer or close code,
 * counted where docs/wire.md §7 says, and the node keeps serving. TS and Python make the same
 * checks in test/runtime/web-security.test.ts, web-hostile.test.ts and tests/test_web*.py. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>
#include "support.h"
#include "conformance_impl.h"

static interop_conformance_server server;
static conformance_state state;
static interop_node *node;
static int port;
static char host[64];

static void sleep_us(long us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
  nanosleep(&ts, NULL);
}

static int setup(void **s) {
  (void)s;
  const char *config = "{\"node\":\"ws\",\"listen\":[\"ws://127.0.0.1:0\"],"
                       "\"limits\":{\"frame_timeout_ms\":300,\"handshake_timeout_ms\":300,\"max_frame_bytes\":4096}}";
  conformance_server_init(&server, &state);
  const interop_module_impl *impls[] = {&server.module_impl};
  interop_error err;
  if (interop_node_start(config, impls, 1, NULL, &node, &err) != INTEROP_OK) {
    fprintf(stderr, "%s\n", err.message);
    return -1;
  }
  state.node = node;
  const char *ep = interop_node_endpoint(node, 0); /* ws://127.0.0.1:<port> */
  if (ep == NULL || strncmp(ep, "ws://127.0.0.1:", 15) != 0) return -1;
  port = atoi(ep + 15);
  snprintf(host, sizeof host, "127.0.0.1:%d", port);
  return 0;
}

static int teardown(void **s) {
  (void)s;
  interop_node_close(node);
  conformance_state_free(&state);
  return 0;
}

static int raw_connect(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) return -1;
  return fd;
}

/* Runs the node's loop until `fd` has `want` bytes or is closed; returns what was read. */
static size_t pump_read(int fd, uint8_t *buf, size_t want, int ms) {
  size_t got = 0;
  uint64_t until = uv_hrtime() + (uint64_t)ms * 1000000;
  while (got < want && uv_hrtime() < until) {
    interop_node_run_once(node, false);
    ssize_t n = recv(fd, buf + got, want - got, MSG_DONTWAIT);
    if (n == 0) break;
    if (n > 0) got += (size_t)n;
    else sleep_us(1000);
  }
  return got;
}

static void send_all(int fd, const void *p, size_t n) {
  size_t sent = 0;
  while (sent < n) {
    ssize_t k = send(fd, (const char *)p + sent, n - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (k > 0) sent += (size_t)k;
    else if (errno == EAGAIN || errno == EWOULDBLOCK) interop_node_run_once(node, false);
    else return; /* the node closed it: what it answered is checked by the caller */
  }
}

/* Everything the node sends until it closes the connection (at most cap - 1 bytes, as text). */
static size_t read_until_closed(int fd, char *out, size_t cap, int ms) {
  size_t n = pump_read(fd, (uint8_t *)out, cap - 1, ms);
  out[n] = '\0';
  return n;
}

static char *upgrade_request(char *out, size_t cap, const char *host_header, const char *extra) {
  snprintf(out, cap,
           "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s\r\n",
           host_header, extra);
  return out;
}

/* Connects and upgrades; the 101 answer (RFC 6455's sample key, so its sample accept value) is read. */
static int ws_open(void) {
  int fd = raw_connect();
  assert_true(fd >= 0);
  char req[512];
  upgrade_request(req, sizeof req, host, "");
  send_all(fd, req, strlen(req));
  static const char expected[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                 "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  char got[sizeof expected] = {0};
  pump_read(fd, (uint8_t *)got, sizeof expected - 1, 5000);
  assert_string_equal(got, expected);
  return fd;
}

/* A masked client frame (RFC 6455 §5.2) with `n` payload bytes, of which only `send_n` are sent. */
static void ws_send(int fd, uint8_t opcode, const uint8_t *p, size_t n, size_t send_n) {
  uint8_t head[14] = {(uint8_t)(0x80 | opcode)};
  size_t h = 2;
  if (n < 126) head[1] = (uint8_t)(0x80 | n);
  else {
    head[1] = 0x80 | 126;
    head[2] = (uint8_t)(n >> 8), head[3] = (uint8_t)n;
    h = 4;
  }
  const uint8_t mask[4] = {1, 2, 3, 4};
  memcpy(head + h, mask, 4);
  h += 4;
  uint8_t *frame = malloc(h + n);
  memcpy(frame, head, h);
  for (size_t i = 0; i < n; i++) frame[h + i] = p[i] ^ mask[i % 4];
  send_all(fd, frame, h + (send_n < n ? send_n : n));
  free(frame);
}

/* The next server frame: its opcode, and its payload (unmasked) into buf; -1 when closed. */
static int ws_read(int fd, uint8_t *buf, size_t cap, size_t *len) {
  uint8_t h[2];
  if (pump_read(fd, h, 2, 5000) != 2) return -1;
  size_t n = h[1] & 0x7f;
  if (n == 126) {
    uint8_t e[2];
    pump_read(fd, e, 2, 5000);
    n = (size_t)e[0] << 8 | e[1];
  }
  assert_true(n <= cap);
  assert_int_equal(pump_read(fd, buf, n, 5000), n);
  *len = n;
  return h[0] & 0x0f;
}

/* The close code of the close frame the node sends next. */
static int close_code(int fd) {
  uint8_t buf[256];
  size_t n;
  int op = ws_read(fd, buf, sizeof buf, &n);
  if (op != 0x8 || n < 2) return -1;
  return buf[0] << 8 | buf[1];
}

static void hello(int fd) {
  const char *text = "{\"codecs\":[\"json\"],\"node\":\"raw\",\"offers\":{},\"protocol\":[1],\"wants\":{}}";
  interop_frame f = {INTEROP_FRAME_HELLO, INTEROP_CODEC_JSON, 0, 0, 0, "", 0, (const uint8_t *)text, strlen(text)};
  interop_buf b = INTEROP_BUF_INIT;
  interop_error err;
  interop_frame_encode(&b, &f, &err);
  ws_send(fd, 0x2, b.data, b.len, b.len);
  interop_buf_free(&b);
  uint8_t msg[4096];
  size_t n;
  assert_int_equal(ws_read(fd, msg, sizeof msg, &n), 0x2); /* a binary message: one whole frame */
  assert_int_equal(4 + (msg[0] | msg[1] << 8 | msg[2] << 16), n);
  assert_int_equal(msg[4], INTEROP_FRAME_WELCOME);
}

static void still_serving(void) {
  int fd = ws_open();
  hello(fd);
  close(fd);
}

static uint64_t counter(interop_counter c) { return interop_node_counter(node, c); }

/* An HTTP refusal: its status line and the error code of its JSON envelope. */
static void expect_refusal(const char *request, const char *status, int code) {
  int fd = raw_connect();
  send_all(fd, request, strlen(request));
  char answer[2048];
  read_until_closed(fd, answer, sizeof answer, 5000);
  close(fd);
  if (strstr(answer, status) == NULL) fprintf(stderr, "answer: %.300s\n", answer);
  assert_non_null(strstr(answer, status));
  char want[32];
  snprintf(want, sizeof want, "{\"code\":%d,", code);
  assert_non_null(strstr(answer, want));
}

static void test_hello_in_binary_messages(void **s) {
  (void)s;
  still_serving();
}

static void test_host_and_origin(void **s) {
  (void)s;
  char req[512];
  expect_refusal(upgrade_request(req, sizeof req, "evil.example:80", ""), "HTTP/1.1 403", INTEROP_PERMISSION_DENIED);
  expect_refusal(upgrade_request(req, sizeof req, host, "Origin: http://evil.example\r\n"), "HTTP/1.1 403",
                 INTEROP_PERMISSION_DENIED);
  /* A page of its own origin, and localhost, pass. */
  char own[128];
  snprintf(own, sizeof own, "Origin: http://%s\r\n", host);
  int fd = raw_connect();
  upgrade_request(req, sizeof req, host, own);
  send_all(fd, req, strlen(req));
  char got[13] = {0};
  pump_read(fd, (uint8_t *)got, 12, 5000);
  assert_string_equal(got, "HTTP/1.1 101");
  close(fd);
}

static void test_not_websocket_13(void **s) {
  (void)s;
  uint64_t before = counter(INTEROP_REJECTED_HANDSHAKES);
  char req[512];
  snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n", host);
  expect_refusal(req, "HTTP/1.1 400", INTEROP_PROTOCOL_ERROR);
  snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n", host);
  expect_refusal(req, "HTTP/1.1 400", INTEROP_PROTOCOL_ERROR);
  assert_int_equal(counter(INTEROP_REJECTED_HANDSHAKES), before + 2);
  still_serving();
}

static void test_plain_http_and_big_headers(void **s) {
  (void)s;
  char req[512];
  /* Not an upgrade: an HTTP request, served by the same listener (test_http.c). */
  snprintf(req, sizeof req, "GET /nowhere HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", host);
  expect_refusal(req, "HTTP/1.1 404", INTEROP_NOT_FOUND);
  size_t big = 20 * 1024;
  char *huge = malloc(big + 256);
  int n = snprintf(huge, 256, "GET / HTTP/1.1\r\nHost: %s\r\nX-Big: ", host);
  memset(huge + n, 'b', big);
  strcpy(huge + n + big, "\r\n\r\n");
  expect_refusal(huge, "HTTP/1.1 431", INTEROP_PROTOCOL_ERROR);
  free(huge);
  still_serving();
}

static void test_no_request_in_time(void **s) {
  (void)s;
  uint64_t before = counter(INTEROP_REJECTED_HANDSHAKES);
  int fd = raw_connect();
  send_all(fd, "GET / HTTP/1.1\r\n", 16); /* and nothing more: closed after handshake_timeout_ms */
  char answer[64];
  uint64_t t0 = uv_hrtime();
  read_until_closed(fd, answer, sizeof answer, 5000);
  assert_true(uv_hrtime() - t0 < 4000000000ull);
  close(fd);
  assert_int_equal(counter(INTEROP_REJECTED_HANDSHAKES), before + 1);
  still_serving();
}

static void test_text_message(void **s) {
  (void)s;
  uint64_t before = counter(INTEROP_REJECTED_FRAMES);
  int fd = ws_open();
  ws_send(fd, 0x1, (const uint8_t *)"hello", 5, 5);
  assert_int_equal(close_code(fd), 1003);
  close(fd);
  assert_int_equal(counter(INTEROP_REJECTED_FRAMES), before + 1);
  still_serving();
}

static void test_message_too_big(void **s) {
  (void)s;
  uint64_t before = counter(INTEROP_REJECTED_FRAMES);
  int fd = ws_open();
  static uint8_t big[4 + 4096 + 1];
  ws_send(fd, 0x2, big, sizeof big, sizeof big); /* over 4 + max_frame_bytes: refused by its header */
  assert_int_equal(close_code(fd), 1009);
  close(fd);
  assert_int_equal(counter(INTEROP_REJECTED_FRAMES), before + 1);
  still_serving();
}

static void test_frame_trickles(void **s) {
  (void)s;
  uint64_t before = counter(INTEROP_FRAME_TIMEOUTS);
  int fd = ws_open();
  hello(fd);
  uint8_t part[64] = {60, 0, 0, 0, INTEROP_FRAME_PING}; /* announces 60 bytes, sends 5 */
  ws_send(fd, 0x2, part, 5, 5);
  char rest[4096];
  uint64_t t0 = uv_hrtime();
  read_until_closed(fd, rest, sizeof rest, 5000); /* the connection's frame_timeout_ms closes it */
  assert_true(uv_hrtime() - t0 < 4000000000ull);
  close(fd);
  assert_int_equal(counter(INTEROP_FRAME_TIMEOUTS), before + 1);
  still_serving();
}

typedef struct outcome {
  int rc, done;
  char message[256];
} outcome;

static void on_done(void *user, int rc, const interop_error *err) {
  outcome *o = user;
  o->rc = rc;
  o->done = 1;
  if (err != NULL && rc != INTEROP_OK) snprintf(o->message, sizeof o->message, "%s", err->message);
}

/* A C node dials ws://: a call whose answer spans many WebSocket reads; a port nobody listens on
 * fails the call with UNAVAILABLE, saying why. */
static void test_c_client(void **s) {
  (void)s;
  char config[256];
  snprintf(config, sizeof config,
           "{\"node\":\"caller\",\"modules\":[],\"connect\":[{\"address\":\"ws://%s\",\"modules\":[\"interop.conformance\"]}]}", host);
  interop_node *caller;
  interop_error err;
  assert_int_equal(interop_node_start(config, NULL, 0, interop_node_loop(node), &caller, &err), INTEROP_OK);
  interop_invoker *client = interop_node_invoker(caller, &interop_conformance_module, &err);
  interop_arena arena = INTEROP_ARENA_INIT;
  size_t n = 3000; /* under max_frame_bytes (4096) with the frame's header */
  char *text = malloc(n);
  for (size_t i = 0; i < n; i++) text[i] = (char)('a' + i % 26);
  interop_str result = {0};
  outcome o = {0};
  assert_int_equal(interop_conformance_echo_string(client, (interop_str){text, n}, &result, &arena, NULL, on_done, &o), INTEROP_OK);
  for (uint64_t until = uv_hrtime() + 5000000000ull; !o.done && uv_hrtime() < until;) interop_node_run_once(caller, true);
  assert_int_equal(o.rc, INTEROP_OK);
  assert_int_equal(result.len, n);
  assert_memory_equal(result.ptr, text, n);
  free(text);
  interop_node_close(caller);

  /* Nobody listens on port 1. */
  const char *nobody = "{\"node\":\"caller\",\"modules\":[],\"connect\":[{\"address\":\"ws://127.0.0.1:1\",\"modules\":[\"interop.conformance\"]}]}";
  assert_int_equal(interop_node_start(nobody, NULL, 0, interop_node_loop(node), &caller, &err), INTEROP_OK);
  client = interop_node_invoker(caller, &interop_conformance_module, &err);
  outcome refused = {0};
  assert_int_equal(interop_conformance_echo_string(client, (interop_str){"x", 1}, &result, &arena, NULL, on_done, &refused), INTEROP_OK);
  for (uint64_t until = uv_hrtime() + 5000000000ull; !refused.done && uv_hrtime() < until;) interop_node_run_once(caller, true);
  assert_int_equal(refused.rc, INTEROP_UNAVAILABLE);
  assert_non_null(strstr(refused.message, "cannot connect"));
  interop_node_close(caller);
  interop_arena_free(&arena);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hello_in_binary_messages),
      cmocka_unit_test(test_host_and_origin),
      cmocka_unit_test(test_not_websocket_13),
      cmocka_unit_test(test_plain_http_and_big_headers),
      cmocka_unit_test(test_no_request_in_time),
      cmocka_unit_test(test_text_message),
      cmocka_unit_test(test_message_too_big),
      cmocka_unit_test(test_frame_trickles),
      cmocka_unit_test(test_c_client),
  };
  return cmocka_run_group_tests_name("ws:// listener", tests, setup, teardown);
}
