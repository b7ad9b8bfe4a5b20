/* Canonical msgpack (docs/wire.md §3.2): the smallest format for every integer, length and count;
 * f32 always float32 and f64 always float64 with one quiet NaN; structs keyed by field id in
 * ascending order; map entries sorted by key. Values are checked as they are written (check.c). */
#include <math.h>
#include <stdlib.h>
#include "internal.h"

typedef interop_mp_writer writer;

static void be(interop_buf *b, uint8_t head, uint64_t v, int bytes) {
  uint8_t tmp[9];
  tmp[0] = head;
  for (int i = 0; i < bytes; i++) tmp[1 + i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
  interop_buf_put(b, tmp, (size_t)bytes + 1);
}

void interop_mp_put_uint(interop_buf *b, uint64_t v) {
  if (v < 0x80) interop_buf_byte(b, (uint8_t)v);
  else if (v <= 0xff) be(b, 0xcc, v, 1);
  else if (v <= 0xffff) be(b, 0xcd, v, 2);
  else if (v <= 0xffffffffu) be(b, 0xce, v, 4);
  else be(b, 0xcf, v, 8);
}

void interop_mp_put_int(interop_buf *b, int64_t v) {
  if (v >= 0) interop_mp_put_uint(b, (uint64_t)v);
  else if (v >= -32) interop_buf_byte(b, (uint8_t)(int8_t)v);
  else if (v >= INT8_MIN) be(b, 0xd0, (uint64_t)v, 1);
  else if (v >= INT16_MIN) be(b, 0xd1, (uint64_t)v, 2);
  else if (v >= INT32_MIN) be(b, 0xd2, (uint64_t)v, 4);
  else be(b, 0xd3, (uint64_t)v, 8);
}

/* fix form below 16 (maps, arrays) or 32 (strings), then 8/16/32-bit lengths. */
static void put_len(interop_buf *b, size_t n, uint8_t fix, size_t fix_max, uint8_t h8, uint8_t h16, uint8_t h32) {
  if (fix != 0 && n <= fix_max) interop_buf_byte(b, (uint8_t)(fix | n));
  else if (h8 != 0 && n <= 0xff) be(b, h8, n, 1);
  else if (n <= 0xffff) be(b, h16, n, 2);
  else be(b, h32, n, 4);
}

static int write_value(writer *w, const interop_type *t, const void *v);

static int enter(writer *w) {
  if (++w->depth > w->max_depth)
    return interop_error_set(w->err, INTEROP_RESOURCE_EXHAUSTED, "nesting deeper than max_depth %u", w->max_depth);
  return INTEROP_OK;
}

static bool too_long(writer *w, size_t n) {
  if (n <= 0xffffffffu) return false;
  interop_error_set(w->err, INTEROP_RESOURCE_EXHAUSTED, "%zu elements do not fit a msgpack length", n);
  return true;
}

static int write_items(writer *w, const interop_type *t, const char *items, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int rc = write_value(w, t, items + i * t->size);
    if (rc != INTEROP_OK) {
      interop_path_index(&w->path, i);
      return rc;
    }
  }
  return INTEROP_OK;
}

static int write_map(writer *w, const interop_type *t, const interop_map *m) {
  int rc;
  if ((rc = interop_check_container(m->keys, m->len, "map", w->err)) ||
      (rc = interop_check_container(m->values, m->len, "map", w->err)))
    return rc;
  if (too_long(w, m->len)) return INTEROP_RESOURCE_EXHAUSTED;
  size_t *order;
  if ((rc = interop_map_order(t, m, &order, w->err))) return rc;
  put_len(w->out, m->len, 0x80, 15, 0, 0xde, 0xdf);
  size_t ks = t->key->size, vs = t->elem->size;
  for (size_t i = 0; i < m->len && rc == INTEROP_OK; i++) {
    size_t j = order ? order[i] : i;
    rc = write_value(w, t->key, (const char *)m->keys + j * ks);
    if (rc == INTEROP_OK) rc = write_value(w, t->elem, (const char *)m->values + j * vs);
    if (rc != INTEROP_OK) interop_path_index(&w->path, j);
  }
  free(order);
  return rc;
}

static int write_struct(writer *w, const interop_type *t, const void *v) {
  uint32_t present = 0;
  for (uint32_t i = 0; i < t->count; i++) {
    const interop_field *f = &t->fields[i];
    if (f->type->kind != INTEROP_KIND_OPTIONAL || interop_optional_value(f->type, CAT(v, f->offset))) present++;
  }
  put_len(w->out, present, 0x80, 15, 0, 0xde, 0xdf);
  for (uint32_t i = 0; i < t->count; i++) {
    const interop_field *f = &t->fields[i];
    const void *fv = CAT(v, f->offset);
    if (f->type->kind == INTEROP_KIND_OPTIONAL && !interop_optional_value(f->type, fv)) continue;
    interop_mp_put_uint(w->out, f->id);
    int rc = write_value(w, f->type, fv);
    if (rc != INTEROP_OK) {
      interop_path_field(&w->path, f->name);
      return rc;
    }
  }
  return INTEROP_OK;
}

static int write_value(writer *w, const interop_type *t, const void *v) {
  interop_buf *b = w->out;
  int rc = INTEROP_OK;
  switch (t->kind) {
    case INTEROP_KIND_BOOL: interop_mp_put_bool(b, *(const bool *)v); return INTEROP_OK;
    case INTEROP_KIND_I8: case INTEROP_KIND_I16: case INTEROP_KIND_I32: case INTEROP_KIND_I64:
    case INTEROP_KIND_ENUM:
      interop_mp_put_int(b, interop_get_signed(t->kind, v));
      return INTEROP_OK;
    case INTEROP_KIND_U8: case INTEROP_KIND_U16: case INTEROP_KIND_U32: case INTEROP_KIND_U64:
      interop_mp_put_uint(b, interop_get_unsigned(t->kind, v));
      return INTEROP_OK;
    case INTEROP_KIND_F32: interop_mp_put_f32(b, *(const float *)v); return INTEROP_OK;
    case INTEROP_KIND_F64: interop_mp_put_f64(b, *(const double *)v); return INTEROP_OK;
    case INTEROP_KIND_STRING: {
      const interop_str *str = v;
      return interop_mp_put_str(w, str->ptr, str->len);
    }
    case INTEROP_KIND_BYTES: {
      const interop_bytes *by = v;
      if ((rc = interop_check_container(by->ptr, by->len, "bytes", w->err))) return rc;
      return interop_mp_put_bin(w, by->ptr, by->len);
    }
    case INTEROP_KIND_OPTIONAL: {
      const void *inner = interop_optional_value(t, v);
      if (inner == NULL) {
        interop_mp_put_nil(b);
        return INTEROP_OK;
      }
      return write_value(w, t->elem, inner);
    }
    case INTEROP_KIND_LIST: {
      const interop_list *l = v;
      if ((rc = interop_check_container(l->items, l->len, "list", w->err)) || (rc = interop_mp_begin_list(w, l->len)))
        return rc;
      rc = write_items(w, t->elem, l->items, l->len);
      break;
    }
    case INTEROP_KIND_MAP:
      if ((rc = enter(w))) return rc;
      rc = write_map(w, t, v);
      break;
    case INTEROP_KIND_STRUCT:
      if ((rc = enter(w))) return rc;
      rc = write_struct(w, t, v);
      break;
    case INTEROP_KIND_UNION: {
      const interop_field *c = interop_union_case(t, v, w->err);
      if (c == NULL) return INTEROP_INVALID_ARGUMENT;
      if ((rc = interop_mp_begin_union(w, c->id))) return rc;
      if (c->type == NULL) interop_mp_put_nil(b);
      else if ((rc = write_value(w, c->type, CAT(v, c->offset)))) interop_path_field(&w->path, c->name);
      break;
    }
    default: return interop_error_set(w->err, INTEROP_INTERNAL, "bad type descriptor (kind %u)", t->kind);
  }
  w->depth--;
  return rc;
}

/* ---- the public pieces (interop/msgpack.h) ---- */

void interop_mp_put_nil(interop_buf *b) { interop_buf_byte(b, 0xc0); }
void interop_mp_put_bool(interop_buf *b, bool v) { interop_buf_byte(b, v ? 0xc3 : 0xc2); }

void interop_mp_put_f32(interop_buf *b, float f) {
  uint32_t bits;
  if (isnan(f)) bits = 0x7fc00000u;
  else memcpy(&bits, &f, 4);
  be(b, 0xca, bits, 4);
}

void interop_mp_put_f64(interop_buf *b, double d) {
  uint64_t bits;
  if (isnan(d)) bits = 0x7ff8000000000000ull;
  else memcpy(&bits, &d, 8);
  be(b, 0xcb, bits, 8);
}

int interop_mp_put_str(writer *w, const char *p, size_t n) {
  interop_str s = {p, n};
  int rc;
  if ((rc = interop_check_string(&s, w->err))) return rc;
  if (too_long(w, n)) return INTEROP_RESOURCE_EXHAUSTED;
  put_len(w->out, n, 0xa0, 31, 0xd9, 0xda, 0xdb);
  interop_buf_put(w->out, p, n);
  return INTEROP_OK;
}

int interop_mp_put_bin(writer *w, const uint8_t *p, size_t n) {
  if (too_long(w, n)) return INTEROP_RESOURCE_EXHAUSTED;
  put_len(w->out, n, 0, 0, 0xc4, 0xc5, 0xc6);
  interop_buf_put(w->out, p, n);
  return INTEROP_OK;
}

int interop_mp_begin_list(writer *w, size_t n) {
  int rc;
  if ((rc = enter(w))) return rc;
  if (too_long(w, n)) return INTEROP_RESOURCE_EXHAUSTED;
  put_len(w->out, n, 0x90, 15, 0, 0xdc, 0xdd);
  return INTEROP_OK;
}

int interop_mp_begin_map(writer *w, size_t n) {
  int rc;
  if ((rc = enter(w))) return rc;
  if (too_long(w, n)) return INTEROP_RESOURCE_EXHAUSTED;
  put_len(w->out, n, 0x80, 15, 0, 0xde, 0xdf);
  return INTEROP_OK;
}

int interop_mp_begin_struct(writer *w, size_t n) { return interop_mp_begin_map(w, n); }

int interop_mp_begin_union(writer *w, uint32_t case_id) {
  int rc;
  if ((rc = enter(w))) return rc;
  interop_buf_byte(w->out, 0x81);
  interop_mp_put_uint(w->out, case_id);
  return INTEROP_OK;
}

void interop_mp_end(writer *w) { w->depth--; }

void interop_mp_writer_init(writer *w, interop_buf *out, uint32_t max_depth, interop_error *err) {
  *w = (writer){out, max_depth, 0, {{0}, 0}, err};
  interop_path_init(&w->path);
}

int interop_mp_writer_done(writer *w, int rc) {
  if (rc != INTEROP_OK) interop_path_apply(&w->path, w->err);
  return rc;
}

int interop_msgpack_encode(const interop_type *t, const void *v, uint32_t max_depth, interop_buf *out,
                           interop_error *err) {
  writer w;
  interop_mp_writer_init(&w, out, max_depth, err);
  return interop_mp_writer_done(&w, write_value(&w, t, v));
}
