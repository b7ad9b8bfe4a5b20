/* What the FlatBuffers reader and writer share (docs/wire.md §3.6, ADR 0041, the schema of
 * `interopc gen --lang fbs`: docs/types.md "FlatBuffers"). Not installed. */
#ifndef INTEROP_FLATBUFFERS_H
#define INTEROP_FLATBUFFERS_H

#include "internal.h"

/* The inline size of a scalar or enum in a table or vector (1, 2, 4 or 8), or 0 for what is
 * reached by a 4-byte uoffset (string, bytes, list, map, struct, union). */
static inline uint32_t fb_scalar_size(const interop_type *t) {
  switch (t->kind) {
    case INTEROP_KIND_BOOL: case INTEROP_KIND_I8: case INTEROP_KIND_U8: return 1;
    case INTEROP_KIND_I16: case INTEROP_KIND_U16: return 2;
    case INTEROP_KIND_I32: case INTEROP_KIND_U32: case INTEROP_KIND_F32: case INTEROP_KIND_ENUM: return 4;
    case INTEROP_KIND_I64: case INTEROP_KIND_U64: case INTEROP_KIND_F64: return 8;
    default: return 0;
  }
}

/* The largest field id with a table slot (E0703 of `interopc gen --lang fbs`): a vtable holds a
 * u16 offset for every slot up to the largest written. */
#define FB_MAX_FIELD_ID 1024u

static inline bool fb_is_table(const interop_type *t) {
  return t->kind == INTEROP_KIND_STRUCT || t->kind == INTEROP_KIND_UNION;
}

/* A vector holds scalars, strings and tables; any other element (bytes, a list, a map, an
 * optional) is slot 0 of its wrapper table (`BytesValue`, `ListOfT`, `MapOfKToV`, `OptionalT`). */
static inline bool fb_element_wrapped(const interop_type *e) {
  return fb_scalar_size(e) == 0 && e->kind != INTEROP_KIND_STRING && !fb_is_table(e);
}

/* The name errors start with, as protobuf's (Point.x: ...): the declared name without its module. */
static inline const char *fb_short_name(const interop_type *t) {
  if (t->name == NULL) return "";
  const char *dot = strrchr(t->name, '.');
  return dot ? dot + 1 : t->name;
}

/* A `[ubyte]` holding a whole FlatBuffer (the error envelope's `detail`, §3.6): written as a
 * vector of 8-byte scalars would be, so that the nested buffer starts 8-aligned. Read as bytes. */
extern const interop_type interop_flatbuffers_nested;

int interop_flatbuffers_encode(const interop_type *t, const void *v, uint32_t max_depth, interop_buf *out,
                               interop_error *err);
int interop_flatbuffers_decode(const interop_type *t, const uint8_t *p, size_t n, uint32_t max_depth,
                               interop_arena *a, void *out, interop_error *err);

#endif
