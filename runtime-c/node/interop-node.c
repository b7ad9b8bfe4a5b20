/* interop-node: the native node host (docs/c.md "The node host"). Loads module libraries built
 * against the module ABI (runtime-c/include/interop/module.h), starts a node from the node config
 * (docs/config.md) and serves until SIGTERM or SIGINT, or, as a stdio plugin, until its parent
 * closes stdin.
 *   interop-node [--config FILE|JSON] LIBRARY.so...      (config default: INTEROP_NODE_CONFIG) */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include "interop/interop.h"

static void on_signal(uv_signal_t *s, int signum) {
  (void)signum;
  interop_node_stop(s->data);
}

static int usage(void) {
  fprintf(stderr, "usage: interop-node [--config FILE|JSON] LIBRARY.so...\n"
                  "  Loads each module library (it exports interop_module_entry), starts the node its config\n"
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
    if (strcmp(argv[i], "--config") == 0) {
      if (++i == argc) return usage();
      config = argv[i];
      continue;
    }
    void *lib = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
      fprintf(stderr, "interop-node: cannot load %s: %s\n", argv[i], dlerror());
      return 1;
    }
    interop_module_entry_fn entry = (interop_module_entry_fn)(uintptr_t)dlsym(lib, INTEROP_MODULE_ENTRY);
    if (entry == NULL) {
      fprintf(stderr, "interop-node: %s exports no %s(): build it as a module library (docs/c.md)\n", argv[i],
              INTEROP_MODULE_ENTRY);
      return 1;
    }
    if (count == sizeof impls / sizeof impls[0]) return fprintf(stderr, "interop-node: too many libraries\n"), 1;
    impls[count] = entry();
    if (impls[count] == NULL || impls[count]->abi_version != INTEROP_ABI_VERSION) {
      fprintf(stderr, "interop-node: %s was built for another module ABI (this host has %u)\n", argv[i],
              INTEROP_ABI_VERSION);
      return 1;
    }
    count++;
  }
  if (config == NULL && getenv("INTEROP_NODE_CONFIG") == NULL) return usage();
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
