/* libFuzzer target for the HTTP side of the web listener (src/ws.c, src/http.c, src/http_answer.c):
 * each input is sent as one client's bytes to a real node listening on http://127.0.0.1 (one node
 * for the whole run, with a token and small limits), in chunks whose sizes come from the input
 * itself, then the client half-closes. Whatever came in (requests, pipelined ones, upgrades,
 * garbage), the node must answer with HTTP status lines only and close the connection; it must
 * never crash, leak or hang. Checked by ASan/UBSan and, here, the answer's first bytes and the
 * close within a bound. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>
#include "interop/interop.h"

static const char CONFIG[] = "{\"node\":\"fuzz\",\"listen\":[\"http://127.0.0.1:0\"],\"token\":\"t\","
                             "\"limits\":{\"max_frame_bytes\":1024,\"handshake_timeout_ms\":5000,\"frame_timeout_ms\":5000}}";
static interop_node *node;
static struct sockaddr_in server;

static void start(void) {
  interop_error err;
  if (interop_node_start(CONFIG, NULL, 0, NULL, &node, &err) != INTEROP_OK) {
    fprintf(stderr, "fuzz_http: the node does not start: %s\n", err.message);
    abort();
  }
  const char *ep = interop_node_endpoint(node, 0); /* http://127.0.0.1:<port> */
  server.sin_family = AF_INET;
  server.sin_port = htons((uint16_t)atoi(ep + strlen("http://127.0.0.1:")));
  inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
}

/* Reads what the node sends into answer (the first bytes are kept); true once it closed. */
static bool drain(int fd, char *answer, size_t cap, size_t *got) {
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK; /* reset: closed too */
    size_t keep = *got < cap ? cap - *got : 0;
    memcpy(answer + *got, buf, (size_t)n < keep ? (size_t)n : keep);
    *got += (size_t)n < keep ? (size_t)n : keep;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (node == NULL) start();
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) abort();
  if (connect(fd, (struct sockaddr *)&server, sizeof server) != 0 && errno != EINPROGRESS) abort();
  char answer[16];
  size_t got = 0, pos = 0;
  bool closed = false;
  uint64_t until = uv_hrtime() + 20ull * 1000000000; /* far beyond a loopback exchange, even loaded */
  while (pos < size && !closed) { /* the input in chunks of 1 to 256 bytes, the node's loop turning between */
    size_t chunk = 1 + data[pos] % 256;
    if (chunk > size - pos) chunk = size - pos;
    ssize_t n = send(fd, data + pos, chunk, MSG_NOSIGNAL);
    if (n > 0) pos += (size_t)n;
    else if (errno != EAGAIN && errno != ENOTCONN) break; /* the node closed it already */
    interop_node_run_once(node, false);
    closed = drain(fd, answer, sizeof answer, &got);
    if (uv_hrtime() > until) abort();
  }
  shutdown(fd, SHUT_WR);
  while (!closed) {
    interop_node_run_once(node, false);
    closed = drain(fd, answer, sizeof answer, &got);
    if (!closed && uv_hrtime() > until) {
      fprintf(stderr, "fuzz_http: the node did not close the connection after the client's end\n");
      abort();
    }
    if (!closed) nanosleep(&(struct timespec){0, 100000}, NULL);
  }
  close(fd);
  for (int i = 0; i < 4; i++) interop_node_run_once(node, false); /* the link's handles close */
  /* Everything the node says on a connection that did not upgrade is an HTTP answer. */
  if (got > 0 && memcmp(answer, "HTTP/1.1 ", got < 9 ? got : 9) != 0) {
    fprintf(stderr, "fuzz_http: the node answered something other than HTTP: %.*s\n", (int)got, answer);
    abort();
  }
  return 0;
}
