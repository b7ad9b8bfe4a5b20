/* How many loop turns a served call costs (bench/LIMITS.md, the C↔C round trip): a request whose
 * handler answers at once is answered, on the socket, in the loop turn that read it. It went
 * through the node's ready queue before, woken by an eventfd: a second turn and three more system
 * calls per call. A handler that answers later (PENDING) is answered when it finishes, as before. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
  snprintf(dir, sizeof dir, "/tmp/interop-c-turns-XXXXXX");
  if (mkdtemp(dir) == NULL) return -1;
  snprintf(sock, sizeof sock, "%s/s.sock", dir);
  if (uv_loop_init(&loop) != 0) return -1;
  char config[256];
  snprintf(config, sizeof config, "{\"node\":\"turns\",\"listen\":[\"unix:%s\"]}", sock);
  conformance_server_init(&server, &state);
  const interop_module_impl *impls[] = {&server.module_impl};
  interop_error err;
  if (interop_node_start(config, impls, 1, &loop, &node, &err) != INTEROP_OK) return -1;
  state.node = node;
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

/* The next frame already on the socket, without turning the loop: its kind, or -1 if none. */
static int frame_now(int fd, interop_frame_decoder *d, uint32_t *id, char *text, size_t size) {
  interop_frame f;
  interop_error err;
  uint8_t buf[65536];
  for (;;) {
    if (interop_frame_decoder_next(d, &f, &err) == 1) {
      *id = f.correlation;
      snprintf(text, size, "%.*s", (int)f.payload_len, (const char *)f.payload);
      return f.kind;
    }
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) return -1;
    interop_frame_decoder_push(d, buf, (size_t)n);
  }
}

static void test_an_answer_at_once_goes_out_in_the_turn_that_read_the_request(void **s) {
  (void)s;
  interop_frame_decoder d;
  int fd = raw_connect(sock);
  interop_frame_decoder_init(&d, INTEROP_DEFAULT_MAX_FRAME_BYTES);
  raw_put(fd, INTEROP_FRAME_HELLO, INTEROP_CODEC_JSON, 0, 0, "", "{\"codecs\":[\"json\"],\"compat\":{},\"node\":\"raw\",\"offers\":{},\"protocol\":[1],\"wants\":{}}");
  assert_int_equal(raw_next(fd, &d, &loop, 3000, NULL, NULL, 0), INTEROP_FRAME_WELCOME);
  uint32_t id = 0;
  char text[256];
  for (uint32_t call = 1; call <= 20; call++) {
    raw_put(fd, INTEROP_FRAME_REQUEST, INTEROP_CODEC_JSON, 0, call, "interop.conformance.echo_i32", "{\"v\":41}");
    uv_run(&loop, UV_RUN_ONCE); /* one turn: it reads the request (already on the socket) */
    assert_int_equal(frame_now(fd, &d, &id, text, sizeof text), INTEROP_FRAME_RESPONSE);
    assert_int_equal(id, call);
    assert_string_equal(text, "41");
  }
  /* An error answered at once takes one turn too (an unknown function). */
  raw_put(fd, INTEROP_FRAME_REQUEST, INTEROP_CODEC_JSON, 0, 99, "interop.conformance.no_such_function", "{}");
  uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(frame_now(fd, &d, &id, text, sizeof text), INTEROP_FRAME_ERROR);
  assert_int_equal(id, 99);
  assert_int_equal(interop_node_counter(node, INTEROP_REQUESTS_SERVED), 20);
  interop_frame_decoder_free(&d);
  close(fd);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_an_answer_at_once_goes_out_in_the_turn_that_read_the_request, setup, teardown),
  };
  return cmocka_run_group_tests_name("loop turns", tests, NULL, NULL);
}
