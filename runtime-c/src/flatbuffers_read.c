/* FlatBuffers decoding driven by the type descriptor (docs/wire.md §3.6, ADR 0041). Any valid
 * layout is read (vtables shared or not, before or after their tables, any order and alignment:
 * every read is a byte-wise little-endian load, bounded by the payload); absent fields take the
 * schema default. A uoffset, soffset or vtable outside the payload, a bad vtable, a field past its
 * table or the payload, a string without its 0 byte or not UTF-8, a bool other than 0 and 1, a
 * union without a known case and a map key given twice are INVALID_ARGUMENT; a count claiming more
 * bytes than remain, nesting past max_depth (each table one level: every recursion goes through a
 * table) and reading more bytes of tables (soffset and fields), strings and vectors than the payload
 * holds (shared offsets cannot amplify) are RESOURCE_EXHAUSTED. Errors read `Point.x: message`,
 * the messages of runtime-ts's FlatbuffersReader, which charges the budget the same way. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include "flatbuffers.h"

typedef struct fb_reader {
  const uint8_t *p;
  size_t n;
  uint32_t depth;
  uint32_t max_depth;
  uint64_t read; /* bytes read so far of tables (soffset and fields), strings and vectors: at most n */
  interop_arena *arena;
  interop_error *err;
  char path[192]; /* ".tags[3]": grows at the front as an error unwinds */
  size_t path_start;
  bool path_full; /* a segment did not fit: the path keeps its innermost part */
} fb_reader;

/* A table being read: where it is, and its vtable. vtable_bytes 4 = no field (the empty payload). */
typedef struct fb_table {
  size_t at, vtable;
  uint16_t vtable_bytes, table_bytes;
} fb_table;

static int fail(fb_reader *r, uint32_t code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(fb_reader *r, uint32_t code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  interop_error_vset(r->err, code, fmt, ap);
  va_end(ap);
  return (int)code;
}

static int oom(fb_reader *r) { return fail(r, INTEROP_RESOURCE_EXHAUSTED, "out of memory"); }

static void path_push(fb_reader *r, const char *segment) {
  size_t n = strlen(segment);
  if (n > r->path_start) r->path_full = true;
  if (r->path_full) return;
  r->path_start -= n;
  memcpy(r->path + r->path_start, segment, n);
}

static void path_field(fb_reader *r, const char *name) {
  char seg[160];
  snprintf(seg, sizeof seg, ".%s", name);
  path_push(r, seg);
}

static void path_index(fb_reader *r, size_t i) {
  char seg[32];
  snprintf(seg, sizeof seg, "[%zu]", i);
  path_push(r, seg);
}

/* Little-endian, byte by byte: no alignment is assumed. The caller checked the bounds. */
static uint64_t le(const fb_reader *r, size_t at, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; i++) v |= (uint64_t)r->p[at + i] << (8 * i);
  return v;
}

static int charge(fb_reader *r, uint64_t bytes) {
  r->read += bytes;
  if (r->read <= r->n) return INTEROP_OK;
  return fail(r, INTEROP_RESOURCE_EXHAUSTED, "decoding reads more than the payload's %zu bytes (objects referred to more than once)", r->n);
}

/* The target of the uoffset at `at` (4 bytes there were checked): it must leave room for a u32. */
static int follow(fb_reader *r, size_t at, size_t *target) {
  uint64_t t = (uint64_t)at + le(r, at, 4);
  if (t + 4 > r->n)
    return fail(r, INTEROP_INVALID_ARGUMENT, "the offset at %zu points outside the payload (%zu bytes)", at, r->n);
  *target = (size_t)t;
  return INTEROP_OK;
}

static int open_table(fb_reader *r, size_t at, fb_table *tab) {
  int rc;
  if (++r->depth > r->max_depth) return fail(r, INTEROP_RESOURCE_EXHAUSTED, "nesting deeper than max_depth %" PRIu32, r->max_depth);
  if ((rc = charge(r, 4))) return rc;
  int64_t vt = (int64_t)at - (int64_t)(int32_t)(uint32_t)le(r, at, 4); /* follow() left 4 bytes at `at` */
  if (vt < 0 || (uint64_t)vt + 4 > r->n) return fail(r, INTEROP_INVALID_ARGUMENT, "the vtable of the table at %zu is outside the payload", at);
  tab->at = at;
  tab->vtable = (size_t)vt;
  tab->vtable_bytes = (uint16_t)le(r, tab->vtable, 2);
  tab->table_bytes = (uint16_t)le(r, tab->vtable + 2, 2);
  if (tab->vtable_bytes < 4 || tab->vtable_bytes % 2 != 0)
    return fail(r, INTEROP_INVALID_ARGUMENT, "the vtable at %zu has size %u (odd or below 4)", tab->vtable, tab->vtable_bytes);
  if (tab->vtable + tab->vtable_bytes > r->n) return fail(r, INTEROP_INVALID_ARGUMENT, "the vtable at %zu ends past the payload", tab->vtable);
  return INTEROP_OK;
}

/* Where the field of `slot` is (size bytes), or 0 when it is absent. */
static int field_at(fb_reader *r, const fb_table *tab, uint32_t slot, uint32_t size, size_t *pos) {
  *pos = 0;
  if (4 + 2 * (uint64_t)slot + 2 > tab->vtable_bytes) return INTEROP_OK;
  uint32_t off = (uint32_t)le(r, tab->vtable + 4 + 2 * (size_t)slot, 2);
  if (off == 0) return INTEROP_OK;
  if (off + size > tab->table_bytes)
    return fail(r, INTEROP_INVALID_ARGUMENT, "field %" PRIu32 " at offset %" PRIu32 " is past the table's %u bytes", slot, off,
                tab->table_bytes);
  if ((uint64_t)tab->at + off + size > r->n)
    return fail(r, INTEROP_INVALID_ARGUMENT, "field %" PRIu32 " of the table at %zu ends past the payload", slot, tab->at);
  *pos = tab->at + off;
  return charge(r, size);
}

/* The count of the vector or string at `at` (4 bytes there were checked), whose elements of
 * `size` bytes must fit in what remains. */
static int read_count(fb_reader *r, size_t at, uint32_t size, bool string, uint32_t *count) {
  *count = (uint32_t)le(r, at, 4);
  uint64_t bytes = (uint64_t)*count * size, left = r->n - at - 4;
  if (bytes > left) {
    if (string)
      return fail(r, INTEROP_RESOURCE_EXHAUSTED, "a string of %" PRIu32 " bytes at %zu but only %" PRIu64 " bytes left", *count, at, left);
    return fail(r, INTEROP_RESOURCE_EXHAUSTED, "a vector of %" PRIu32 " elements of size %" PRIu32 " at %zu but only %" PRIu64 " bytes left",
                *count, size, at, left);
  }
  return charge(r, 4 + bytes);
}

static int read_text(fb_reader *r, const interop_type *t, size_t at, void *out) {
  bool string = t->kind == INTEROP_KIND_STRING;
  uint32_t n = 0;
  int rc = read_count(r, at, 1, string, &n);
  if (rc) return rc;
  const uint8_t *s = r->p + at + 4;
  if (string) {
    if ((uint64_t)at + 4 + n + 1 > r->n || s[n] != 0)
      return fail(r, INTEROP_INVALID_ARGUMENT, "the string at %zu does not end with a 0 byte", at);
    if (!interop_utf8_valid(s, n)) return fail(r, INTEROP_INVALID_ARGUMENT, "invalid UTF-8 in string");
  }
  char *copy = interop_arena_strndup(r->arena, (const char *)s, n);
  if (copy == NULL) return oom(r);
  if (string) *(interop_str *)out = (interop_str){copy, n};
  else *(interop_bytes *)out = (interop_bytes){(const uint8_t *)copy, n};
  return INTEROP_OK;
}

/* A scalar or enum of fb_scalar_size(t) bytes at `at`. */
static void read_scalar_bits(fb_reader *r, const interop_type *t, size_t at, void *out) {
  uint32_t s = fb_scalar_size(t);
  uint64_t bits = le(r, at, s);
  switch (t->kind) {
    case INTEROP_KIND_ENUM: *(int32_t *)out = (int32_t)(uint32_t)bits; return;
    case INTEROP_KIND_F32: {
      uint32_t b32 = (uint32_t)bits;
      memcpy(out, &b32, 4);
      return;
    }
    case INTEROP_KIND_F64: memcpy(out, &bits, 8); return;
    default:
      if (interop_kind_is_signed(t->kind)) {
        int64_t v = s == 8 ? (int64_t)bits : (int64_t)(bits << (64 - 8 * s)) >> (64 - 8 * s); /* sign-extend */
        interop_put_int(t->kind, out, v);
      } else {
        interop_put_uint(t->kind, out, bits);
      }
  }
}

static int read_scalar(fb_reader *r, const interop_type *t, size_t at, void *out) {
  if (t->kind == INTEROP_KIND_BOOL) {
    uint8_t b = r->p[at];
    if (b > 1) return fail(r, INTEROP_INVALID_ARGUMENT, "expected bool, got a byte of %u", b);
    *(bool *)out = b == 1;
    return INTEROP_OK;
  }
  read_scalar_bits(r, t, at, out);
  return INTEROP_OK;
}

static int read_object(fb_reader *r, const interop_type *t, size_t at, void *out);
static int read_slot(fb_reader *r, const fb_table *tab, uint32_t slot, const interop_type *t, void *out, bool *seen);

/* An absent value where no default is given (a wrapper, a map entry, a union case): the zero
 * value, the first enum member, none; a struct or union is required. */
static int zero_or_missing(fb_reader *r, const interop_type *t, void *out) {
  if (fb_is_table(t)) return fail(r, INTEROP_INVALID_ARGUMENT, "missing required field");
  if (t->kind == INTEROP_KIND_ENUM) *(int32_t *)out = t->members[0].value;
  return INTEROP_OK;
}

/* The table at `at` whose slot 0 holds the value (a wrapper, a payload, a union's case). */
static int read_wrapper(fb_reader *r, const interop_type *t, size_t at, void *out) {
  fb_table tab;
  bool seen = false;
  int rc;
  if ((rc = open_table(r, at, &tab)) || (rc = read_slot(r, &tab, 0, t, out, &seen))) return rc;
  if (!seen) rc = zero_or_missing(r, t, out);
  r->depth--;
  return rc;
}

static int read_list(fb_reader *r, const interop_type *t, size_t at, interop_list *l) {
  const interop_type *e = t->elem;
  uint32_t s = fb_scalar_size(e), count = 0;
  int rc = read_count(r, at, s ? s : 4, false, &count);
  if (rc) return rc;
  l->len = count;
  if (count == 0) return INTEROP_OK;
  char *items = interop_arena_alloc(r->arena, (size_t)count * e->size, e->align);
  if (items == NULL) return oom(r);
  memset(items, 0, (size_t)count * e->size);
  l->items = items;
  for (uint32_t i = 0; i < count; i++) {
    size_t pos = at + 4 + (size_t)i * (s ? s : 4), target = 0;
    void *slot = items + (size_t)i * e->size;
    if (s) rc = read_scalar(r, e, pos, slot);
    else if ((rc = follow(r, pos, &target)) == INTEROP_OK)
      rc = fb_element_wrapped(e) ? read_wrapper(r, e, target, slot) : read_object(r, e, target, slot);
    if (rc) {
      path_index(r, i);
      return rc;
    }
  }
  return INTEROP_OK;
}

/* TypeScript's reader says `["a"]: duplicate map key a` (`[5]: …` for a number key): the key goes
 * to the path, and the message is TypeScript's, not maps.c's. */
static void duplicate_key_message(fb_reader *r, const interop_type *key, const void *k) {
  char text[80], seg[96];
  interop_map_key_text(key, k, text, sizeof text);
  if (key->kind == INTEROP_KIND_STRING) snprintf(seg, sizeof seg, "[\"%s\"]", text);
  else snprintf(seg, sizeof seg, "[%s]", text);
  path_push(r, seg);
  snprintf(r->err->message, INTEROP_MESSAGE_MAX, "duplicate map key %s", text);
}

/* A vector of entry tables { key (slot 0), value (slot 1) }, sorted by key; a key twice is refused. */
static int read_map(fb_reader *r, const interop_type *t, size_t at, interop_map *m) {
  uint32_t count = 0;
  int rc = read_count(r, at, 4, false, &count);
  if (rc) return rc;
  if (count == 0) return INTEROP_OK;
  char *keys = interop_arena_alloc(r->arena, (size_t)count * t->key->size, t->key->align);
  char *values = interop_arena_alloc(r->arena, (size_t)count * t->elem->size, t->elem->align);
  if (keys == NULL || values == NULL) return oom(r);
  memset(keys, 0, (size_t)count * t->key->size);
  memset(values, 0, (size_t)count * t->elem->size);
  m->keys = keys, m->values = values;
  for (uint32_t i = 0; i < count; i++) {
    void *k = keys + (size_t)i * t->key->size, *v = values + (size_t)i * t->elem->size;
    size_t target = 0;
    fb_table tab;
    bool have_key = false, have_value = false;
    if ((rc = follow(r, at + 4 + 4 * (size_t)i, &target)) == INTEROP_OK && (rc = open_table(r, target, &tab)) == INTEROP_OK &&
        (rc = read_slot(r, &tab, 0, t->key, k, &have_key)) == INTEROP_OK &&
        (rc = read_slot(r, &tab, 1, t->elem, v, &have_value)) == INTEROP_OK) {
      r->depth--;
      if (!have_key) rc = zero_or_missing(r, t->key, k);
      if (rc == INTEROP_OK && !have_value) rc = zero_or_missing(r, t->elem, v);
    }
    if (rc) {
      path_index(r, i);
      return rc;
    }
    m->len = i + 1;
  }
  const void *dup = NULL;
  int rc2 = interop_map_sort(t, m, r->arena, &dup, r->err);
  if (rc2 == INTEROP_INVALID_ARGUMENT && dup != NULL) duplicate_key_message(r, t->key, dup);
  return rc2;
}

static int read_struct(fb_reader *r, const interop_type *t, size_t at, void *out) {
  if (t->count > 0 && t->fields[t->count - 1].id > FB_MAX_FIELD_ID) /* as the writer: no slot for it */
    return fail(r, INTEROP_INVALID_ARGUMENT, "%s.%s has id %" PRIu32 ", past the largest FlatBuffers takes (%u)", fb_short_name(t),
                t->fields[t->count - 1].name, t->fields[t->count - 1].id, FB_MAX_FIELD_ID);
  fb_table tab;
  int rc = open_table(r, at, &tab);
  if (rc) return rc;
  bool seen_small[64];
  bool *seen = t->count <= 64 ? seen_small : interop_arena_alloc(r->arena, t->count, 1);
  if (seen == NULL) return oom(r);
  memset(seen, 0, t->count);
  for (uint32_t i = 0; i < t->count; i++) {
    const interop_field *f = &t->fields[i];
    if ((rc = read_slot(r, &tab, f->id - 1, f->type, AT(out, f->offset), &seen[i]))) {
      path_field(r, f->name);
      return rc;
    }
  }
  for (uint32_t i = 0; i < t->count; i++) {
    if (!seen[i] && fb_is_table(t->fields[i].type)) { /* a struct or union field is `(required)` */
      path_field(r, t->fields[i].name);
      return fail(r, INTEROP_INVALID_ARGUMENT, "missing required field");
    }
  }
  r->depth--;
  return interop_fill_missing(t, out, seen, r->arena, r->err);
}

/* `U { value_type: ubyte (slot 0), value (slot 1): UCase { value } }`. */
static int read_union(fb_reader *r, const interop_type *t, size_t at, void *out) {
  fb_table tab;
  size_t pos = 0, target = 0;
  int rc = open_table(r, at, &tab);
  if (rc || (rc = field_at(r, &tab, 0, 1, &pos))) return rc;
  uint32_t which = pos ? r->p[pos] : 0;
  if ((rc = field_at(r, &tab, 1, 4, &pos))) return rc;
  if (which == 0 || pos == 0) return fail(r, INTEROP_INVALID_ARGUMENT, "expected exactly one %s case", fb_short_name(t));
  const interop_field *c = interop_union_case_by_id(t, which);
  if (c == NULL) return fail(r, INTEROP_INVALID_ARGUMENT, "unknown %s case id %" PRIu32, fb_short_name(t), which);
  if ((rc = follow(r, pos, &target))) return rc;
  if (c->type == NULL) { /* a unit case: an empty table (fields a newer sender put in it ignored) */
    fb_table unit;
    if ((rc = open_table(r, target, &unit))) return rc;
    r->depth--;
  } else if ((rc = read_wrapper(r, c->type, target, AT(out, c->offset)))) {
    path_field(r, c->name);
    return rc;
  }
  *(uint32_t *)out = which;
  r->depth--;
  return INTEROP_OK;
}

/* What a uoffset points to: a string, a [ubyte], a vector, or a table. */
static int read_object(fb_reader *r, const interop_type *t, size_t at, void *out) {
  switch (t->kind) {
    case INTEROP_KIND_STRING: case INTEROP_KIND_BYTES: return read_text(r, t, at, out);
    case INTEROP_KIND_LIST: return read_list(r, t, at, out);
    case INTEROP_KIND_MAP: return read_map(r, t, at, out);
    case INTEROP_KIND_STRUCT: memset(out, 0, t->size); return read_struct(r, t, at, out);
    case INTEROP_KIND_UNION: memset(out, 0, t->size); return read_union(r, t, at, out);
    default: return fail(r, INTEROP_INTERNAL, "flatbuffers: no object for kind %u", t->kind);
  }
}

/* The value of `slot` of a table into out (*seen = whether the field is there; out untouched
 * when it is not, for the caller's default). An optional is its inner value when present. */
static int read_slot(fb_reader *r, const fb_table *tab, uint32_t slot, const interop_type *t, void *out, bool *seen) {
  const interop_type *inner = t->kind == INTEROP_KIND_OPTIONAL ? t->elem : t;
  uint32_t s = fb_scalar_size(inner);
  size_t pos = 0, target = 0;
  int rc = field_at(r, tab, slot, s ? s : 4, &pos);
  *seen = pos != 0;
  if (rc || pos == 0) return rc;
  void *dst = out;
  if (t->kind == INTEROP_KIND_OPTIONAL) {
    if (t->flags & INTEROP_TYPE_BY_POINTER) {
      if ((dst = interop_arena_alloc(r->arena, inner->size, inner->align)) == NULL) return oom(r);
      memset(dst, 0, inner->size);
      *(void **)out = dst;
    } else {
      *(bool *)out = true;
      dst = AT(out, t->value_offset);
    }
  }
  if (s) return read_scalar(r, inner, pos, dst);
  if ((rc = follow(r, pos, &target))) return rc;
  return read_object(r, inner, target, dst);
}

int interop_flatbuffers_decode(const interop_type *t, const uint8_t *p, size_t n, uint32_t max_depth,
                               interop_arena *a, void *out, interop_error *err) {
  static const uint8_t empty[12] = {8, 0, 0, 0, 4, 0, 4, 0, 4, 0, 0, 0}; /* an empty payload: the root table with no field */
  fb_reader r = {p, n, 0, max_depth, 0, a, err, {0}, 0, false};
  r.path_start = sizeof r.path - 1;
  memset(out, 0, t->size);
  int rc;
  size_t root = 0;
  if (n == 0) {
    r.p = empty, r.n = sizeof empty;
    root = 8;
    rc = INTEROP_OK;
  } else if (n < 4) {
    rc = fail(&r, INTEROP_INVALID_ARGUMENT, "a payload of %zu bytes (a FlatBuffer has at least 4)", n);
  } else {
    rc = follow(&r, 0, &root);
  }
  /* A struct or union payload is its table; any other value is slot 0 of a wrapper table. */
  if (rc == INTEROP_OK) rc = fb_is_table(t) ? read_object(&r, t, root, out) : read_wrapper(&r, t, root, out);
  if (rc != INTEROP_OK && err != NULL) {
    char detail[INTEROP_MESSAGE_MAX];
    memcpy(detail, err->message, sizeof detail);
    const char *name = fb_short_name(t), *path = r.path + r.path_start;
    if (*name == '\0' && *path == '.') path++;
    if (*name == '\0' && *path == '\0') snprintf(err->message, sizeof err->message, "%s", detail);
    else snprintf(err->message, sizeof err->message, "%s%s: %s", name, path, detail);
  }
  return rc;
}
