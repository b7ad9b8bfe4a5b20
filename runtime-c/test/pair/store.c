/* pair.store as a module library (libpair_store.so) for the two-library test (test_module_pair.c):
 * put keeps a copy of the item and publishes `stored`; get answers it or raises NotFound. */
#include <string.h>
#include "pair_store.h"

#define MAX_ITEMS 16

typedef struct store {
  interop_publisher *publisher;
  char names[MAX_ITEMS][64];
  uint32_t qty[MAX_ITEMS];
  uint32_t count;
} store;

static store state;
static pair_store_server server;

static int put(void *impl, interop_call *call, const pair_store_Item *item, pair_store_Stored *result, interop_error *err) {
  store *s = impl;
  if (s->count == MAX_ITEMS || item->name.len >= sizeof s->names[0])
    return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "the store holds %d items of names below 64 bytes", MAX_ITEMS);
  memcpy(s->names[s->count], item->name.ptr, item->name.len);
  s->names[s->count][item->name.len] = '\0';
  s->qty[s->count] = item->qty;
  result->count = ++s->count;
  const char *peer = interop_call_peer(call);
  result->caller = (interop_str){interop_arena_strndup(interop_call_arena(call), peer, strlen(peer)), strlen(peer)};
  return pair_store_stored_publish(s->publisher, item, err);
}

static int get(void *impl, interop_call *call, interop_str name, pair_store_Item *result, interop_error *err) {
  store *s = impl;
  for (uint32_t i = 0; i < s->count; i++)
    if (strlen(s->names[i]) == name.len && memcmp(s->names[i], name.ptr, name.len) == 0) {
      *result = (pair_store_Item){{s->names[i], name.len}, s->qty[i]};
      return INTEROP_OK;
    }
  pair_store_NotFound *detail = interop_arena_alloc(interop_call_arena(call), sizeof *detail, _Alignof(pair_store_NotFound));
  if (detail == NULL) return INTEROP_RESOURCE_EXHAUSTED;
  detail->name = (interop_str){interop_arena_strndup(interop_call_arena(call), name.ptr, name.len), name.len};
  /* The return value says APPLICATION_ERROR; err->code and the message may stay unset. */
  err->type = &pair_store_NotFound_type;
  err->detail = detail;
  return INTEROP_APPLICATION_ERROR;
}

/* Runs once on the node's loop before any call (its argument is module_impl.impl, which a generated
 * server sets to the server itself, so the state is reached as server.impl): the publisher of this module's events. */
static int init(void *impl, interop_node *node, interop_error *err) {
  store *s = ((pair_store_server *)impl)->impl;
  s->publisher = interop_node_publisher(node, &pair_store_module, err);
  return s->publisher != NULL ? INTEROP_OK : (int)err->code;
}

const interop_module_impl *interop_module_entry(void) {
  static const pair_store_handlers handlers = {.put = put, .get = get};
  pair_store_server_init(&server, &handlers, &state);
  server.module_impl.init = init;
  return &server.module_impl;
}
