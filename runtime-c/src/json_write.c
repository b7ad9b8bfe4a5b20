/* Canonical JSON (docs/wire.md §3.1): no whitespace; i64/u64 as decimal strings; floats as
 * ECMAScript prints them, NaN and infinities as strings; only the escapes the table lists; bytes
 * as padded base64; enums by name (unknown values as numbers); structs keyed by IDL name in
 * field-id order; map entries sorted by key. Values are checked as they are written (check.c). */
#include <math.h>
#include <stdlib.h>
#include "internal.h"

typedef struct writer {
  interop_buf *out;
  uint32_t max_depth;
  uint32_t depth;
  interop_path path;
  interop_error *err;
} writer;

static const char HEX[] = "0123456789abcdef";

void interop_json_put_string(interop_buf *b, const char *s, size_t n) {
  interop_buf_byte(b, '"');
  if (n == 0) { /* an empty string may have no data at all (a NULL pointer) */
    interop_buf_byte(b, '"');
    return;
  }
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = (uint8_t)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    interop_buf_put(b, s + run, i - run);
    run = i + 1;
    char esc[7] = {'\\', 0};
    switch (c) {
      case '"': esc[1] = '"'; break;
      case '\\': esc[1] = '\\'; break;
      case '\b': esc[1] = 'b'; break;
      case '\t': esc[1] = 't'; break;
      case '\n': esc[1] = 'n'; break;
      case '\f': esc[1] = 'f'; break;
      case '\r': esc[1] = 'r'; break;
      default:
        memcpy(esc + 1, "u00", 3);
        esc[4] = HEX[c >> 4];
        esc[5] = HEX[c & 15];
        interop_buf_put(b, esc, 6);
        continue;
    }
    interop_buf_put(b, esc, 2);
  }
  interop_buf_put(b, s + run, n - run);
  interop_buf_byte(b, '"');
}

static void put_decimal(interop_buf *b, const interop_type *t, const void *v, bool quoted) {
  char tmp[24];
  size_t n = interop_kind_is_signed(t->kind) ? interop_format_i64(interop_get_signed(t->kind, v), tmp)
                                             : interop_format_u64(interop_get_unsigned(t->kind, v), tmp);
  if (quoted) interop_buf_byte(b, '"');
  interop_buf_put(b, tmp, n);
  if (quoted) interop_buf_byte(b, '"');
}

static const char *enum_name(const interop_type *t, int32_t v) {
  for (uint32_t i = 0; i < t->count; i++)
    if (t->members[i].value == v) return t->members[i].name;
  return NULL;
}

static void put_float(interop_buf *b, double d, bool f32) {
  if (isnan(d)) return interop_buf_str(b, "\"NaN\"");
  if (isinf(d)) return interop_buf_str(b, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  char tmp[40];
  size_t n = f32 ? interop_format_f32((float)d, tmp) : interop_format_f64(d, tmp);
  interop_buf_put(b, tmp, n);
}

static int write_value(writer *w, const interop_type *t, const void *v);

static int enter(writer *w) {
  if (++w->depth > w->max_depth)
    return interop_error_set(w->err, INTEROP_RESOURCE_EXHAUSTED, "nesting deeper than max_depth %u", w->max_depth);
  return INTEROP_OK;
}

/* A map key: strings as they are, integers as decimal text, enums by name. */
static int write_key(writer *w, const interop_type *t, const void *k) {
  if (t->kind == INTEROP_KIND_STRING) return write_value(w, t, k);
  if (t->kind == INTEROP_KIND_ENUM) {
    const char *name = enum_name(t, *(const int32_t *)k);
    if (name != NULL) {
      interop_json_put_string(w->out, name, strlen(name));
      return INTEROP_OK;
    }
  }
  put_decimal(w->out, t, k, true);
  return INTEROP_OK;
}

static int write_map(writer *w, const interop_type *t, const interop_map *m) {
  int rc;
  if ((rc = interop_check_container(m->keys, m->len, "map", w->err)) ||
      (rc = interop_check_container(m->values, m->len, "map", w->err)))
    return rc;
  size_t *order;
  if ((rc = interop_map_order(t, m, &order, w->err))) return rc;
  interop_buf_byte(w->out, '{');
  size_t ks = t->key->size, vs = t->elem->size;
  for (size_t i = 0; i < m->len && rc == INTEROP_OK; i++) {
    size_t j = order ? order[i] : i;
    if (i > 0) interop_buf_byte(w->out, ',');
    rc = write_key(w, t->key, (const char *)m->keys + j * ks);
    interop_buf_byte(w->out, ':');
    if (rc == INTEROP_OK) rc = write_value(w, t->elem, (const char *)m->values + j * vs);
    if (rc != INTEROP_OK) interop_path_index(&w->path, j);
  }
  free(order);
  interop_buf_byte(w->out, '}');
  return rc;
}

static int write_struct(writer *w, const interop_type *t, const void *v) {
  interop_buf_byte(w->out, '{');
  bool first = true;
  for (uint32_t i = 0; i < t->count; i++) {
    const interop_field *f = &t->fields[i];
    const void *fv = CAT(v, f->offset);
    if (f->type->kind == INTEROP_KIND_OPTIONAL && !interop_optional_value(f->type, fv)) continue;
    if (!first) interop_buf_byte(w->out, ',');
    first = false;
    interop_json_put_string(w->out, f->name, strlen(f->name));
    interop_buf_byte(w->out, ':');
    int rc = write_value(w, f->type, fv);
    if (rc != INTEROP_OK) {
      interop_path_field(&w->path, f->name);
      return rc;
    }
  }
  interop_buf_byte(w->out, '}');
  return INTEROP_OK;
}

static int write_list(writer *w, const interop_type *t, const interop_list *l) {
  interop_buf_byte(w->out, '[');
  for (size_t i = 0; i < l->len; i++) {
    if (i > 0) interop_buf_byte(w->out, ',');
    int rc = write_value(w, t->elem, (const char *)l->items + i * t->elem->size);
    if (rc != INTEROP_OK) {
      interop_path_index(&w->path, i);
      return rc;
    }
  }
  interop_buf_byte(w->out, ']');
  return INTEROP_OK;
}

static int write_value(writer *w, const interop_type *t, const void *v) {
  interop_buf *b = w->out;
  int rc = INTEROP_OK;
  switch (t->kind) {
    case INTEROP_KIND_BOOL: interop_buf_str(b, *(const bool *)v ? "true" : "false"); return INTEROP_OK;
    case INTEROP_KIND_I64: case INTEROP_KIND_U64: put_decimal(b, t, v, true); return INTEROP_OK;
    case INTEROP_KIND_F32: put_float(b, *(const float *)v, true); return INTEROP_OK;
    case INTEROP_KIND_F64: put_float(b, *(const double *)v, false); return INTEROP_OK;
    case INTEROP_KIND_STRING: {
      const interop_str *s = v;
      if ((rc = interop_check_string(s, w->err))) return rc;
      interop_json_put_string(b, s->ptr, s->len);
      return INTEROP_OK;
    }
    case INTEROP_KIND_BYTES: {
      const interop_bytes *by = v;
      if ((rc = interop_check_container(by->ptr, by->len, "bytes", w->err))) return rc;
      interop_buf_byte(b, '"');
      interop_base64_encode(b, by->ptr, by->len);
      interop_buf_byte(b, '"');
      return INTEROP_OK;
    }
    case INTEROP_KIND_ENUM: {
      const char *name = enum_name(t, *(const int32_t *)v);
      if (name != NULL) interop_json_put_string(b, name, strlen(name));
      else put_decimal(b, t, v, false);
      return INTEROP_OK;
    }
    case INTEROP_KIND_OPTIONAL: {
      const void *inner = interop_optional_value(t, v);
      if (inner == NULL) {
        interop_buf_str(b, "null");
        return INTEROP_OK;
      }
      return write_value(w, t->elem, inner);
    }
    case INTEROP_KIND_LIST: {
      const interop_list *l = v;
      if ((rc = interop_check_container(l->items, l->len, "list", w->err)) || (rc = enter(w))) return rc;
      rc = write_list(w, t, l);
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
      if ((rc = enter(w))) return rc;
      const interop_field *c = interop_union_case(t, v, w->err);
      if (c == NULL) return INTEROP_INVALID_ARGUMENT;
      interop_buf_byte(b, '{');
      interop_json_put_string(b, c->name, strlen(c->name));
      interop_buf_byte(b, ':');
      if (c->type == NULL) interop_buf_str(b, "null");
      else if ((rc = write_value(w, c->type, CAT(v, c->offset)))) interop_path_field(&w->path, c->name);
      interop_buf_byte(b, '}');
      break;
    }
    default:
      if (interop_kind_is_int(t->kind)) {
        put_decimal(b, t, v, false);
        return INTEROP_OK;
      }
      return interop_error_set(w->err, INTEROP_INTERNAL, "bad type descriptor (kind %u)", t->kind);
  }
  w->depth--;
  return rc;
}

int interop_json_encode(const interop_type *t, const void *v, uint32_t max_depth, interop_buf *out,
                        interop_error *err) {
  writer w = {out, max_depth, 0, {{0}, 0}, err};
  interop_path_init(&w.path);
  int rc = write_value(&w, t, v);
  if (rc != INTEROP_OK) interop_path_apply(&w.path, err);
  return rc;
}
