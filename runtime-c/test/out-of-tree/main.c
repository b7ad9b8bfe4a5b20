/* A program built against the installed package: it hosts demo.hello and calls it directly. */
#include <stdio.h>
#include <string.h>
#include "demo_hello.h"

static int greet(void *impl, interop_call *call, interop_str name, interop_str *result, interop_error *err) {
  (void)impl, (void)err;
  char *text = interop_arena_alloc(interop_call_arena(call), name.len + 8, 1);
  int n = sprintf(text, "hello, %.*s", (int)name.len, name.ptr);
  *result = (interop_str){text, (size_t)n};
  return INTEROP_OK;
}

int main(void) {
  demo_hello_server server;
  demo_hello_server_init(&server, &(demo_hello_handlers){.greet = greet}, NULL);
  const interop_module_impl *impls[] = {&server.module_impl};
  interop_node *node;
  interop_error err;
  if (interop_node_start("{\"node\":\"demo\"}", impls, 1, NULL, &node, &err) != INTEROP_OK) return 1;
  interop_invoker *client = interop_node_invoker(node, &demo_hello_module, &err);
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_str got;
  int rc = demo_hello_greet_sync(client, INTEROP_STR("world"), &got, &arena, NULL, &err);
  if (rc == INTEROP_OK) printf("%.*s\n", (int)got.len, got.ptr);
  interop_arena_free(&arena);
  interop_node_close(node);
  return rc == INTEROP_OK && got.len == 12 ? 0 : 1;
}
