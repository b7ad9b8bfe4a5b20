/* http:// listeners of a C node against raw HTTP clients (docs/transports.md "HTTP", "Security"):
 * calls, declared errors, one-way calls (202), events as Server-Sent Events, the manifest, ping,
 * deadlines (504) and cancellation on disconnect, requests on a kept-alive connection; and each
 * refusal with its status and typed envelope: codec (415), no length (411), a bad deadline header
 * (400), streams (501), Host (421) and Origin (403), the bearer token (401), a body over
 * max_frame_bytes (413, rejected_frames) or slower than frame_timeout_ms (408, frame_timeouts),
 * headers over 16 KiB (431) or slower than frame_timeout_ms (408), a request that does not parse
 * (400), a method a path does not take (405 with Allow); HEAD answered without a body. The node
 * keeps serving others. And a C node dialing http:// (http_client.c). TS and
 * Python check the same in test/runtime/web-*.test.ts and runtime-python/tests/test_web*.py. */
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

static const char CONFIG[] = "{\"node\":\"web\",\"listen\":[\"http://127.0.0.1:0\"],%s"
                             "\"limits\":{\"frame_timeout_ms\":300,\"handshake_timeout_ms\":300,\"max_frame_bytes\":4096}}";

static int start(const char *extra) {
  char config[1024];
  snprintf(config, sizeof config, CONFIG, extra);
  conformance_server_init(&server, &state);
  const interop_module_impl *impls[] = {&server.module_impl};
  interop_error err;
  if (interop_node_start(config, impls, 1, NULL, &node, &err) != INTEROP_OK) {
    fprintf(stderr, "%s\n", err.message);
    return -1;
  }
  state.node = node;
  state.publisher = interop_node_publisher(node, &interop_conformance_module, &err);
  const char *ep = interop_node_endpoint(node, 0); /* http://127.0.0.1:<port> */
  if (ep == NULL || strncmp(ep, "http://127.0.0.1:", 17) != 0) return -1;
  port = atoi(ep + 17);
  snprintf(host, sizeof host, "127.0.0.1:%d", port);
  return 0;
}

static int setup(void **s) { return (void)s, start(""); }
static int setup_token(void **s) { return (void)s, start("\"token\":\"sesame\","); }
static int setup_web(void **s) {
  return (void)s, start("\"web\":{\"allowed_hosts\":[\"api.example\"],\"allowed_origins\":[\"https://App.example/\"]},");
}

static int teardown(void **s) {
  (void)s;
  interop_node_close(node);
  conformance_state_free(&state);
  return 0;
}

static void sleep_us(long us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
  nanosleep(&ts, NULL);
}

static int raw_connect(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  return fd;
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

/* Runs the node's loop while reading `fd` until `done(text)` or it closes, for at most `ms`. */
static size_t read_until(int fd, char *out, size_t cap, int ms, bool (*done)(const char *)) {
  size_t got = 0;
  out[0] = '\0';
  uint64_t until = uv_hrtime() + (uint64_t)ms * 1000000;
  while (got < cap - 1 && uv_hrtime() < until && (done == NULL || !done(out))) {
    interop_node_run_once(node, false);
    ssize_t n = recv(fd, out + got, cap - 1 - got, MSG_DONTWAIT);
    if (n == 0) break;
    if (n > 0) out[got += (size_t)n] = '\0';
    else sleep_us(1000);
  }
  return got;
}

/* One whole answer: its head and Content-Length bytes of body. */
static bool whole_answer(const char *t) {
  const char *end = strstr(t, "\r\n\r\n"), *len = strstr(t, "Content-Length: ");
  if (end == NULL) return false;
  if (len == NULL || len > end) return true; /* 204 */
  return strlen(end + 4) >= (size_t)atoi(len + 16);
}

/* Sends a request on `fd` and reads its answer into out. */
static void exchange(int fd, const char *request, char *out, size_t cap) {
  send_all(fd, request, strlen(request));
  read_until(fd, out, cap, 5000, whole_answer);
}

static void post(char *out, size_t cap, const char *path, const char *headers, const char *body) {
  char req[1024];
  snprintf(req, sizeof req, "POST %s HTTP/1.1\r\nHost: %s\r\n%sContent-Length: %zu\r\n\r\n%s", path, host, headers, strlen(body), body);
  int fd = raw_connect();
  exchange(fd, req, out, cap);
  close(fd);
}

#define expect(answer, status, body_part) expect_at(__LINE__, answer, status, body_part)
static void expect_at(int line, const char *answer, const char *status, const char *body_part) {
  if (strncmp(answer, status, strlen(status)) != 0 || strstr(answer, body_part) == NULL) fprintf(stderr, "line %d: answer: %.400s\n", line, answer);
  assert_true(strncmp(answer, status, strlen(status)) == 0);
  assert_non_null(strstr(answer, body_part));
}

static uint64_t counter(interop_counter c) { return interop_node_counter(node, c); }

static void test_calls_on_one_connection(void **s) {
  (void)s;
  static char a[1 << 18]; /* the manifest's answer */
  char req[512];
  int fd = raw_connect();
  snprintf(req, sizeof req, "POST /interop.conformance/add HTTP/1.1\r\nHost: %s\r\nContent-Length: 13\r\n\r\n{\"a\":2,\"b\":3}", host);
  exchange(fd, req, a, sizeof a);
  expect(a, "HTTP/1.1 200 OK", "\r\n\r\n\"5\"");
  assert_non_null(strstr(a, "Content-Type: application/json"));
  /* msgpack by Content-Type, answered in msgpack: {1: 7} → 7 */
  snprintf(req, sizeof req, "POST /interop.conformance/echo_i8 HTTP/1.1\r\nHost: %s\r\nContent-Type: application/msgpack\r\nContent-Length: 3\r\n\r\n\x81\x01\x07", host);
  exchange(fd, req, a, sizeof a);
  expect(a, "HTTP/1.1 200 OK", "Content-Type: application/msgpack\r\nContent-Length: 1\r\n\r\n\x07");
  /* protobuf likewise: EchoI8Request {sint32 v = 1} of -3 → the result's wrapper, field 1 */
  snprintf(req, sizeof req, "POST /interop.conformance/echo_i8 HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-protobuf\r\nContent-Length: 2\r\n\r\n\x08\x05", host);
  exchange(fd, req, a, sizeof a);
  expect(a, "HTTP/1.1 200 OK", "Content-Type: application/x-protobuf\r\nContent-Length: 2\r\n\r\n\x08\x05");
  snprintf(req, sizeof req, "POST /interop.conformance/nothing HTTP/1.1\r\nHost: %s\r\n\r\n", host); /* no body: no parameters */
  exchange(fd, req, a, sizeof a);
  expect(a, "HTTP/1.1 204 No Content", "");
  snprintf(req, sizeof req, "POST /interop.conformance/fail HTTP/1.1\r\nHost: %s\r\nContent-Length: 20\r\n\r\n{\"kind\":\"not_found\"}", host);
  exchange(fd, req, a, sizeof a);
  expect(a, "HTTP/1.1 422", "\"type\":\"interop.conformance.NotFound\",\"detail\":{\"key\":\"missing\"}");
  snprintf(req, sizeof req, "POST /interop.conformance/echo_i8 HTTP/1.1\r\nHost: %s\r\nContent-Length: 9\r\n\r\n{\"v\":300}", host);
  exchange(fd, req, a, sizeof a);
  expect(a, "HTTP/1.1 400", "{\"code\":3,");
  snprintf(req, sizeof req, "GET /.well-known/interop/manifest HTTP/1.1\r\nHost: %s\r\n\r\n", host);
  exchange(fd, req, a, sizeof a);
  expect(a, "HTTP/1.1 200 OK", "\"name\":\"interop.conformance\"");
  snprintf(req, sizeof req, "POST /.well-known/interop/ping HTTP/1.1\r\nHost: %s\r\nContent-Length: 3\r\n\r\nabc", host);
  exchange(fd, req, a, sizeof a);
  expect(a, "HTTP/1.1 200 OK", "Content-Type: application/octet-stream\r\nContent-Length: 3\r\n\r\nabc");
  close(fd);
  assert_int_equal(counter(INTEROP_REJECTED_HANDSHAKES), 0);
}

static bool subscribed(const char *t) { return strstr(t, ": subscribed to interop.conformance.ticked\n\n") != NULL; }

static void test_oneway_and_events(void **s) {
  (void)s;
  char a[4096], req[256];
  post(a, sizeof a, "/interop.conformance/note", "", "{\"text\":\"over http\"}");
  expect(a, "HTTP/1.1 202 Accepted", "");
  post(a, sizeof a, "/interop.conformance/last_note", "", "");
  expect(a, "HTTP/1.1 200 OK", "\"over http\"");
  int events = raw_connect();
  snprintf(req, sizeof req, "GET /interop.conformance/ticked HTTP/1.1\r\nHost: %s\r\n\r\n", host);
  send_all(events, req, strlen(req));
  static char stream[8192];
  read_until(events, stream, sizeof stream, 5000, subscribed);
  post(a, sizeof a, "/interop.conformance/publish", "", "{\"count\":2,\"text\":\"t\"}");
  expect(a, "HTTP/1.1 204", "");
  size_t n = strlen(stream);
  read_until(events, stream + n, sizeof stream - n, 300, NULL);
  expect(stream, "HTTP/1.1 200 OK", "Content-Type: text/event-stream");
  assert_non_null(strstr(stream, "event: ticked\ndata: {\"n\":1,\"text\":\"t\"}\n\n"));
  assert_non_null(strstr(stream, "event: ticked\ndata: {\"n\":2,\"text\":\"t\"}\n\n"));
  assert_null(strstr(stream, "pinged")); /* another event of the module */
  close(events);
}

/* Runs the node until its slow() handlers saw n cancels (at most 2 s). */
static void wait_cancels(uint64_t n) {
  uint64_t until = uv_hrtime() + 2000000000ull;
  while (state.slow_cancels < n && uv_hrtime() < until) interop_node_run_once(node, false), sleep_us(1000);
  assert_int_equal(state.slow_cancels, n);
}

static void test_deadline_and_disconnect(void **s) {
  (void)s;
  char a[4096];
  post(a, sizeof a, "/interop.conformance/slow", "Interop-Timeout-Ms: 50\r\n", "{\"ms\":3000}");
  expect(a, "HTTP/1.1 504", "{\"code\":4,\"message\":\"interop.conformance.slow: deadline of 50 ms exceeded\"}");
  wait_cancels(1); /* the handler was cancelled (CANCEL) */
  post(a, sizeof a, "/interop.conformance/slow", "Interop-Timeout-Ms: 0\r\n", "{\"ms\":1}");
  expect(a, "HTTP/1.1 400", "Interop-Timeout-Ms: expected a whole number of milliseconds from 1 to 2147483647, got \\\"0\\\"");
  /* A client that hangs up cancels the handler (a CANCEL, then the connection's close). */
  char req[256];
  snprintf(req, sizeof req, "POST /interop.conformance/slow HTTP/1.1\r\nHost: %s\r\nContent-Length: 11\r\n\r\n{\"ms\":3000}", host);
  int fd = raw_connect();
  send_all(fd, req, strlen(req));
  read_until(fd, a, sizeof a, 200, NULL);
  close(fd);
  wait_cancels(2);
  post(a, sizeof a, "/.well-known/interop/health", "", "");
  expect(a, "HTTP/1.1 404", "not a well-known interop request"); /* health is a GET */
}

static void test_refusals(void **s) {
  (void)s;
  char a[4096], req[512];
  post(a, sizeof a, "/interop.conformance/echo_i8", "Content-Type: text/xml\r\n", "<v/>");
  expect(a, "HTTP/1.1 415", "Content-Type \\\"text/xml\\\" is not a codec");
  post(a, sizeof a, "/interop.conformance/download", "", "{\"sizes\":[1]}");
  expect(a, "HTTP/1.1 501", "interop.conformance.download is a stream function: streams are not carried over HTTP");
  post(a, sizeof a, "/interop.conformance/no_such", "", "{}");
  expect(a, "HTTP/1.1 5", "{\"code\":12,"); /* UNIMPLEMENTED, from the node */
  post(a, sizeof a, "/nowhere", "", "");
  expect(a, "HTTP/1.1 404", "{\"code\":5,");
  snprintf(req, sizeof req, "POST /interop.conformance/add HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", host);
  int fd = raw_connect();
  exchange(fd, req, a, sizeof a);
  close(fd);
  expect(a, "HTTP/1.1 411", "send the body with a Content-Length");
  snprintf(req, sizeof req, "GET /.well-known/interop/health HTTP/1.1\r\nHost: evil.example:%d\r\n\r\n", port);
  fd = raw_connect();
  exchange(fd, req, a, sizeof a);
  close(fd);
  expect(a, "HTTP/1.1 421", "{\"code\":7,\"message\":\"Host \\\"evil.example");
  post(a, sizeof a, "/.well-known/interop/ping", "Origin: http://evil.example\r\n", "x");
  expect(a, "HTTP/1.1 403", "{\"code\":7,\"message\":\"Origin \\\"http://evil.example\\\" is not allowed here");
  char origin[128];
  snprintf(origin, sizeof origin, "Origin: http://%s\r\n", host); /* a page of its own origin */
  post(a, sizeof a, "/.well-known/interop/ping", origin, "x");
  expect(a, "HTTP/1.1 200", "\r\n\r\nx");
}

static bool head_done(const char *t) { return strstr(t, "\r\n\r\n") != NULL; }

/* 405 names the methods a path takes (Allow); a HEAD is answered with headers only, so the next
 * answer on the connection starts right after them. */
static void test_methods(void **s) {
  (void)s;
  char a[4096], req[512];
  int fd = raw_connect();
  snprintf(req, sizeof req, "PUT /interop.conformance/add HTTP/1.1\r\nHost: %s\r\nContent-Length: 2\r\n\r\n{}", host);
  exchange(fd, req, a, sizeof a);
  expect(a, "HTTP/1.1 405", "PUT /interop.conformance/add: POST calls a function, GET streams an event");
  assert_non_null(strstr(a, "\r\nAllow: GET, POST\r\n"));
  snprintf(req, sizeof req, "HEAD /interop.conformance/add HTTP/1.1\r\nHost: %s\r\n\r\n", host);
  send_all(fd, req, strlen(req));
  read_until(fd, a, sizeof a, 5000, head_done);
  expect(a, "HTTP/1.1 405", "\r\nAllow: GET, POST\r\n");
  snprintf(req, sizeof req, "HEAD /nowhere HTTP/1.1\r\nHost: %s\r\n\r\nGET /.well-known/interop/health HTTP/1.1\r\nHost: %s\r\n\r\n", host, host);
  send_all(fd, req, strlen(req));
  read_until(fd, a, sizeof a, 5000, head_done);
  sleep_us(50000);
  read_until(fd, a + strlen(a), sizeof a - strlen(a), 5000, whole_answer); /* the GET's answer */
  expect(a, "HTTP/1.1 404", "Content-Length: ");
  const char *second = strstr(a, "\r\n\r\n") + 4;
  expect(second, "HTTP/1.1 200", "\"status\"");
  close(fd);
}

/* Limits: a body over max_frame_bytes, a body and headers slower than frame_timeout_ms, headers
 * over 16 KiB, garbage. Each answered and the connection closed; others are served meanwhile. */
static void test_limits(void **s) {
  (void)s;
  char a[4096], req[512];
  uint64_t frames = counter(INTEROP_REJECTED_FRAMES), timeouts = counter(INTEROP_FRAME_TIMEOUTS);
  snprintf(req, sizeof req, "POST /interop.conformance/echo_string HTTP/1.1\r\nHost: %s\r\nContent-Length: 5000\r\n\r\n{\"v\":\"", host);
  int fd = raw_connect();
  exchange(fd, req, a, sizeof a);
  close(fd);
  expect(a, "HTTP/1.1 413", "{\"code\":8,");
  assert_non_null(strstr(a, "Connection: close"));
  assert_int_equal(counter(INTEROP_REJECTED_FRAMES), frames + 1);
  snprintf(req, sizeof req, "POST /interop.conformance/echo_string HTTP/1.1\r\nHost: %s\r\nContent-Length: 5000000000\r\n\r\n{", host);
  fd = raw_connect();
  exchange(fd, req, a, sizeof a); /* over the u32 of a frame's length */
  close(fd);
  expect(a, "HTTP/1.1 413", "{\"code\":8,");
  assert_int_equal(counter(INTEROP_REJECTED_FRAMES), frames + 2);
  snprintf(req, sizeof req, "POST /interop.conformance/echo_string HTTP/1.1\r\nHost: %s\r\nContent-Length: 20\r\n\r\n{\"v\":", host);
  fd = raw_connect();
  exchange(fd, req, a, sizeof a); /* the rest never comes */
  close(fd);
  expect(a, "HTTP/1.1 408", "{\"code\":8,");
  assert_int_equal(counter(INTEROP_FRAME_TIMEOUTS), timeouts + 1);
  /* A later request's headers, a line at a time and never complete. */
  fd = raw_connect();
  snprintf(req, sizeof req, "POST /interop.conformance/nothing HTTP/1.1\r\nHost: %s\r\n\r\n", host);
  exchange(fd, req, a, sizeof a);
  expect(a, "HTTP/1.1 204", "");
  send_all(fd, "POST /interop.conformance/nothing HTTP/1.1\r\n", 44);
  read_until(fd, a, sizeof a, 5000, whole_answer);
  close(fd);
  expect(a, "HTTP/1.1 408", "headers not complete within 300 ms (frame_timeout_ms)");
  assert_int_equal(counter(INTEROP_FRAME_TIMEOUTS), timeouts + 2);
  /* Headers over 16 KiB on a kept-alive connection, and a request that does not parse. */
  fd = raw_connect();
  exchange(fd, req, a, sizeof a);
  size_t big = 20 * 1024;
  char *huge = malloc(big + 256);
  int n = snprintf(huge, 256, "GET / HTTP/1.1\r\nHost: %s\r\nX-Big: ", host);
  memset(huge + n, 'b', big);
  strcpy(huge + n + big, "\r\n\r\n");
  exchange(fd, huge, a, sizeof a);
  free(huge);
  close(fd);
  expect(a, "HTTP/1.1 431", "bad HTTP request: headers over 16 KiB");
  fd = raw_connect();
  exchange(fd, req, a, sizeof a);
  exchange(fd, "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", a, sizeof a);
  close(fd);
  expect(a, "HTTP/1.1 400", "{\"code\":102,\"message\":\"bad HTTP request: ");
  post(a, sizeof a, "/interop.conformance/add", "", "{\"a\":1,\"b\":1}");
  expect(a, "HTTP/1.1 200", "\"2\"");
}

static void test_token(void **s) {
  (void)s;
  char a[4096], req[512];
  post(a, sizeof a, "/interop.conformance/add", "", "{\"a\":1,\"b\":1}");
  expect(a, "HTTP/1.1 401", "{\"code\":16,");
  post(a, sizeof a, "/interop.conformance/add", "Authorization: Bearer wrong\r\n", "{\"a\":1,\"b\":1}");
  expect(a, "HTTP/1.1 401", "{\"code\":16,");
  int fd = raw_connect();
  snprintf(req, sizeof req, "POST /interop.conformance/add HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer sesame\r\nContent-Length: 13\r\n\r\n{\"a\":1,\"b\":1}", host);
  exchange(fd, req, a, sizeof a);
  expect(a, "HTTP/1.1 200", "\"2\"");
  snprintf(req, sizeof req, "POST /interop.conformance/add HTTP/1.1\r\nHost: %s\r\nContent-Length: 13\r\n\r\n{\"a\":1,\"b\":1}", host);
  exchange(fd, req, a, sizeof a); /* the same connection without the token */
  close(fd);
  expect(a, "HTTP/1.1 401", "opened with another token");
  /* A generated client's own handshake: its HELLO, answered with the WELCOME. */
  static const char hello[] = "{\"codecs\":[\"json\"],\"node\":\"raw\",\"offers\":{},\"protocol\":[1],\"token\":\"sesame\",\"wants\":{}}";
  post(a, sizeof a, "/.well-known/interop/hello", "", hello);
  expect(a, "HTTP/1.1 200", "\"protocol\":1");
}

/* A request with `headers` (and a body of "x" for a POST) on a connection of its own, its answer in out. */
static void request(char *out, size_t cap, const char *method, const char *path, const char *headers) {
  char req[1024];
  bool post = strcmp(method, "POST") == 0;
  snprintf(req, sizeof req, "%s %s HTTP/1.1\r\n%s%s\r\n%s", method, path, headers, post ? "Content-Length: 1\r\n" : "", post ? "x" : "");
  int fd = raw_connect();
  exchange(fd, req, out, cap);
  close(fd);
}

/* web.allowed_hosts and web.allowed_origins (docs/transports.md "Security"): a listed Host (any
 * case) is served, another refused (421) saying what to add; a listed page's origin gets CORS
 * headers on its answers and its preflight answered; another page's is refused (403), upgrades
 * too. The words are TS's and Python's. */
static void test_web_config(void **s) {
  (void)s;
  char a[4096], h[512];
  snprintf(h, sizeof h, "Host: API.example:%d\r\n", port);
  request(a, sizeof a, "GET", "/.well-known/interop/health", h);
  expect(a, "HTTP/1.1 200", "\"status\":\"ok\"");
  request(a, sizeof a, "GET", "/.well-known/interop/health", "Host: other.example\r\n");
  expect(a, "HTTP/1.1 421", "Host \\\"other.example\\\" is not allowed here: add \\\"other.example\\\" to web.allowed_hosts in the node config");
  snprintf(h, sizeof h, "Host: %s\r\nOrigin: https://app.example\r\n", host);
  request(a, sizeof a, "POST", "/.well-known/interop/ping", h);
  expect(a, "HTTP/1.1 200", "\r\nAccess-Control-Allow-Origin: https://app.example\r\nVary: Origin\r\n");
  snprintf(h, sizeof h, "Host: %s\r\nOrigin: https://app.example\r\nAccess-Control-Request-Method: POST\r\n", host);
  request(a, sizeof a, "OPTIONS", "/interop.conformance/add", h);
  expect(a, "HTTP/1.1 204", "\r\nAccess-Control-Allow-Origin: https://app.example\r\n");
  assert_non_null(strstr(a, "\r\nAccess-Control-Allow-Methods: GET, POST\r\n"));
  snprintf(h, sizeof h, "Host: %s\r\nOrigin: http://%s\r\n", host, host); /* its own page: no CORS */
  request(a, sizeof a, "POST", "/.well-known/interop/ping", h);
  expect(a, "HTTP/1.1 200", "\r\n\r\n");
  assert_null(strstr(a, "Access-Control"));
  snprintf(h, sizeof h, "Host: %s\r\nOrigin: https://evil.example\r\n", host);
  request(a, sizeof a, "POST", "/.well-known/interop/ping", h);
  expect(a, "HTTP/1.1 403", "add it to web.allowed_origins in the node config");
  static const char upgrade[] = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  snprintf(h, sizeof h, "Host: %s\r\nOrigin: https://app.example\r\n%s", host, upgrade);
  request(a, sizeof a, "GET", "/", h);
  expect(a, "HTTP/1.1 101", "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n");
  snprintf(h, sizeof h, "Host: %s\r\nOrigin: https://evil.example\r\n%s", host, upgrade);
  request(a, sizeof a, "GET", "/", h);
  expect(a, "HTTP/1.1 403", "web.allowed_origins");
}

/* A web section runtime-c cannot honour, or of the wrong shape, stops the node at start. */
static void test_web_config_errors(void **s) {
  (void)s;
  const char *bad[][2] = {{"\"web\":{\"static\":\"public\"},", "web.static: runtime-c serves no static files"},
                          {"\"web\":{\"allowed_hosts\":\"a.example\"},", "web.allowed_hosts: expected an array of strings"},
                          {"\"web\":[],", "web: expected an object"}};
  for (size_t i = 0; i < 3; i++) {
    char text[512];
    snprintf(text, sizeof text, CONFIG, bad[i][0]);
    interop_node *n = NULL;
    interop_error err;
    assert_int_equal(interop_node_start(text, NULL, 0, interop_node_loop(node), &n, &err), INTEROP_INVALID_ARGUMENT);
    if (strstr(err.message, bad[i][1]) == NULL) fprintf(stderr, "%s\n", err.message);
    assert_non_null(strstr(err.message, bad[i][1]));
  }
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

/* add(2, 3) from a C node dialing `address` with `token`: its outcome, and the sum in *sum. */
static outcome c_call(const char *address, const char *token, int64_t *sum) {
  char config[512];
  snprintf(config, sizeof config,
           "{\"node\":\"caller\",\"modules\":[],\"connect\":[{\"address\":\"%s\",\"token\":\"%s\",\"modules\":[\"interop.conformance\"]}]}",
           address, token);
  interop_node *caller;
  interop_error err;
  assert_int_equal(interop_node_start(config, NULL, 0, interop_node_loop(node), &caller, &err), INTEROP_OK);
  interop_invoker *client = interop_node_invoker(caller, &interop_conformance_module, &err);
  interop_arena arena = INTEROP_ARENA_INIT;
  outcome o = {0};
  assert_int_equal(interop_conformance_add(client, 2, 3, sum, &arena, NULL, on_done, &o), INTEROP_OK);
  for (uint64_t until = uv_hrtime() + 5000000000ull; !o.done && uv_hrtime() < until;) interop_node_run_once(caller, true);
  interop_node_close(caller);
  interop_arena_free(&arena);
  return o;
}

/* A C node dials http:// (the generated client's frames as requests, its token as the bearer);
 * a wrong token is UNAUTHENTICATED, a port nobody listens on UNAVAILABLE, saying why. */
static void test_c_client(void **s) {
  (void)s;
  char address[96];
  snprintf(address, sizeof address, "http://%s", host);
  int64_t sum = 0;
  outcome o = c_call(address, "sesame", &sum);
  assert_int_equal(o.rc, INTEROP_OK);
  assert_int_equal(sum, 5);
  o = c_call(address, "wrong", &sum);
  assert_int_equal(o.rc, INTEROP_UNAUTHENTICATED);
  o = c_call("http://127.0.0.1:1", "sesame", &sum);
  assert_int_equal(o.rc, INTEROP_UNAVAILABLE);
  assert_non_null(strstr(o.message, "cannot connect"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_calls_on_one_connection, setup, teardown),
      cmocka_unit_test_setup_teardown(test_oneway_and_events, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deadline_and_disconnect, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
      cmocka_unit_test_setup_teardown(test_methods, setup, teardown),
      cmocka_unit_test_setup_teardown(test_web_config, setup_web, teardown),
      cmocka_unit_test_setup_teardown(test_web_config_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
      cmocka_unit_test_setup_teardown(test_token, setup_token, teardown),
      cmocka_unit_test_setup_teardown(test_c_client, setup_token, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
