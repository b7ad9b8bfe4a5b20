/* Canonical protobuf (docs/wire.md §3.5, ADR 0028): what google's deterministic serializer writes
 * for a message whose fields are all set. Fields in ascending number, every field the value has
 * (zeros included), signed integers zigzag, enums as int32, scalar lists packed, map entries in key
 * order, anything protobuf cannot nest (a list, map or optional inside a list, map, union or
 * payload) as field 1 of its wrapper message. A nested message is written in place after a
 * one-byte length, moved only when its length needs more bytes. Values are checked as they are
 * written (the checks of check.c), and nesting counts as the reader counts it. */
#include <math.h>
#include <stdlib.h>
#include "protobuf.h"

typedef struct pb_writer {
  interop_buf *out;
  uint32_t max_depth;
  uint32_t depth;
  interop_path path;
  interop_error *err;
} pb_writer;

static void put_varint(interop_buf *b, uint64_t v) {
  uint8_t tmp[10];
  size_t n = 0;
  while (v >= 0x80) {
    tmp[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  tmp[n++] = (uint8_t)v;
  interop_buf_put(b, tmp, n);
}

static void put_key(interop_buf *b, uint32_t n, int wt) { put_varint(b, ((uint64_t)n << 3) | (uint64_t)wt); }

static void put_le(interop_buf *b, uint64_t bits, size_t bytes) {
  uint8_t tmp[8];
  for (size_t i = 0; i < bytes; i++) tmp[i] = (uint8_t)(bits >> (8 * i));
  interop_buf_put(b, tmp, bytes);
}

/* A nested message starts: counted toward max_depth, and a one-byte length put before its body. */
static int begin(pb_writer *w, size_t *at) {
  *at = w->out->len;
  if (++w->depth > w->max_depth)
    return interop_error_set(w->err, INTEROP_RESOURCE_EXHAUSTED, "value nested deeper than %u levels", w->max_depth);
  interop_buf_byte(w->out, 0);
  return INTEROP_OK;
}

/* Writes the body's length at `at`, moving the body when the length takes more than one byte. */
static void finish_length(interop_buf *b, size_t at) {
  if (b->failed) return;
  size_t body = b->len - at - 1;
  if (body < 0x80) {
    b->data[at] = (uint8_t)body;
    return;
  }
  uint8_t len[10];
  size_t n = 0;
  for (uint64_t v = body; v >= 0x80; v >>= 7) len[n++] = (uint8_t)(v | 0x80);
  len[n] = (uint8_t)(body >> (7 * n));
  n++;
  if (!interop_buf_reserve(b, n - 1)) return;
  memmove(b->data + at + n, b->data + at + 1, body);
  memcpy(b->data + at, len, n);
  b->len += n - 1;
}

static void end(pb_writer *w, size_t at) {
  finish_length(w->out, at);
  w->depth--;
}

/* A scalar or enum value, without its key. */
static int write_scalar(pb_writer *w, const interop_type *t, const void *v) {
  interop_buf *b = w->out;
  int rc;
  switch (t->kind) {
    case INTEROP_KIND_BOOL: interop_buf_byte(b, *(const bool *)v ? 1 : 0); return INTEROP_OK;
    case INTEROP_KIND_ENUM: put_varint(b, (uint64_t)(int64_t) * (const int32_t *)v); return INTEROP_OK;
    case INTEROP_KIND_F32: {
      float f = *(const float *)v;
      uint32_t bits = 0x7fc00000u;
      if (!isnan(f)) memcpy(&bits, &f, 4);
      put_le(b, bits, 4);
      return INTEROP_OK;
    }
    case INTEROP_KIND_F64: {
      double d = *(const double *)v;
      uint64_t bits = 0x7ff8000000000000ull;
      if (!isnan(d)) memcpy(&bits, &d, 8);
      put_le(b, bits, 8);
      return INTEROP_OK;
    }
    case INTEROP_KIND_STRING: {
      const interop_str *s = v;
      if ((rc = interop_check_string(s, w->err))) return rc;
      put_varint(b, s->len);
      interop_buf_put(b, s->ptr, s->len);
      return INTEROP_OK;
    }
    case INTEROP_KIND_BYTES: {
      const interop_bytes *by = v;
      if ((rc = interop_check_container(by->ptr, by->len, "bytes", w->err))) return rc;
      put_varint(b, by->len);
      interop_buf_put(b, by->ptr, by->len);
      return INTEROP_OK;
    }
    default:
      if (interop_kind_is_signed(t->kind)) {
        int64_t s = interop_get_signed(t->kind, v);
        put_varint(b, ((uint64_t)s << 1) ^ (uint64_t)(s >> 63)); /* zigzag */
      } else {
        put_varint(b, interop_get_unsigned(t->kind, v));
      }
      return INTEROP_OK;
  }
}

static int write_field(pb_writer *w, const interop_type *t, uint32_t n, const void *v);
static int write_message(pb_writer *w, const interop_type *t, const void *v);

/* One occurrence of field n: a scalar after its key, else a message (the type's own, or the
 * wrapper of a list, map or optional, whose field 1 the value is). */
static int write_single(pb_writer *w, const interop_type *t, uint32_t n, const void *v) {
  int wt = pb_wire_type(t);
  if (wt != PB_NONE) {
    put_key(w->out, n, wt);
    return write_scalar(w, t, v);
  }
  size_t at;
  int rc;
  put_key(w->out, n, PB_LEN);
  if ((rc = begin(w, &at))) return rc;
  rc = pb_is_message(t) ? write_message(w, t, v) : write_field(w, t, 1, v);
  end(w, at);
  return rc;
}

static int write_list(pb_writer *w, const interop_type *t, uint32_t n, const interop_list *l) {
  int rc;
  if ((rc = interop_check_container(l->items, l->len, "list", w->err))) return rc;
  const interop_type *e = t->elem;
  const char *items = l->items;
  if (pb_packable(e)) {
    if (l->len == 0) return INTEROP_OK;
    put_key(w->out, n, PB_LEN);
    size_t at = w->out->len;
    interop_buf_byte(w->out, 0);
    for (size_t i = 0; i < l->len; i++) write_scalar(w, e, items + i * e->size);
    finish_length(w->out, at);
    return INTEROP_OK;
  }
  for (size_t i = 0; i < l->len; i++) {
    if ((rc = write_single(w, e, n, items + i * e->size))) {
      interop_path_index(&w->path, i);
      return rc;
    }
  }
  return INTEROP_OK;
}

static int write_map(pb_writer *w, const interop_type *t, uint32_t n, const interop_map *m) {
  int rc;
  if ((rc = interop_check_container(m->keys, m->len, "map", w->err)) ||
      (rc = interop_check_container(m->values, m->len, "map", w->err)))
    return rc;
  size_t *order;
  if ((rc = interop_map_order(t, m, &order, w->err))) return rc;
  for (size_t i = 0; i < m->len && rc == INTEROP_OK; i++) {
    size_t j = order ? order[i] : i, at;
    put_key(w->out, n, PB_LEN);
    if ((rc = begin(w, &at)) == INTEROP_OK) {
      rc = write_single(w, t->key, 1, (const char *)m->keys + j * t->key->size);
      if (rc == INTEROP_OK) rc = write_single(w, t->elem, 2, (const char *)m->values + j * t->elem->size);
      end(w, at);
    }
    if (rc != INTEROP_OK) interop_path_index(&w->path, j);
  }
  free(order);
  return rc;
}

/* Everything field n of a message holds for value v: nothing for an absent optional or an empty
 * list, one packed field, one field per element or map entry, or a single. */
static int write_field(pb_writer *w, const interop_type *t, uint32_t n, const void *v) {
  switch (t->kind) {
    case INTEROP_KIND_OPTIONAL: {
      const void *inner = interop_optional_value(t, v);
      return inner == NULL ? INTEROP_OK : write_single(w, t->elem, n, inner);
    }
    case INTEROP_KIND_LIST: return write_list(w, t, n, v);
    case INTEROP_KIND_MAP: return write_map(w, t, n, v);
    default: return write_single(w, t, n, v);
  }
}

/* The fields of a struct, or the one field of a union's case (a unit case: an empty message). */
static int write_message(pb_writer *w, const interop_type *t, const void *v) {
  int rc;
  if (t->kind == INTEROP_KIND_UNION) {
    const interop_field *c = interop_union_case(t, v, w->err);
    if (c == NULL) return INTEROP_INVALID_ARGUMENT;
    if (c->type != NULL) {
      if ((rc = write_single(w, c->type, c->id, CAT(v, c->offset)))) interop_path_field(&w->path, c->name);
      return rc;
    }
    size_t at;
    put_key(w->out, c->id, PB_LEN);
    if ((rc = begin(w, &at))) return rc;
    end(w, at);
    return INTEROP_OK;
  }
  for (uint32_t i = 0; i < t->count; i++) {
    const interop_field *f = &t->fields[i];
    if ((rc = write_field(w, f->type, f->id, CAT(v, f->offset)))) {
      interop_path_field(&w->path, f->name);
      return rc;
    }
  }
  return INTEROP_OK;
}

int interop_protobuf_encode(const interop_type *t, const void *v, uint32_t max_depth, interop_buf *out,
                            interop_error *err) {
  pb_writer w = {out, max_depth, 0, {{0}, 0}, err};
  interop_path_init(&w.path);
  /* A struct or union payload is its message; any other value is field 1 of a wrapper. */
  int rc = pb_is_message(t) ? write_message(&w, t, v) : write_field(&w, t, 1, v);
  if (rc != INTEROP_OK) interop_path_apply(&w.path, err);
  return rc;
}
