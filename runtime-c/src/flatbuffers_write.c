/* The canonical FlatBuffers layout (docs/wire.md §3.6, ADR 0041): written forward at one cursor,
 * depth-first in field order. A table is its own vtable followed at once by the table (its offset
 * fields written as 0 and patched, 4 bytes each, when the object they point to is written right
 * after), then the objects of its fields in slot order, each with its own objects. Every field
 * the value has is written (defaults and zeros included); an absent optional is not. Values are
 * checked as they are written (the checks of check.c) and each table counts one level of nesting,
 * as the reader counts it. */
#include <math.h>
#include <stdlib.h>
#include "flatbuffers.h"

const interop_type interop_flatbuffers_nested = {
    .kind = INTEROP_KIND_BYTES, .size = sizeof(interop_bytes), .align = _Alignof(interop_bytes)};

typedef struct fb_writer {
  interop_buf *out;
  size_t base; /* where the payload starts in out: positions are from there */
  uint32_t max_depth;
  uint32_t depth;
  interop_path path;
  interop_error *err;
} fb_writer;

/* What one slot of a table holds: a value of a type, a union's case id (a ubyte), or a union's
 * case table (`UCase { value }`, not a declared type). */
typedef enum { ITEM_VALUE, ITEM_TAG, ITEM_CASE } item_kind;

typedef struct fb_item {
  item_kind kind;
  uint32_t slot;
  const interop_type *type; /* ITEM_VALUE: the value's type; ITEM_CASE: the case's (NULL: unit) */
  const void *value;
  uint8_t tag;       /* ITEM_TAG */
  uint32_t size;     /* inline bytes: the scalar's, or 4 for a uoffset; 0 = not written */
  uint32_t at;       /* position in the table */
  const char *name;  /* for the path of an error */
} fb_item;

static size_t cursor(const fb_writer *w) { return w->out->len - w->base; }

static void pad_to(fb_writer *w, size_t pos) {
  static const uint8_t zeros[8] = {0};
  while (cursor(w) < pos) {
    size_t n = pos - cursor(w);
    interop_buf_put(w->out, zeros, n < 8 ? n : 8);
    if (w->out->failed) return;
  }
}

static void put_le(interop_buf *b, uint64_t bits, size_t bytes) {
  uint8_t tmp[8];
  for (size_t i = 0; i < bytes; i++) tmp[i] = (uint8_t)(bits >> (8 * i));
  interop_buf_put(b, tmp, bytes);
}

/* Writes a uoffset at `at` (already reserved) pointing at `target`. */
static void patch(fb_writer *w, size_t at, size_t target) {
  if (w->out->failed) return;
  uint32_t u = (uint32_t)(target - at);
  uint8_t *p = w->out->data + w->base + at;
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(u >> (8 * i));
}

static size_t align_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

/* A scalar or enum, little-endian in its own width (NaN as the quiet NaN with the sign clear). */
static void put_scalar(fb_writer *w, const interop_type *t, const void *v) {
  switch (t->kind) {
    case INTEROP_KIND_BOOL: interop_buf_byte(w->out, *(const bool *)v ? 1 : 0); return;
    case INTEROP_KIND_ENUM: put_le(w->out, (uint32_t) * (const int32_t *)v, 4); return;
    case INTEROP_KIND_F32: {
      float f = *(const float *)v;
      uint32_t bits = 0x7fc00000u;
      if (!isnan(f)) memcpy(&bits, &f, 4);
      put_le(w->out, bits, 4);
      return;
    }
    case INTEROP_KIND_F64: {
      double d = *(const double *)v;
      uint64_t bits = 0x7ff8000000000000ull;
      if (!isnan(d)) memcpy(&bits, &d, 8);
      put_le(w->out, bits, 8);
      return;
    }
    default:
      if (interop_kind_is_signed(t->kind)) put_le(w->out, (uint64_t)interop_get_signed(t->kind, v), fb_scalar_size(t));
      else put_le(w->out, interop_get_unsigned(t->kind, v), fb_scalar_size(t));
  }
}

static int write_object(fb_writer *w, const interop_type *t, const void *v, size_t *pos);
static int write_table(fb_writer *w, fb_item *items, size_t n, size_t *pos);

/* A table of one slot holding `t` (a wrapper, a payload that is not a table, a union's case). */
static int write_wrapper(fb_writer *w, const interop_type *t, const void *v, size_t *pos) {
  fb_item item = {ITEM_VALUE, 0, t, v, 0, 0, 0, NULL};
  return write_table(w, &item, t == NULL ? 0 : 1, pos);
}

/* The object an offset item points to. */
static int write_item_object(fb_writer *w, const fb_item *it, size_t *pos) {
  switch (it->kind) {
    case ITEM_CASE: return write_wrapper(w, it->type, it->value, pos);
    default: return write_object(w, it->type, it->value, pos);
  }
}

/* Sizes each item (an absent optional is not written, a present one is its value). */
static void size_items(fb_item *items, size_t n) {
  for (size_t i = 0; i < n; i++) {
    fb_item *it = &items[i];
    if (it->kind == ITEM_TAG) {
      it->size = 1;
      continue;
    }
    if (it->kind != ITEM_VALUE) {
      it->size = 4;
      continue;
    }
    if (it->type->kind == INTEROP_KIND_OPTIONAL) {
      it->value = interop_optional_value(it->type, it->value);
      it->type = it->type->elem;
      if (it->value == NULL) {
        it->size = 0;
        continue;
      }
    }
    uint32_t s = fb_scalar_size(it->type);
    it->size = s ? s : 4;
  }
}

/* items: in ascending slot order. *pos: where the table (its soffset) is. */
static int write_table(fb_writer *w, fb_item *items, size_t n, size_t *pos) {
  if (++w->depth > w->max_depth)
    return interop_error_set(w->err, INTEROP_RESOURCE_EXHAUSTED, "nesting deeper than max_depth %u", w->max_depth);
  size_items(items, n);
  uint32_t slots = 0, align = 4, end = 4;
  for (size_t i = 0; i < n; i++) {
    fb_item *it = &items[i];
    if (it->size == 0) continue;
    slots = it->slot + 1;
    if (it->size > align) align = it->size;
    it->at = (uint32_t)align_up(end, it->size);
    end = it->at + it->size;
  }
  size_t vtable_bytes = 4 + 2 * (size_t)slots;
  size_t t = align_up(cursor(w) + vtable_bytes, align);
  pad_to(w, t - vtable_bytes);
  put_le(w->out, vtable_bytes, 2);
  put_le(w->out, end, 2);
  size_t k = 0;
  for (uint32_t s = 0; s < slots; s++) {
    while (k < n && (items[k].slot < s || items[k].size == 0)) k++;
    put_le(w->out, k < n && items[k].slot == s ? items[k].at : 0, 2);
  }
  put_le(w->out, (uint32_t)vtable_bytes, 4);
  for (size_t i = 0; i < n; i++) {
    fb_item *it = &items[i];
    if (it->size == 0) continue;
    pad_to(w, t + it->at);
    if (it->kind == ITEM_TAG) interop_buf_byte(w->out, it->tag);
    else if (it->kind == ITEM_VALUE && fb_scalar_size(it->type)) put_scalar(w, it->type, it->value);
    else put_le(w->out, 0, 4);
  }
  int rc = INTEROP_OK;
  for (size_t i = 0; i < n && rc == INTEROP_OK; i++) {
    fb_item *it = &items[i];
    if (it->size != 4 || (it->kind == ITEM_VALUE && fb_scalar_size(it->type))) continue;
    size_t target = 0;
    if ((rc = write_item_object(w, it, &target)) == INTEROP_OK) patch(w, t + it->at, target);
    else if (it->name != NULL) interop_path_field(&w->path, it->name);
  }
  w->depth--;
  *pos = t;
  return rc;
}

static int write_struct(fb_writer *w, const interop_type *t, const void *v, size_t *pos) {
  fb_item small[32];
  fb_item *items = t->count <= 32 ? small : malloc(t->count * sizeof *items);
  if (items == NULL) return interop_error_set(w->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  for (uint32_t i = 0; i < t->count; i++) {
    const interop_field *f = &t->fields[i];
    if (f->id > FB_MAX_FIELD_ID) {
      if (items != small) free(items);
      return interop_error_set(w->err, INTEROP_INVALID_ARGUMENT, "%s.%s has id %u, past the largest FlatBuffers takes (%u)",
                               fb_short_name(t), f->name, f->id, FB_MAX_FIELD_ID);
    }
    items[i] = (fb_item){ITEM_VALUE, f->id - 1, f->type, CAT(v, f->offset), 0, 0, 0, f->name};
  }
  int rc = write_table(w, items, t->count, pos);
  if (items != small) free(items);
  return rc;
}

/* `U { value_type (slot 0), value (slot 1): the case table UCase { value } }`. */
static int write_union(fb_writer *w, const interop_type *t, const void *v, size_t *pos) {
  const interop_field *c = interop_union_case(t, v, w->err);
  if (c == NULL) return INTEROP_INVALID_ARGUMENT;
  if (c->id > 255) /* E0704 in `interopc gen --lang fbs`: the union type is a ubyte */
    return interop_error_set(w->err, INTEROP_INVALID_ARGUMENT, "%s case id %u does not fit a FlatBuffers union (1 to 255)",
                             fb_short_name(t), c->id);
  fb_item items[2] = {{ITEM_TAG, 0, NULL, NULL, (uint8_t)c->id, 0, 0, NULL},
                      {ITEM_CASE, 1, c->type, CAT(v, c->offset), 0, 0, 0, c->name}};
  return write_table(w, items, 2, pos);
}

/* At the next multiple of 4: the u32 byte count, the bytes, and (for a string) a 0 byte. */
static void put_text(fb_writer *w, const void *p, size_t n, bool string, size_t *pos) {
  pad_to(w, align_up(cursor(w), 4));
  *pos = cursor(w);
  put_le(w->out, n, 4);
  interop_buf_put(w->out, p, n);
  if (string) interop_buf_byte(w->out, 0);
}

/* A vector of scalars of size s: its count at p, p a multiple of 4 and p + 4 of s. */
static size_t scalar_vector_start(fb_writer *w, uint32_t s) {
  size_t p = align_up(cursor(w), 4);
  while ((p + 4) % s != 0) p += 4;
  pad_to(w, p);
  return p;
}

static int write_list(fb_writer *w, const interop_type *t, const interop_list *l, size_t *pos) {
  int rc;
  if ((rc = interop_check_container(l->items, l->len, "list", w->err))) return rc;
  const interop_type *e = t->elem;
  const char *items = l->items;
  uint32_t s = fb_scalar_size(e);
  if (s != 0) {
    *pos = scalar_vector_start(w, s);
    put_le(w->out, l->len, 4);
    for (size_t i = 0; i < l->len; i++) put_scalar(w, e, items + i * e->size);
    return INTEROP_OK;
  }
  pad_to(w, align_up(cursor(w), 4));
  size_t at = *pos = cursor(w);
  put_le(w->out, l->len, 4);
  for (size_t i = 0; i < l->len; i++) put_le(w->out, 0, 4);
  for (size_t i = 0; i < l->len; i++) {
    const void *v = items + i * e->size;
    size_t target = 0;
    rc = fb_element_wrapped(e) ? write_wrapper(w, e, v, &target) : write_object(w, e, v, &target);
    if (rc != INTEROP_OK) {
      interop_path_index(&w->path, i);
      return rc;
    }
    patch(w, at + 4 + 4 * i, target);
  }
  return INTEROP_OK;
}

/* A vector of entry tables `{ key (slot 0), value (slot 1) }` in key order. */
static int write_map(fb_writer *w, const interop_type *t, const interop_map *m, size_t *pos) {
  int rc;
  if ((rc = interop_check_container(m->keys, m->len, "map", w->err)) ||
      (rc = interop_check_container(m->values, m->len, "map", w->err)))
    return rc;
  size_t *order;
  if ((rc = interop_map_order(t, m, &order, w->err))) return rc;
  pad_to(w, align_up(cursor(w), 4));
  size_t at = *pos = cursor(w);
  put_le(w->out, m->len, 4);
  for (size_t i = 0; i < m->len; i++) put_le(w->out, 0, 4);
  for (size_t i = 0; i < m->len && rc == INTEROP_OK; i++) {
    size_t j = order ? order[i] : i, target = 0;
    fb_item items[2] = {{ITEM_VALUE, 0, t->key, (const char *)m->keys + j * t->key->size, 0, 0, 0, NULL},
                        {ITEM_VALUE, 1, t->elem, (const char *)m->values + j * t->elem->size, 0, 0, 0, NULL}};
    if ((rc = write_table(w, items, 2, &target)) == INTEROP_OK) patch(w, at + 4 + 4 * i, target);
    else interop_path_index(&w->path, j);
  }
  free(order);
  return rc;
}

/* What a uoffset points to: a string, a [ubyte], a vector, or a table. */
static int write_object(fb_writer *w, const interop_type *t, const void *v, size_t *pos) {
  int rc;
  switch (t->kind) {
    case INTEROP_KIND_STRING: {
      const interop_str *s = v;
      if ((rc = interop_check_string(s, w->err))) return rc;
      put_text(w, s->ptr, s->len, true, pos);
      return INTEROP_OK;
    }
    case INTEROP_KIND_BYTES: {
      const interop_bytes *b = v;
      if ((rc = interop_check_container(b->ptr, b->len, "bytes", w->err))) return rc;
      if (t == &interop_flatbuffers_nested) {
        *pos = scalar_vector_start(w, 8);
        put_le(w->out, b->len, 4);
        interop_buf_put(w->out, b->ptr, b->len);
      } else {
        put_text(w, b->ptr, b->len, false, pos);
      }
      return INTEROP_OK;
    }
    case INTEROP_KIND_LIST: return write_list(w, t, v, pos);
    case INTEROP_KIND_MAP: return write_map(w, t, v, pos);
    case INTEROP_KIND_STRUCT: return write_struct(w, t, v, pos);
    case INTEROP_KIND_UNION: return write_union(w, t, v, pos);
    default: return interop_error_set(w->err, INTEROP_INTERNAL, "flatbuffers: no object for kind %u", t->kind);
  }
}

int interop_flatbuffers_encode(const interop_type *t, const void *v, uint32_t max_depth, interop_buf *out,
                               interop_error *err) {
  fb_writer w = {out, out->len, max_depth, 0, {{0}, 0}, err};
  interop_path_init(&w.path);
  put_le(out, 0, 4); /* the root uoffset */
  size_t root = 0;
  /* A struct or union payload is its table; any other value is slot 0 of a wrapper table. */
  int rc = fb_is_table(t) ? write_object(&w, t, v, &root) : write_wrapper(&w, t, v, &root);
  if (rc == INTEROP_OK && cursor(&w) > UINT32_MAX)
    rc = interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "a FlatBuffer of more than 4 GiB");
  if (rc != INTEROP_OK) interop_path_apply(&w.path, err);
  else patch(&w, 0, root);
  return rc;
}
