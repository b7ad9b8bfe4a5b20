/* msgpack decoding driven by the type descriptor (docs/wire.md §3.2): any format of the right
 * family, every length checked against the bytes left before anything is allocated, depth counted
 * at every array and map, unknown struct fields skipped but checked, keys never given twice. */
#include <math.h>
#include <stdlib.h>
#include "msgpack_read.h"

static int read_value(mp_reader *r, const interop_type *t, void *out);

static int read_integer(mp_reader *r, const interop_type *t, void *out) {
  const char *name = interop_kind_name(t->kind);
  mp_int v;
  int rc = mp_read_int(r, &v, name);
  if (rc) return rc;
  int64_t min;
  uint64_t max;
  interop_int_range(t->kind, &min, &max);
  if (v.negative ? v.s < min : v.u > max) {
    if (v.negative)
      return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "%s out of range: %lld", name, (long long)v.s);
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "%s out of range: %llu", name,
                             (unsigned long long)v.u);
  }
  if (v.negative) interop_put_int(t->kind, out, v.s);
  else if (interop_kind_is_signed(t->kind)) interop_put_int(t->kind, out, (int64_t)v.u);
  else interop_put_uint(t->kind, out, v.u);
  return INTEROP_OK;
}

static int read_float(mp_reader *r, const interop_type *t, void *out) {
  double d;
  int rc = interop_mp_get_f64(r, &d);
  if (rc) return rc;
  if (t->kind == INTEROP_KIND_F32) *(float *)out = (float)d;
  else *(double *)out = d;
  return INTEROP_OK;
}

static int read_text(mp_reader *r, const interop_type *t, void *out) {
  bool str = t->kind == INTEROP_KIND_STRING;
  uint64_t n;
  int rc;
  if ((rc = mp_read_len(r, str ? 's' : 'b', &n, str ? "string" : "bytes")) ||
      (rc = mp_claim(r, n, n, str ? "string of length" : "bytes of length")))
    return rc;
  if (str && !interop_utf8_valid(r->p, (size_t)n))
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "string is not valid UTF-8");
  char *copy = interop_arena_strndup(r->arena, (const char *)r->p, (size_t)n);
  if (copy == NULL) return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  r->p += n;
  if (str) *(interop_str *)out = (interop_str){copy, (size_t)n};
  else *(interop_bytes *)out = (interop_bytes){(const uint8_t *)copy, (size_t)n};
  return INTEROP_OK;
}

static void *alloc_items(mp_reader *r, const interop_type *t, uint64_t n) {
  if (n == 0) return NULL;
  void *p = interop_arena_alloc(r->arena, (size_t)n * t->size, t->align);
  if (p == NULL) interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  return p;
}

static int read_list(mp_reader *r, const interop_type *t, interop_list *out) {
  uint64_t n;
  int rc;
  if ((rc = mp_read_len(r, 'a', &n, "array")) || (rc = mp_claim(r, n, n, "array of length")) ||
      (rc = mp_enter(r)))
    return rc;
  char *items = alloc_items(r, t->elem, n);
  if (n > 0 && items == NULL) return INTEROP_RESOURCE_EXHAUSTED;
  for (uint64_t i = 0; i < n; i++) {
    if ((rc = read_value(r, t->elem, items + i * t->elem->size))) {
      interop_path_index(&r->path, (size_t)i);
      return rc;
    }
  }
  out->items = items;
  out->len = (size_t)n;
  r->depth--;
  return INTEROP_OK;
}

static int read_map(mp_reader *r, const interop_type *t, interop_map *out) {
  uint64_t n;
  int rc;
  if ((rc = mp_read_len(r, 'm', &n, "map")) || (rc = mp_claim(r, 2 * n, n, "map of size")) || (rc = mp_enter(r)))
    return rc;
  char *keys = alloc_items(r, t->key, n), *values = alloc_items(r, t->elem, n);
  if (n > 0 && (keys == NULL || values == NULL)) return INTEROP_RESOURCE_EXHAUSTED;
  for (uint64_t i = 0; i < n; i++) {
    if ((rc = read_value(r, t->key, keys + i * t->key->size)) ||
        (rc = read_value(r, t->elem, values + i * t->elem->size))) {
      interop_path_index(&r->path, (size_t)i);
      return rc;
    }
  }
  *out = (interop_map){keys, values, (size_t)n};
  r->depth--;
  return interop_map_sort(t, out, r->arena, NULL, r->err);
}

static const interop_field *field_by_id(const interop_type *t, uint64_t id) {
  size_t lo = 0, hi = t->count;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (t->fields[mid].id == id) return &t->fields[mid];
    if (t->fields[mid].id < id) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}

static int read_struct(mp_reader *r, const interop_type *t, void *out) {
  uint64_t n;
  int rc;
  if ((rc = mp_read_len(r, 'm', &n, t->name)) || (rc = mp_claim(r, 2 * n, n, "map of size")) || (rc = mp_enter(r)))
    return rc;
  bool seen_small[64] = {false};
  bool *seen = t->count <= 64 ? seen_small : interop_arena_alloc(r->arena, t->count, 1);
  uint64_t *unknown = NULL;
  size_t unknown_n = 0;
  if (seen == NULL) return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  for (uint64_t i = 0; i < n; i++) {
    mp_int id;
    if ((rc = mp_read_int(r, &id, "a field id"))) return rc;
    if (id.negative || id.u > UINT32_MAX)
      return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "field id out of range");
    const interop_field *f = field_by_id(t, id.u);
    if (f == NULL) {
      if (unknown == NULL && (unknown = interop_arena_alloc(r->arena, (size_t)n * 8, 8)) == NULL)
        return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
      unknown[unknown_n++] = id.u;
      if ((rc = mp_skip(r))) return rc;
      continue;
    }
    size_t fi = (size_t)(f - t->fields);
    if (seen[fi])
      return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "field id %u given twice", f->id);
    seen[fi] = true;
    if ((rc = read_value(r, f->type, AT(out, f->offset)))) {
      interop_path_field(&r->path, f->name);
      return rc;
    }
  }
  if ((rc = interop_mp_check_unknown_ids(r, unknown, unknown_n))) return rc;
  r->depth--;
  return interop_fill_missing(t, out, seen, r->arena, r->err);
}

static int read_union(mp_reader *r, const interop_type *t, void *out) {
  uint64_t n;
  int rc;
  if ((rc = mp_read_len(r, 'm', &n, t->name)) || (rc = mp_claim(r, 2 * n, n, "map of size")) || (rc = mp_enter(r)))
    return rc;
  if (n != 1)
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "%s: a union holds exactly one case, got %llu",
                             t->name, (unsigned long long)n);
  mp_int id;
  if ((rc = mp_read_int(r, &id, "a case id"))) return rc;
  const interop_field *c = id.negative ? NULL : interop_union_case_by_id(t, id.u);
  if (c == NULL) return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "%s: unknown union case", t->name);
  if (c->type == NULL) {
    if (r->p >= r->end || *r->p != 0xc0) return mp_unexpected(r, "nil (a unit case)");
    r->p++;
  } else if ((rc = read_value(r, c->type, AT(out, c->offset)))) {
    interop_path_field(&r->path, c->name);
    return rc;
  }
  *(uint32_t *)out = c->id;
  r->depth--;
  return INTEROP_OK;
}

static int read_optional(mp_reader *r, const interop_type *t, void *out) {
  if (r->p < r->end && *r->p == 0xc0) {
    r->p++;
    return INTEROP_OK; /* absent: already zero (has = false, or NULL) */
  }
  if (t->flags & INTEROP_TYPE_BY_POINTER) {
    void *inner = interop_arena_alloc(r->arena, t->elem->size, t->elem->align);
    if (inner == NULL) return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
    *(void **)out = inner;
    return read_value(r, t->elem, inner);
  }
  *(bool *)out = true;
  return read_value(r, t->elem, AT(out, t->value_offset));
}

static int read_value(mp_reader *r, const interop_type *t, void *out) {
  switch (t->kind) {
    case INTEROP_KIND_BOOL:
      if (r->p >= r->end || (*r->p != 0xc2 && *r->p != 0xc3)) return mp_unexpected(r, "bool");
      *(bool *)out = *r->p++ == 0xc3;
      return INTEROP_OK;
    case INTEROP_KIND_F32: case INTEROP_KIND_F64: return read_float(r, t, out);
    case INTEROP_KIND_STRING: case INTEROP_KIND_BYTES: return read_text(r, t, out);
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

int interop_msgpack_decode(const interop_type *t, const uint8_t *p, size_t n, uint32_t max_depth,
                           interop_arena *a, void *out, interop_error *err) {
  mp_reader r;
  interop_mp_reader_init(&r, p, n, max_depth, a, err);
  return interop_mp_reader_done(&r, read_value(&r, t, out));
}
