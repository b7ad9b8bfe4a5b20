/* libFuzzer target for the node config reader (docs/config.md): any input is read into a node
 * without starting anything (no sockets, no plugins), and freed again. */
#include <stdlib.h>
#include <string.h>
#include "../src/links.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 2);
  text[0] = '{'; /* read as JSON text, never as a file name */
  memcpy(text + 1, data, size);
  text[size + 1] = '\0';
  interop_node *node = calloc(1, sizeof *node);
  interop_limits_default(&node->limits);
  const char *modules[64];
  char storage[4096];
  size_t count;
  interop_error err;
  node_config(node, text, modules, &count, storage, sizeof storage, &err);
  links_close(node);
  free(node);
  free(text);
  return 0;
}
