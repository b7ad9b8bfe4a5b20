/* JSON decoding driven by the type descriptor (docs/wire.md §3.1): any valid JSON of the right
 * shape, i64/u64 as decimal strings or integral numbers, every map key spelling rule, unknown
 * struct keys skipped but checked, no object holding a key twice. */
#include <math.h>
#include "json_read.h"

static int read_value(js_reader *r, const interop_type *t, void *out);

/* An integer as sign and magnitude. */
typedef struct js_int {
  bool negative;
  uint64_t mag;
} js_int;

/* Parses "-?(0|[1-9][0-9]*)" exactly; false on another spelling or past 2^64 - 1. */
static bool parse_decimal(const char *s, size_t n, js_int *v) {
  size_t i = 0;
  v->negative = n > 0 && s[0] == '-';
  if (v->negative) i++;
  if (i >= n || (s[i] == '0' && n - i > 1)) return false;
  uint64_t m = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    unsigned d = (unsigned)(s[i] - '0');
    if (m > (UINT64_MAX - d) / 10) return false;
    m = m * 10 + d;
  }
  v->mag = m;
  return true;
}

static int out_of_range(js_reader *r, const interop_type *t, const char *text, size_t len) {
  return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "%s out of range: %.*s", interop_kind_name(t->kind),
                           (int)(len > 40 ? 40 : len), text);
}

/* Stores an integer into an integer kind after a range check ("-0" is 0 for every type). */
static int store_int(js_reader *r, const interop_type *t, void *out, js_int v, const char *text, size_t len) {
  int64_t min;
  uint64_t max;
  interop_int_range(t->kind, &min, &max);
  if (v.negative && v.mag != 0) {
    /* -(min + 1) is the largest magnitude below -1 the type holds; none for unsigned types. */
    if (min == 0 || v.mag - 1 > (uint64_t)(-(min + 1))) return out_of_range(r, t, text, len);
    interop_put_int(t->kind, out, -(int64_t)(v.mag - 1) - 1);
    return INTEROP_OK;
  }
  if (v.mag > max) return out_of_range(r, t, text, len);
  if (interop_kind_is_signed(t->kind)) interop_put_int(t->kind, out, (int64_t)v.mag);
  else interop_put_uint(t->kind, out, v.mag);
  return INTEROP_OK;
}

/* A JSON number holding an integer: exact when spelled as one, else through its double value
 * (`1.0` and `1e2` are integers; for i64/u64 only within ±(2^53 - 1), as runtime-ts reads them). */
static int read_int_number(js_reader *r, const interop_type *t, void *out, bool wide) {
  const char *text;
  size_t len;
  bool integral;
  int rc = js_number(r, &text, &len, &integral);
  if (rc) return rc;
  js_int v;
  if (integral) {
    if (!parse_decimal(text, len, &v)) return out_of_range(r, t, text, len);
    return store_int(r, t, out, v, text, len);
  }
  double d = interop_parse_double(text, len);
  bool whole = isfinite(d) && d == floor(d);
  if (!whole || (wide && fabs(d) > 9007199254740991.0) || fabs(d) >= 18446744073709551616.0) {
    if (!whole || wide)
      return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "expected %s, got %.*s", interop_kind_name(t->kind),
                               (int)(len > 40 ? 40 : len), text);
    return out_of_range(r, t, text, len);
  }
  v.negative = d < 0;
  v.mag = (uint64_t)fabs(d);
  return store_int(r, t, out, v, text, len);
}

static int read_integer(js_reader *r, const interop_type *t, void *out) {
  int c = js_peek(r);
  bool wide = t->kind == INTEROP_KIND_I64 || t->kind == INTEROP_KIND_U64;
  if (c == '-' || (c >= '0' && c <= '9')) return read_int_number(r, t, out, wide);
  if (c == '"' && wide) {
    interop_str s;
    int rc = js_string(r, &s);
    if (rc) return rc;
    js_int v;
    if (!parse_decimal(s.ptr, s.len, &v)) {
      bool spelled = s.len > 0 && (s.ptr[0] == '-' || (s.ptr[0] >= '0' && s.ptr[0] <= '9'));
      size_t digits = 0;
      while (digits < s.len && s.ptr[digits] >= '0' && s.ptr[digits] <= '9') digits++;
      /* Digits only but past 2^64: out of range, like any other too-large value. */
      if (spelled && digits == s.len && s.len > 1 && s.ptr[0] != '0') return out_of_range(r, t, s.ptr, s.len);
      return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "expected %s as a decimal string, got \"%.*s\"",
                               interop_kind_name(t->kind), (int)(s.len > 40 ? 40 : s.len), s.ptr);
    }
    return store_int(r, t, out, v, s.ptr, s.len);
  }
  return js_unexpected(r, interop_kind_name(t->kind));
}

static int read_float(js_reader *r, const interop_type *t, void *out) {
  int c = js_peek(r);
  double d;
  if (c == '-' || (c >= '0' && c <= '9')) {
    const char *text;
    size_t len;
    bool integral;
    int rc = js_number(r, &text, &len, &integral);
    if (rc) return rc;
    d = interop_parse_double(text, len);
  } else if (c == '"') {
    interop_str s;
    int rc = js_string(r, &s);
    if (rc) return rc;
    if (s.len == 3 && memcmp(s.ptr, "NaN", 3) == 0) d = NAN;
    else if (s.len == 8 && memcmp(s.ptr, "Infinity", 8) == 0) d = INFINITY;
    else if (s.len == 9 && memcmp(s.ptr, "-Infinity", 9) == 0) d = -INFINITY;
    else
      return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT,
                               "expected a number, \"NaN\", \"Infinity\" or \"-Infinity\", got \"%.*s\"",
                               (int)(s.len > 40 ? 40 : s.len), s.ptr);
  } else {
    return js_unexpected(r, "number");
  }
  if (t->kind == INTEROP_KIND_F32) *(float *)out = (float)d;
  else *(double *)out = d;
  return INTEROP_OK;
}

static int read_bytes(js_reader *r, interop_bytes *out) {
  if (js_peek(r) != '"') return js_unexpected(r, "base64 string");
  const uint8_t *start = ++r->p, *p = start;
  while (p < r->end && *p != '"') p++;
  if (p >= r->end) return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "unterminated string");
  r->p = p + 1;
  if (!interop_base64_decode(start, (size_t)(p - start), r->arena, out))
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "invalid base64");
  return INTEROP_OK;
}

static const interop_enum_member *member_by_name(const interop_type *t, const interop_str *name) {
  for (uint32_t i = 0; i < t->count; i++) {
    const char *m = t->members[i].name;
    if (strlen(m) == name->len && memcmp(m, name->ptr, name->len) == 0) return &t->members[i];
  }
  return NULL;
}

static int read_enum(js_reader *r, const interop_type *t, int32_t *out) {
  if (js_peek(r) != '"') return read_integer(r, t, out); /* an unknown value, kept */
  interop_str s;
  int rc = js_string(r, &s);
  if (rc) return rc;
  const interop_enum_member *m = member_by_name(t, &s);
  if (m == NULL)
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "unknown %s member \"%.*s\"", t->name,
                             (int)(s.len > 40 ? 40 : s.len), s.ptr);
  *out = m->value;
  return INTEROP_OK;
}

/* A map key from its JSON text: strings as they are, integers in decimal, enums by name or number. */
static int read_key(js_reader *r, const interop_type *t, const interop_str *k, void *out) {
  if (t->kind == INTEROP_KIND_STRING) {
    *(interop_str *)out = *k;
    return INTEROP_OK;
  }
  if (t->kind == INTEROP_KIND_ENUM) {
    const interop_enum_member *m = member_by_name(t, k);
    if (m != NULL) {
      *(int32_t *)out = m->value;
      return INTEROP_OK;
    }
  }
  js_int v;
  if (!parse_decimal(k->ptr, k->len, &v))
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "map key \"%.*s\" is not a %s",
                             (int)(k->len > 40 ? 40 : k->len), k->ptr,
                             t->kind == INTEROP_KIND_ENUM ? "member name or integer" : "decimal integer");
  return store_int(r, t, out, v, k->ptr, k->len);
}

static int read_list(js_reader *r, const interop_type *t, interop_list *out) {
  int rc, more;
  bool first = true;
  if ((rc = js_begin(r, '[', "array"))) return rc;
  size_t n = 0, cap = 0, es = t->elem->size;
  char *items = NULL;
  for (;;) {
    if ((rc = js_next_item(r, &first, &more))) return rc;
    if (!more) break;
    if (n == cap) { /* grow in the arena: the count is not known up front */
      cap = cap == 0 ? 4 : cap * 2;
      char *bigger = interop_arena_alloc(r->arena, cap * es, t->elem->align);
      if (bigger == NULL) return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
      if (n > 0) memcpy(bigger, items, n * es);
      items = bigger;
    }
    if ((rc = read_value(r, t->elem, items + n * es))) {
      interop_path_index(&r->path, n);
      return rc;
    }
    n++;
  }
  out->items = items;
  out->len = n;
  return INTEROP_OK;
}

static int read_map(js_reader *r, const interop_type *t, interop_map *out) {
  int rc, more;
  bool first = true;
  if ((rc = js_begin(r, '{', "object"))) return rc;
  size_t n = 0, cap = 0, ks = t->key->size, vs = t->elem->size;
  char *keys = NULL, *values = NULL;
  for (;;) {
    interop_str k;
    if ((rc = js_next_key(r, &first, &k, &more))) return rc;
    if (!more) break;
    if (n == cap) {
      cap = cap == 0 ? 4 : cap * 2;
      char *nk = interop_arena_alloc(r->arena, cap * ks, t->key->align);
      char *nv = interop_arena_alloc(r->arena, cap * vs, t->elem->align);
      if (nk == NULL || nv == NULL) return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
      if (n > 0) memcpy(nk, keys, n * ks), memcpy(nv, values, n * vs);
      keys = nk, values = nv;
    }
    if ((rc = read_key(r, t->key, &k, keys + n * ks)) || (rc = read_value(r, t->elem, values + n * vs))) {
      interop_path_field(&r->path, k.ptr);
      return rc;
    }
    n++;
  }
  *out = (interop_map){keys, values, n};
  return interop_map_sort(t, out, r->arena, NULL, r->err);
}

static const interop_field *field_by_name(const interop_type *t, const interop_str *name) {
  for (uint32_t i = 0; i < t->count; i++) {
    const char *f = t->fields[i].name;
    if (strlen(f) == name->len && memcmp(f, name->ptr, name->len) == 0) return &t->fields[i];
  }
  return NULL;
}

static int read_struct(js_reader *r, const interop_type *t, void *out) {
  int rc, more;
  bool first = true;
  if ((rc = js_begin(r, '{', t->name))) return rc;
  bool seen_small[64] = {false};
  bool *seen = t->count <= 64 ? seen_small : interop_arena_alloc(r->arena, t->count, 1);
  if (seen == NULL) return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  interop_str *unknown = NULL;
  size_t unknown_n = 0, unknown_cap = 0;
  for (;;) {
    interop_str k;
    if ((rc = js_next_key(r, &first, &k, &more))) return rc;
    if (!more) break;
    const interop_field *f = field_by_name(t, &k);
    if (f == NULL) {
      if (unknown_n == unknown_cap) {
        unknown_cap = unknown_cap == 0 ? 8 : unknown_cap * 2;
        interop_str *bigger = interop_arena_alloc(r->arena, unknown_cap * sizeof *bigger, _Alignof(interop_str));
        if (bigger == NULL) return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
        if (unknown_n > 0) memcpy(bigger, unknown, unknown_n * sizeof *bigger);
        unknown = bigger;
      }
      unknown[unknown_n++] = k;
      if ((rc = js_skip(r))) return rc;
      continue;
    }
    size_t fi = (size_t)(f - t->fields);
    if (seen[fi]) return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "key \"%s\" given twice", f->name);
    seen[fi] = true;
    if ((rc = read_value(r, f->type, AT(out, f->offset)))) {
      interop_path_field(&r->path, f->name);
      return rc;
    }
  }
  if ((rc = js_check_distinct(r, unknown, unknown_n))) return rc;
  return interop_fill_missing(t, out, seen, r->arena, r->err);
}

static int read_union(js_reader *r, const interop_type *t, void *out) {
  int rc, more;
  bool first = true;
  interop_str k;
  if ((rc = js_begin(r, '{', t->name)) || (rc = js_next_key(r, &first, &k, &more))) return rc;
  if (!more) return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "%s: a union holds exactly one case, got none", t->name);
  const interop_field *c = field_by_name(t, &k);
  if (c == NULL)
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "%s: unknown union case \"%.*s\"", t->name,
                             (int)(k.len > 40 ? 40 : k.len), k.ptr);
  if (c->type == NULL) {
    if (js_peek(r) != 'n') return js_unexpected(r, "null (a unit case)");
    if ((rc = js_literal(r, "null"))) return rc;
  } else if ((rc = read_value(r, c->type, AT(out, c->offset)))) {
    interop_path_field(&r->path, c->name);
    return rc;
  }
  if ((rc = js_next_key(r, &first, &k, &more))) return rc;
  if (more) return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "%s: a union holds exactly one case", t->name);
  *(uint32_t *)out = c->id;
  return INTEROP_OK;
}

static int read_optional(js_reader *r, const interop_type *t, void *out) {
  if (js_peek(r) == 'n') return js_literal(r, "null"); /* absent: already zero */
  if (t->flags & INTEROP_TYPE_BY_POINTER) {
    void *inner = interop_arena_alloc(r->arena, t->elem->size, t->elem->align);
    if (inner == NULL) return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
    *(void **)out = inner;
    return read_value(r, t->elem, inner);
  }
  *(bool *)out = true;
  return read_value(r, t->elem, AT(out, t->value_offset));
}

static int read_value(js_reader *r, const interop_type *t, void *out) {
  switch (t->kind) {
    case INTEROP_KIND_BOOL: {
      int c = js_peek(r);
      if (c != 't' && c != 'f') return js_unexpected(r, "bool");
      *(bool *)out = c == 't';
      return js_literal(r, c == 't' ? "true" : "false");
    }
    case INTEROP_KIND_F32: case INTEROP_KIND_F64: return read_float(r, t, out);
    case INTEROP_KIND_STRING: return js_string(r, out);
    case INTEROP_KIND_BYTES: return read_bytes(r, out);
    case INTEROP_KIND_ENUM: return read_enum(r, t, out);
    case INTEROP_KIND_OPTIONAL: return read_optional(r, t, out);
    case INTEROP_KIND_LIST: return read_list(r, t, out);
    case INTEROP_KIND_MAP: return read_map(r, t, out);
    case INTEROP_KIND_STRUCT: return read_struct(r, t, out);
    case INTEROP_KIND_UNION: return read_union(r, t, out);
    default:
      if (interop_kind_is_int(t->kind)) return read_integer(r, t, out);
      return interop_error_set(r->err, INTEROP_INTERNAL, "bad type descriptor (kind %u)", t->kind);
  }
}

int interop_json_decode(const interop_type *t, const uint8_t *p, size_t n, uint32_t max_depth,
                        interop_arena *a, void *out, interop_error *err) {
  js_reader r = {p, p + n, max_depth, 0, a, {{0}, 0}, err};
  interop_path_init(&r.path);
  int rc = read_value(&r, t, out);
  if (rc == INTEROP_OK && js_peek(&r) != -1)
    rc = interop_error_set(err, INTEROP_INVALID_ARGUMENT, "unexpected data after the value");
  if (rc != INTEROP_OK) interop_path_apply(&r.path, err);
  return rc;
}
