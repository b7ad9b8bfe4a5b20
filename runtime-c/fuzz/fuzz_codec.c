/* libFuzzer target for the msgpack (FUZZ_CODEC=2), protobuf (=3), FlatBuffers (=4) or JSON (=1) reader, typed by the
 * golden-vector schema: the first input byte picks a type, the rest is the payload. Whatever decodes must
 * re-encode, and the re-encoding must decode and re-encode to the same bytes (canonical). */
#include <stdlib.h>
#include <string.h>
#include "interop/interop.h"
#include "interop_vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  const interop_type *t = interop_vectors_types[data[0] % interop_vectors_types_count].type;
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_error err;
  void *value = malloc(t->size), *again = malloc(t->size);
  if (interop_decode(t, data + 1, size - 1, FUZZ_CODEC, 64, &arena, value, &err) == INTEROP_OK) {
    interop_buf a = INTEROP_BUF_INIT, b = INTEROP_BUF_INIT;
    if (interop_encode(t, value, FUZZ_CODEC, 64, &a, &err) != INTEROP_OK) abort();
    if (interop_decode(t, a.data, a.len, FUZZ_CODEC, 64, &arena, again, &err) != INTEROP_OK) abort();
    if (interop_encode(t, again, FUZZ_CODEC, 64, &b, &err) != INTEROP_OK) abort();
    if (a.len != b.len || (a.len > 0 && memcmp(a.data, b.data, a.len) != 0)) abort(); /* protobuf may be empty */
    interop_buf_free(&a);
    interop_buf_free(&b);
  } else if (err.code != INTEROP_INVALID_ARGUMENT && err.code != INTEROP_RESOURCE_EXHAUSTED) {
    abort(); /* a decode fails only with the codes docs/wire.md §3 names */
  }
  free(value);
  free(again);
  interop_arena_free(&arena);
  return 0;
}
