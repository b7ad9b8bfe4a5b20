/* interop-node: the native node host (docs/c.md "The node host"). Loads module libraries built
 * against the module ABI (runtime-c/include/interop/module.h), starts a node from the node config
 * (docs/config.md) and serves until SIGTERM or SIGINT, or, as a stdio plugin, until its parent
 * closes stdin. Besides the libraries on its command line, it loads those of the package modules its
 * config's "packages" names (packages.c).
 *   interop-node [--config FILE|JSON] [LIBRARY.so...]    (config default: INTEROP_NODE_CONFIG)
 *   interop-node --version                                the release version (CMakeLists.txt) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include "interop/interop.h"
#include "packages.h"

static void on_signal(uv_signal_t *s, int signum) {
  (void)signum;
  interop_node_stop(s->data);
}

static int usage(void) {
  fprintf(stderr, "usage: interop-node [--config FILE|JSON] [LIBRARY.so...]\n"
                  "       interop-node --version\n"
                  "  Loads each module library (it exports interop_module_entry) and those of the packages\n"
                  "  its config names (\"packages\", docs/library.md), starts the node its config\n"
                  "  describes (default: the INTEROP_NODE_CONFIG environment variable) and serves until\n"
                  "  SIGTERM or SIGINT. See docs/c.md.\n");
  return 2;
}

int main(int argc, char **argv) {
  const char *config = NULL;
  const interop_module_impl *impls[64];
  size_t count = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return usage(), 0;
    if (strcmp(argv[i], "--version") == 0) return printf("%s\n", INTEROP_VERSION), 0;
    if (strcmp(argv[i], "--config") == 0) {
      if (++i == argc) return usage();
      config = argv[i];
      continue;
    }
    if (count == sizeof impls / sizeof impls[0]) return fprintf(stderr, "interop-node: too many libraries\n"), 1;
    if ((impls[count] = load_module_library(argv[i])) == NULL) return 1;
    count++;
  }
  if (config == NULL && getenv("INTEROP_NODE_CONFIG") == NULL) return usage();
  if (load_packages(config, impls, &count, sizeof impls / sizeof impls[0]) != 0) return 1;
  interop_node *node;
  interop_error err;
  if (interop_node_start(config, impls, count, NULL, &node, &err) != INTEROP_OK) {
    fprintf(stderr, "interop-node: %s: %s\n", interop_code_name(err.code), err.message);
    return 1;
  }
  uv_signal_t term, intr;
  uv_signal_init(interop_node_loop(node), &term);
  uv_signal_init(interop_node_loop(node), &intr);
  term.data = intr.data = node;
  uv_signal_start(&term, on_signal, SIGTERM);
  uv_signal_start(&intr, on_signal, SIGINT);
  interop_node_run(node);
  uv_close((uv_handle_t *)&term, NULL);
  uv_close((uv_handle_t *)&intr, NULL);
  interop_node_close(node);
  return 0;
}
