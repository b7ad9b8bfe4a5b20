/* Value checks shared by the encoders and by direct calls (interop_check), so a value refused
 * over a socket is refused in the same process too, with the same code and message. */
#include <stdlib.h>
#include "flatbuffers.h"
#include "protobuf.h"

int interop_check_string(const interop_str *s, interop_error *err) {
  if (s->len > 0 && s->ptr == NULL)
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "string of length %zu has no data", s->len);
  if (!interop_utf8_valid((const uint8_t *)s->ptr, s->len))
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "string is not valid UTF-8");
  return INTEROP_OK;
}

int interop_check_container(const void *items, size_t len, const char *what, interop_error *err) {
  if (len > 0 && items == NULL)
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s of length %zu has no items", what, len);
  return INTEROP_OK;
}

const interop_field *interop_union_case_by_id(const interop_type *t, uint64_t id) {
  for (uint32_t i = 0; i < t->count; i++)
    if (t->fields[i].id == id) return &t->fields[i];
  return NULL;
}

const interop_field *interop_union_case(const interop_type *t, const void *value, interop_error *err) {
  uint32_t which = *(const uint32_t *)value;
  const interop_field *c = interop_union_case_by_id(t, which);
  if (c == NULL)
    interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s holds no case (which = %u)", t->name, which);
  return c;
}

const void *interop_optional_value(const interop_type *t, const void *value) {
  if (t->flags & INTEROP_TYPE_BY_POINTER) return *(const void *const *)value;
  return *(const bool *)value ? CAT(value, t->value_offset) : NULL;
}

int interop_fill_missing(const interop_type *t, void *out, const bool *seen, interop_arena *a,
                         interop_error *err) {
  INTEROP_UNUSED(a);
  for (uint32_t i = 0; i < t->count; i++) {
    if (seen[i]) continue;
    const interop_field *f = &t->fields[i];
    void *dst = AT(out, f->offset);
    if (f->default_value != NULL) {
      memcpy(dst, f->default_value, f->type->size);
      continue;
    }
    switch (f->type->kind) {
      case INTEROP_KIND_ENUM: *(int32_t *)dst = f->type->members[0].value; break;
      case INTEROP_KIND_STRUCT:
      case INTEROP_KIND_UNION:
        return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s: missing field %s (of type %s)", t->name,
                                 f->name, f->type->name);
      default: break; /* already zero: 0, false, "", empty, absent */
    }
  }
  return INTEROP_OK;
}

typedef struct checker {
  uint32_t max_depth;
  uint32_t depth;
  interop_path path;
  interop_error *err;
} checker;

static int check_value(checker *c, const interop_type *t, const void *v);

/* Scalars and enums: every C value of them is a valid one, so the walk skips them without a call
 * (most of a value's fields and items are; the call and its switch were most of the check). */
static inline bool always_valid(const interop_type *t) {
  return t->kind < INTEROP_KIND_STRING || t->kind == INTEROP_KIND_ENUM;
}

static int enter(checker *c) {
  if (++c->depth > c->max_depth)
    return interop_error_set(c->err, INTEROP_RESOURCE_EXHAUSTED, "nesting deeper than max_depth %u", c->max_depth);
  return INTEROP_OK;
}

static int check_items(checker *c, const interop_type *t, const char *items, size_t n) {
  if (always_valid(t)) return INTEROP_OK;
  for (size_t i = 0; i < n; i++) {
    int rc = t->kind == INTEROP_KIND_STRING ? interop_check_string((const interop_str *)(const void *)(items + i * t->size), c->err)
                                            : check_value(c, t, items + i * t->size);
    if (rc != INTEROP_OK) {
      interop_path_index(&c->path, i);
      return rc;
    }
  }
  return INTEROP_OK;
}

static int check_value(checker *c, const interop_type *t, const void *v) {
  int rc = INTEROP_OK;
  switch (t->kind) {
    case INTEROP_KIND_STRING: return interop_check_string(v, c->err);
    case INTEROP_KIND_BYTES: {
      const interop_bytes *b = v;
      return interop_check_container(b->ptr, b->len, "bytes", c->err);
    }
    case INTEROP_KIND_OPTIONAL: {
      const void *inner = interop_optional_value(t, v);
      return inner == NULL ? INTEROP_OK : check_value(c, t->elem, inner);
    }
    case INTEROP_KIND_LIST: {
      const interop_list *l = v;
      if ((rc = interop_check_container(l->items, l->len, "list", c->err)) || (rc = enter(c))) return rc;
      rc = check_items(c, t->elem, l->items, l->len);
      break;
    }
    case INTEROP_KIND_MAP: {
      const interop_map *m = v;
      size_t *order;
      if ((rc = interop_check_container(m->keys, m->len, "map", c->err)) ||
          (rc = interop_check_container(m->values, m->len, "map", c->err)) || (rc = enter(c)))
        return rc;
      if ((rc = check_items(c, t->key, m->keys, m->len)) || (rc = interop_map_order(t, m, &order, c->err))) break;
      free(order);
      rc = check_items(c, t->elem, m->values, m->len);
      break;
    }
    case INTEROP_KIND_STRUCT:
      if ((rc = enter(c))) return rc;
      for (uint32_t i = 0; i < t->count && rc == INTEROP_OK; i++) {
        const interop_field *f = &t->fields[i];
        if (always_valid(f->type)) continue;
        rc = f->type->kind == INTEROP_KIND_STRING ? interop_check_string(CAT(v, f->offset), c->err)
                                                  : check_value(c, f->type, CAT(v, f->offset));
        if (rc != INTEROP_OK) interop_path_field(&c->path, f->name);
      }
      break;
    case INTEROP_KIND_UNION: {
      if ((rc = enter(c))) return rc;
      const interop_field *f = interop_union_case(t, v, c->err);
      if (f == NULL) return INTEROP_INVALID_ARGUMENT;
      if (f->type != NULL && (rc = check_value(c, f->type, CAT(v, f->offset))))
        interop_path_field(&c->path, f->name);
      break;
    }
    default: return INTEROP_OK; /* scalars and enums: every C value is a valid one */
  }
  c->depth--;
  return rc;
}

int interop_check(const interop_type *type, const void *value, uint32_t max_depth, interop_error *err) {
  checker c;
  c.max_depth = max_depth, c.depth = 0, c.err = err;
  interop_path_init(&c.path); /* the path's buffer is written only when a value is refused */
  int rc = check_value(&c, type, value);
  if (rc != INTEROP_OK) interop_path_apply(&c.path, err);
  return rc;
}

int interop_encode(const interop_type *type, const void *value, interop_codec codec, uint32_t max_depth,
                   interop_buf *out, interop_error *err) {
  size_t before = out->len;
  int rc;
  switch (codec) {
    case INTEROP_CODEC_JSON: rc = interop_json_encode(type, value, max_depth, out, err); break;
    case INTEROP_CODEC_MSGPACK: rc = interop_msgpack_encode(type, value, max_depth, out, err); break;
    case INTEROP_CODEC_PROTOBUF: rc = interop_protobuf_encode(type, value, max_depth, out, err); break;
    case INTEROP_CODEC_FLATBUFFERS: rc = interop_flatbuffers_encode(type, value, max_depth, out, err); break;
    default: return interop_error_set(err, INTEROP_PROTOCOL_ERROR, "cannot encode with codec %d", (int)codec);
  }
  if (rc == INTEROP_OK && out->failed) rc = interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  if (rc != INTEROP_OK && !out->failed) out->len = before;
  return rc;
}

int interop_decode(const interop_type *type, const uint8_t *data, size_t len, interop_codec codec,
                   uint32_t max_depth, interop_arena *arena, void *out, interop_error *err) {
  memset(out, 0, type->size);
  switch (codec) {
    case INTEROP_CODEC_JSON: return interop_json_decode(type, data, len, max_depth, arena, out, err);
    case INTEROP_CODEC_MSGPACK: return interop_msgpack_decode(type, data, len, max_depth, arena, out, err);
    case INTEROP_CODEC_PROTOBUF: return interop_protobuf_decode(type, data, len, max_depth, arena, out, err);
    case INTEROP_CODEC_FLATBUFFERS: return interop_flatbuffers_decode(type, data, len, max_depth, arena, out, err);
    default: return interop_error_set(err, INTEROP_PROTOCOL_ERROR, "cannot decode codec %d", (int)codec);
  }
}
