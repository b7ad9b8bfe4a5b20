/* mix.right, a module library in C: twice() answers with the peer it was called from; relay()
 * calls mix.left (a C++ library in the same interop-node) through the generated C stub, directly,
 * and finishes the call when the answer comes. */
#include <string.h>
#include "mix_left.h"
#include "mix_right.h"

static interop_node *node;

static int twice(void *impl, interop_call *call, int64_t n, mix_right_Twice *result, interop_error *err) {
  (void)impl, (void)err;
  const char *peer = interop_call_peer(call);
  result->value = 2 * n;
  result->peer = (interop_str){peer, strlen(peer)};
  return INTEROP_OK;
}

typedef struct relay_call {
  interop_call *call;
  mix_right_Twice *result;
  mix_left_Twice answer;
} relay_call;

static void relayed(void *user, int rc, const interop_error *err) {
  relay_call *r = user;
  r->result->value = r->answer.value;
  r->result->peer = r->answer.peer; /* lives in the call's arena */
  interop_call_finish(r->call, rc, err);
}

static int relay(void *impl, interop_call *call, int64_t n, mix_right_Twice *result, interop_error *err) {
  (void)impl;
  interop_invoker *left = interop_node_invoker(node, &mix_left_module, err);
  if (left == NULL) return (int)err->code;
  relay_call *r = interop_arena_alloc(interop_call_arena(call), sizeof *r, 8);
  if (r == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  r->call = call, r->result = result;
  int rc = mix_left_twice(left, n, &r->answer, interop_call_arena(call), NULL, relayed, r);
  return rc == INTEROP_OK ? INTEROP_PENDING : interop_error_set(err, (uint32_t)rc, "relay did not start");
}

static int init(void *impl, interop_node *n, interop_error *err) {
  (void)impl, (void)err;
  node = n;
  return INTEROP_OK;
}

static mix_right_server server;

const interop_module_impl *interop_module_entry(void) {
  static const mix_right_handlers handlers = {.twice = twice, .relay = relay};
  mix_right_server_init(&server, &handlers, NULL);
  server.module_impl.init = init;
  return &server.module_impl;
}
