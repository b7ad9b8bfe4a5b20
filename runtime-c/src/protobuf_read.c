/* protobuf decoding driven by the type descriptor (docs/wire.md §3.5, ADR 0028), the twin of
 * runtime-ts's ProtobufReader and runtime-python's PbReader with their checks and messages: every
 * read is bounded by the end of the message it is in; a length claiming more than is left is
 * RESOURCE_EXHAUSTED before anything is allocated, and so is nesting past max_depth (each message
 * one level); groups, wire types 6 and 7, field number 0, varints past 64 bits, integers outside
 * their IDL type, a wire type the schema does not expect and singular fields given twice are
 * INVALID_ARGUMENT. Fields come in any order; a list or map may be spread over many occurrences,
 * so it grows in the arena (doubling) as they come. Errors read `Point.x: truncated varint`. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include "protobuf.h"

static const char *const WIRE_NAMES[] = {"varint", "fixed64", "length-delimited", "group start",
                                         "group end", "fixed32", "wire type 6", "wire type 7"};

typedef struct pb_reader {
  const uint8_t *p;
  const uint8_t *end; /* of the message (or packed list) being read */
  uint32_t depth;
  uint32_t max_depth;
  int wt; /* of the key read last */
  interop_arena *arena;
  interop_error *err;
  char path[192]; /* ".tags[3]": grows at the front as an error unwinds */
  size_t path_start;
} pb_reader;

static int fail(pb_reader *r, uint32_t code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(pb_reader *r, uint32_t code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  interop_error_vset(r->err, code, fmt, ap);
  va_end(ap);
  return (int)code;
}

static int oom(pb_reader *r) { return fail(r, INTEROP_RESOURCE_EXHAUSTED, "out of memory"); }

static void path_push(pb_reader *r, const char *segment) {
  size_t n = strlen(segment);
  if (n > r->path_start) return; /* too deep to show in full: keep the innermost part */
  r->path_start -= n;
  memcpy(r->path + r->path_start, segment, n);
}

static void path_field(pb_reader *r, const char *name) {
  char seg[160];
  snprintf(seg, sizeof seg, ".%s", name);
  path_push(r, seg);
}

static void path_index(pb_reader *r, size_t i) {
  char seg[32];
  snprintf(seg, sizeof seg, "[%zu]", i);
  path_push(r, seg);
}

static int read_varint(pb_reader *r, uint64_t *out) {
  uint64_t v = 0;
  for (int i = 0; i < 10; i++) {
    if (r->p >= r->end) return fail(r, INTEROP_INVALID_ARGUMENT, "truncated varint");
    uint8_t c = *r->p++;
    if (i == 9 && c > 1) return fail(r, INTEROP_INVALID_ARGUMENT, "varint longer than 64 bits");
    v |= (uint64_t)(c & 0x7f) << (7 * i);
    if (c < 0x80) {
      *out = v;
      return INTEROP_OK;
    }
  }
  return fail(r, INTEROP_INVALID_ARGUMENT, "varint longer than 10 bytes");
}

/* The next field of the current message (its wire type in r->wt), or 0 at its end. */
static int next_field(pb_reader *r, uint32_t *n) {
  *n = 0;
  if (r->p >= r->end) return INTEROP_OK;
  uint64_t key = 0;
  int rc = read_varint(r, &key);
  if (rc) return rc;
  if (key >> 32) return fail(r, INTEROP_INVALID_ARGUMENT, "field number out of range");
  int wt = (int)(key & 7);
  uint32_t number = (uint32_t)(key >> 3);
  if (number == 0) return fail(r, INTEROP_INVALID_ARGUMENT, "field number 0");
  if (wt == 3 || wt == 4 || wt > 5)
    return fail(r, INTEROP_INVALID_ARGUMENT, "%s (field %" PRIu32 ") is not supported", WIRE_NAMES[wt], number);
  r->wt = wt;
  *n = number;
  return INTEROP_OK;
}

static int expect(pb_reader *r, int wt) {
  if (r->wt == wt) return INTEROP_OK;
  return fail(r, INTEROP_INVALID_ARGUMENT, "wire type %s where the schema wants %s", WIRE_NAMES[r->wt], WIRE_NAMES[wt]);
}

static int need(pb_reader *r, size_t n) {
  size_t left = (size_t)(r->end - r->p);
  if (n <= left) return INTEROP_OK;
  return fail(r, INTEROP_INVALID_ARGUMENT, "truncated: needs %zu more bytes, %zu left", n, left);
}

/* Reads a length; *end is where the value it measures ends. */
static int read_length(pb_reader *r, const uint8_t **end) {
  uint64_t n = 0;
  int rc = read_varint(r, &n);
  if (rc) return rc;
  size_t left = (size_t)(r->end - r->p);
  if (n > left) {
    if (n >> 32) return fail(r, INTEROP_RESOURCE_EXHAUSTED, "length of more than 2^32 but only %zu bytes left", left);
    return fail(r, INTEROP_RESOURCE_EXHAUSTED, "length of %" PRIu64 " but only %zu bytes left", n, left);
  }
  *end = r->p + n;
  return INTEROP_OK;
}

/* Enters a nested message (the field must be length-delimited); *outer is what leave() needs. */
static int enter(pb_reader *r, const uint8_t **outer) {
  const uint8_t *end = NULL;
  int rc;
  if ((rc = expect(r, PB_LEN)) || (rc = read_length(r, &end))) return rc;
  if (++r->depth > r->max_depth)
    return fail(r, INTEROP_RESOURCE_EXHAUSTED, "value nested deeper than %" PRIu32 " levels", r->max_depth);
  *outer = r->end;
  r->end = end;
  return INTEROP_OK;
}

static void leave(pb_reader *r, const uint8_t *outer) {
  r->depth--;
  r->end = outer;
}

/* Skips the value of an unknown field, by its wire type. */
static int skip(pb_reader *r) {
  uint64_t v = 0;
  const uint8_t *end = NULL;
  int rc;
  switch (r->wt) {
    case PB_VARINT: return read_varint(r, &v);
    case PB_LEN:
      if ((rc = read_length(r, &end))) return rc;
      r->p = end;
      return INTEROP_OK;
    default: {
      size_t n = r->wt == PB_FIXED64 ? 8 : 4;
      if ((rc = need(r, n))) return rc;
      r->p += n;
      return INTEROP_OK;
    }
  }
}

static uint64_t le(const uint8_t *p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static int read_text(pb_reader *r, const interop_type *t, void *out) {
  const uint8_t *end = NULL;
  int rc = read_length(r, &end);
  if (rc) return rc;
  size_t n = (size_t)(end - r->p);
  if (t->kind == INTEROP_KIND_STRING && !interop_utf8_valid(r->p, n))
    return fail(r, INTEROP_INVALID_ARGUMENT, "invalid UTF-8 in string");
  char *copy = interop_arena_strndup(r->arena, (const char *)r->p, n);
  if (copy == NULL) return oom(r);
  r->p = end;
  if (t->kind == INTEROP_KIND_STRING) *(interop_str *)out = (interop_str){copy, n};
  else *(interop_bytes *)out = (interop_bytes){(const uint8_t *)copy, n};
  return INTEROP_OK;
}

/* A scalar or enum value whose key (or packed list) was read. */
static int read_scalar(pb_reader *r, const interop_type *t, void *out) {
  uint64_t u = 0;
  int rc;
  switch (t->kind) {
    case INTEROP_KIND_F32: case INTEROP_KIND_F64: {
      size_t n = t->kind == INTEROP_KIND_F32 ? 4 : 8;
      if ((rc = need(r, n))) return rc;
      uint64_t bits = le(r->p, n);
      r->p += n;
      if (n == 4) {
        uint32_t b32 = (uint32_t)bits;
        memcpy(out, &b32, 4);
      } else {
        memcpy(out, &bits, 8);
      }
      return INTEROP_OK;
    }
    case INTEROP_KIND_STRING: case INTEROP_KIND_BYTES: return read_text(r, t, out);
    default: break;
  }
  if ((rc = read_varint(r, &u))) return rc;
  if (t->kind == INTEROP_KIND_BOOL) {
    if (u > 1) return fail(r, INTEROP_INVALID_ARGUMENT, "expected bool, got a varint other than 0 and 1");
    *(bool *)out = u == 1;
    return INTEROP_OK;
  }
  if (t->kind == INTEROP_KIND_ENUM) {
    if (u >= 0x80000000u && u < 0xffffffff80000000ull)
      return fail(r, INTEROP_INVALID_ARGUMENT, "expected an enum value (int32), got a value out of range");
    *(int32_t *)out = (int32_t)(int64_t)u;
    return INTEROP_OK;
  }
  int64_t min;
  uint64_t max;
  interop_int_range(t->kind, &min, &max);
  if (interop_kind_is_signed(t->kind)) {
    int64_t v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1); /* zigzag */
    if (v < min || v > (int64_t)max) goto out_of_range;
    interop_put_int(t->kind, out, v);
  } else {
    if (u > max) goto out_of_range;
    interop_put_uint(t->kind, out, u);
  }
  return INTEROP_OK;
out_of_range:
  return fail(r, INTEROP_INVALID_ARGUMENT, "expected %s, got a value out of range", interop_kind_name(t->kind));
}

static int read_single(pb_reader *r, const interop_type *t, void *out);
static int read_into(pb_reader *r, const interop_type *t, void *out, size_t *cap);

/* Makes room for one more element in an array of `cap` being read (*items moves, doubling). */
static int grow(pb_reader *r, void **items, size_t len, size_t cap, const interop_type *t) {
  if (len < cap) return INTEROP_OK;
  size_t n = cap ? cap * 2 : 4;
  if (n > SIZE_MAX / 2 / t->size) return oom(r);
  void *bigger = interop_arena_alloc(r->arena, n * t->size, t->align);
  if (bigger == NULL) return oom(r);
  if (len > 0) memcpy(bigger, *items, len * t->size);
  *items = bigger;
  return INTEROP_OK;
}

static size_t next_cap(size_t len, size_t cap) { return len < cap ? cap : cap ? cap * 2 : 4; }

/* A slot for one more element of a list being read. */
static int append(pb_reader *r, interop_list *l, size_t *cap, const interop_type *e, void **slot) {
  void *items = l->items;
  int rc = grow(r, &items, l->len, *cap, e);
  if (rc) return rc;
  *cap = next_cap(l->len, *cap);
  l->items = items;
  *slot = (char *)items + l->len * e->size;
  return INTEROP_OK;
}

static int zero_or_missing(pb_reader *r, const interop_type *t, void *out) {
  if (pb_is_message(t)) return fail(r, INTEROP_INVALID_ARGUMENT, "missing required field");
  if (t->kind == INTEROP_KIND_ENUM) *(int32_t *)out = t->members[0].value;
  return INTEROP_OK;
}

/* One occurrence of a list field: a packed run of scalars, or one element. */
static int read_list_part(pb_reader *r, const interop_type *t, interop_list *l, size_t *cap) {
  const interop_type *e = t->elem;
  void *slot;
  int rc;
  if (pb_packable(e) && r->wt == PB_LEN) {
    const uint8_t *end = NULL, *outer = r->end;
    if ((rc = read_length(r, &end))) return rc;
    r->end = end;
    while (r->p < r->end) {
      if ((rc = append(r, l, cap, e, &slot)) || (rc = read_scalar(r, e, slot))) {
        path_index(r, l->len);
        return rc;
      }
      l->len++;
    }
    r->end = outer;
    return INTEROP_OK;
  }
  if ((rc = append(r, l, cap, e, &slot)) || (rc = read_single(r, e, slot))) {
    path_index(r, l->len);
    return rc;
  }
  l->len++;
  return INTEROP_OK;
}

static void key_path(pb_reader *r, const interop_type *k, const void *key, bool have) {
  char seg[96];
  if (!have) snprintf(seg, sizeof seg, "[?]");
  else if (k->kind == INTEROP_KIND_STRING) {
    const interop_str *s = key;
    snprintf(seg, sizeof seg, "[\"%.*s\"]", s->len > 64 ? 64 : (int)s->len, s->ptr);
  } else if (interop_kind_is_signed(k->kind)) snprintf(seg, sizeof seg, "[%" PRId64 "]", interop_get_signed(k->kind, key));
  else snprintf(seg, sizeof seg, "[%" PRIu64 "]", interop_get_unsigned(k->kind, key));
  path_push(r, seg);
}

/* One entry of a map field: a message with the key (1) and the value (2). */
static int read_map_entry(pb_reader *r, const interop_type *t, interop_map *m, size_t *cap) {
  void *keys = m->keys, *values = m->values;
  int rc;
  if ((rc = grow(r, &keys, m->len, *cap, t->key)) || (rc = grow(r, &values, m->len, *cap, t->elem))) return rc;
  *cap = next_cap(m->len, *cap);
  m->keys = keys, m->values = values;
  void *k = (char *)keys + m->len * t->key->size, *v = (char *)values + m->len * t->elem->size;
  bool have_key = false, have_value = false;
  const uint8_t *outer = NULL;
  uint32_t n = 0;
  if ((rc = enter(r, &outer))) return rc;
  while ((rc = next_field(r, &n)) == INTEROP_OK && n != 0) {
    bool *have = n == 1 ? &have_key : n == 2 ? &have_value : NULL;
    if (have == NULL) {
      if ((rc = skip(r))) break;
      continue;
    }
    if (*have) {
      rc = fail(r, INTEROP_INVALID_ARGUMENT, "duplicate field");
      break;
    }
    *have = true;
    if ((rc = read_single(r, n == 1 ? t->key : t->elem, n == 1 ? k : v))) break;
  }
  if (rc == INTEROP_OK) {
    leave(r, outer);
    if (!have_key) rc = zero_or_missing(r, t->key, k);
    if (rc == INTEROP_OK && !have_value) rc = zero_or_missing(r, t->elem, v);
  }
  if (rc) {
    key_path(r, t->key, k, have_key);
    return rc;
  }
  m->len++;
  return INTEROP_OK;
}

/* One occurrence of a field of type t into out; cap tracks the arrays of a list or map. */
static int read_into(pb_reader *r, const interop_type *t, void *out, size_t *cap) {
  switch (t->kind) {
    case INTEROP_KIND_OPTIONAL:
      if (t->flags & INTEROP_TYPE_BY_POINTER) {
        void *inner = interop_arena_alloc(r->arena, t->elem->size, t->elem->align);
        if (inner == NULL) return oom(r);
        *(void **)out = inner;
        return read_single(r, t->elem, inner);
      }
      *(bool *)out = true;
      return read_single(r, t->elem, AT(out, t->value_offset));
    case INTEROP_KIND_LIST: return read_list_part(r, t, out, cap);
    case INTEROP_KIND_MAP: return read_map_entry(r, t, out, cap);
    default: return read_single(r, t, out);
  }
}

/* A map comes out sorted by key (its canonical order); equal keys are refused. */
static int finish(pb_reader *r, const interop_type *t, void *out) {
  if (t->kind != INTEROP_KIND_MAP) return INTEROP_OK;
  return interop_map_sort(t, out, r->arena, NULL, r->err);
}

static const interop_field *field_by_id(const interop_type *t, uint32_t id) {
  size_t lo = 0, hi = t->count;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (t->fields[mid].id == id) return &t->fields[mid];
    if (t->fields[mid].id < id) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}

static int read_struct(pb_reader *r, const interop_type *t, void *out) {
  bool seen_small[64];
  size_t caps_small[64];
  bool small = t->count <= 64; /* else from the arena, zeroed */
  bool *seen = small ? seen_small : interop_arena_alloc(r->arena, t->count, 1);
  size_t *caps = small ? caps_small : interop_arena_alloc(r->arena, t->count * sizeof(size_t), 8);
  if (seen == NULL || caps == NULL) return oom(r);
  if (small) {
    memset(seen_small, 0, t->count);
    memset(caps_small, 0, t->count * sizeof(size_t));
  }
  const interop_field *at = NULL; /* the field being read, for the path of an error */
  uint32_t n = 0;
  int rc;
  while ((rc = next_field(r, &n)) == INTEROP_OK && n != 0) {
    /* Fields usually come in number order: try the one after the last before searching. */
    const interop_field *after = at != NULL ? at + 1 : t->fields;
    at = t->count > 0 && after < t->fields + t->count && after->id == n ? after : field_by_id(t, n);
    if (at == NULL) {
      if ((rc = skip(r))) break;
      continue;
    }
    size_t i = (size_t)(at - t->fields);
    if (seen[i] && !pb_repeated(at->type)) {
      rc = fail(r, INTEROP_INVALID_ARGUMENT, "duplicate field");
      break;
    }
    seen[i] = true;
    if ((rc = read_into(r, at->type, AT(out, at->offset), &caps[i]))) break;
  }
  if (rc) {
    if (at != NULL) path_field(r, at->name);
    return rc;
  }
  for (uint32_t i = 0; i < t->count; i++) {
    const interop_field *f = &t->fields[i];
    rc = seen[i] ? finish(r, f->type, AT(out, f->offset))
                 : pb_is_message(f->type) ? fail(r, INTEROP_INVALID_ARGUMENT, "missing required field") : INTEROP_OK;
    if (rc) {
      path_field(r, f->name);
      return rc;
    }
  }
  return interop_fill_missing(t, out, seen, r->arena, r->err);
}

static int read_union(pb_reader *r, const interop_type *t, void *out) {
  const interop_field *at = NULL;
  uint32_t n = 0, which = 0;
  int rc;
  while ((rc = next_field(r, &n)) == INTEROP_OK && n != 0) {
    at = NULL;
    if (which != 0) {
      rc = fail(r, INTEROP_INVALID_ARGUMENT, "expected exactly one %s case", pb_short_name(t));
      break;
    }
    if ((at = interop_union_case_by_id(t, n)) == NULL) {
      rc = fail(r, INTEROP_INVALID_ARGUMENT, "unknown %s case id %" PRIu32, pb_short_name(t), n);
      break;
    }
    if (at->type == NULL) { /* a unit case: an empty message (any fields in it skipped) */
      const uint8_t *outer = NULL;
      if ((rc = enter(r, &outer))) break;
      while ((rc = next_field(r, &n)) == INTEROP_OK && n != 0)
        if ((rc = skip(r))) break;
      if (rc) break;
      leave(r, outer);
    } else if ((rc = read_single(r, at->type, AT(out, at->offset)))) {
      break;
    }
    which = at->id;
  }
  if (rc) {
    if (at != NULL) path_field(r, at->name);
    return rc;
  }
  if (which == 0) return fail(r, INTEROP_INVALID_ARGUMENT, "expected exactly one %s case", pb_short_name(t));
  *(uint32_t *)out = which;
  return INTEROP_OK;
}

/* The fields of a wrapper message (or a non-message payload): the value is field 1; absent means
 * its zero value, a duplicate is refused at the top level (`singular`) and overwrites in a wrapper,
 * as in TypeScript and Python. */
static int read_wrapped(pb_reader *r, const interop_type *t, void *out, bool singular) {
  size_t cap = 0;
  bool seen = false;
  uint32_t n = 0;
  int rc;
  while ((rc = next_field(r, &n)) == INTEROP_OK && n != 0) {
    if (n != 1) {
      if ((rc = skip(r))) return rc;
      continue;
    }
    if (seen && singular && !pb_repeated(t)) return fail(r, INTEROP_INVALID_ARGUMENT, "duplicate field");
    seen = true;
    if ((rc = read_into(r, t, out, &cap))) return rc;
  }
  if (rc) return rc;
  if (!seen) return t->kind == INTEROP_KIND_OPTIONAL ? INTEROP_OK : zero_or_missing(r, t, out);
  return finish(r, t, out);
}

static int read_message(pb_reader *r, const interop_type *t, void *out) {
  memset(out, 0, t->size);
  return t->kind == INTEROP_KIND_UNION ? read_union(r, t, out) : read_struct(r, t, out);
}

/* One occurrence of a value whose key was read: a scalar, or a message (the type's own, or the
 * wrapper of a list, map or optional). */
static int read_single(pb_reader *r, const interop_type *t, void *out) {
  int wt = pb_wire_type(t);
  if (wt != PB_NONE) {
    int rc = expect(r, wt);
    return rc ? rc : read_scalar(r, t, out);
  }
  const uint8_t *outer = NULL;
  int rc = enter(r, &outer);
  if (rc) return rc;
  if (pb_is_message(t)) {
    rc = read_message(r, t, out);
  } else {
    memset(out, 0, t->size);
    rc = read_wrapped(r, t, out, false);
  }
  if (rc == INTEROP_OK) leave(r, outer);
  return rc;
}

int interop_protobuf_decode(const interop_type *t, const uint8_t *p, size_t n, uint32_t max_depth,
                            interop_arena *a, void *out, interop_error *err) {
  pb_reader r = {p, n ? p + n : p, 0, max_depth, 0, a, err, {0}, 0}; /* p may be NULL when n is 0 */
  r.path_start = sizeof r.path - 1;
  /* A struct or union payload is its message; any other value is field 1 of a wrapper. */
  int rc = pb_is_message(t) ? read_message(&r, t, out) : (memset(out, 0, t->size), read_wrapped(&r, t, out, true));
  if (rc != INTEROP_OK && err != NULL) {
    char detail[INTEROP_MESSAGE_MAX];
    memcpy(detail, err->message, sizeof detail);
    const char *name = pb_short_name(t), *path = r.path + r.path_start;
    if (*name == '\0' && *path == '.') path++;
    if (*name == '\0' && *path == '\0') snprintf(err->message, sizeof err->message, "%s", detail);
    else snprintf(err->message, sizeof err->message, "%s%s: %s", name, path, detail);
  }
  return rc;
}
