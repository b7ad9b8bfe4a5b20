// C++ conformance server (test/conformance/README.md): a node hosting interop.conformance, as the
// node config in INTEROP_NODE_CONFIG says, until SIGTERM.
#include <csignal>
#include <cstdio>
#include <uv.h>

#include "conformance_impl.hpp"

int main() {
  try {
    conformance_cpp::Impl impl;
    interop::Node node(nullptr, {impl.module_impl()});
    auto *loop = static_cast<uv_loop_t *>(interop_node_loop(node.get()));
    uv_signal_t term, intr;
    auto stop = [](uv_signal_t *s, int) { uv_stop(s->loop); };
    uv_signal_init(loop, &term);
    uv_signal_init(loop, &intr);
    uv_signal_start(&term, stop, SIGTERM);
    uv_signal_start(&intr, stop, SIGINT);
    node.run();
    uv_close(reinterpret_cast<uv_handle_t *>(&term), nullptr);
    uv_close(reinterpret_cast<uv_handle_t *>(&intr), nullptr);
  } catch (const interop::Error &e) {
    std::fprintf(stderr, "conformance server: %s\n", e.what());
    return 1;
  }
  return 0;
}
