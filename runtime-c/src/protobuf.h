/* What the protobuf reader and writer share (docs/wire.md §3.5, ADR 0028). Not installed. */
#ifndef INTEROP_PROTOBUF_H
#define INTEROP_PROTOBUF_H

#include "internal.h"

enum { PB_VARINT = 0, PB_FIXED64 = 1, PB_LEN = 2, PB_FIXED32 = 5, PB_NONE = -1 };

/* The wire type of a scalar or enum; PB_NONE for what travels as a message (struct, union) or
 * in a wrapper message (list, map, optional). */
static inline int pb_wire_type(const interop_type *t) {
  switch (t->kind) {
    case INTEROP_KIND_F32: return PB_FIXED32;
    case INTEROP_KIND_F64: return PB_FIXED64;
    case INTEROP_KIND_STRING: case INTEROP_KIND_BYTES: return PB_LEN;
    default: return interop_kind_is_int(t->kind) || t->kind == INTEROP_KIND_BOOL ? PB_VARINT : PB_NONE;
  }
}

/* Lists of these are one packed field. */
static inline bool pb_packable(const interop_type *t) {
  int wt = pb_wire_type(t);
  return wt != PB_NONE && wt != PB_LEN;
}

static inline bool pb_is_message(const interop_type *t) {
  return t->kind == INTEROP_KIND_STRUCT || t->kind == INTEROP_KIND_UNION;
}

/* A list or map: a field that may occur many times (no duplicate check). */
static inline bool pb_repeated(const interop_type *t) {
  return t->kind == INTEROP_KIND_LIST || t->kind == INTEROP_KIND_MAP;
}

/* The name errors start with: the declared name without its module ("Point"), or "" for an
 * anonymous type (an alias of a scalar or container has no name in its descriptor). */
static inline const char *pb_short_name(const interop_type *t) {
  if (t->name == NULL) return "";
  const char *dot = strrchr(t->name, '.');
  return dot ? dot + 1 : t->name;
}

int interop_protobuf_encode(const interop_type *t, const void *v, uint32_t max_depth, interop_buf *out,
                            interop_error *err);
int interop_protobuf_decode(const interop_type *t, const uint8_t *p, size_t n, uint32_t max_depth,
                            interop_arena *a, void *out, interop_error *err);

#endif
