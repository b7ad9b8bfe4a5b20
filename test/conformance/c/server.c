/* C conformance server (test/conformance/README.md): a node hosting interop.conformance as the
 * node config in INTEROP_NODE_CONFIG says, until SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <uv.h>
#include "conformance_impl.h"

static void on_signal(uv_signal_t *s, int signum) {
  (void)signum;
  uv_stop(s->loop);
}

int main(void) {
  static interop_conformance_server server;
  static conformance_state state;
  conformance_server_init(&server, &state);
  const interop_module_impl *impls[] = {&server.module_impl};
  interop_node *node;
  interop_error err;
  if (interop_node_start(NULL, impls, 1, NULL, &node, &err) != INTEROP_OK) {
    fprintf(stderr, "conformance server: %s: %s\n", interop_code_name(err.code), err.message);
    return 1;
  }
  state.node = node;
  state.publisher = interop_node_publisher(node, &interop_conformance_module, &err);
  uv_signal_t term, intr;
  uv_signal_init(interop_node_loop(node), &term);
  uv_signal_init(interop_node_loop(node), &intr);
  uv_signal_start(&term, on_signal, SIGTERM);
  uv_signal_start(&intr, on_signal, SIGINT);
  interop_node_run(node);
  uv_close((uv_handle_t *)&term, NULL);
  uv_close((uv_handle_t *)&intr, NULL);
  interop_node_close(node);
  conformance_state_free(&state);
  return 0;
}
