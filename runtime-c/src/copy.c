/* Deep copies by descriptor: an event published in-process is queued for its subscribers after
 * publish() returns, so its payload is copied (never encoded) into the event's arena. */
#include "node_internal.h"

static int copy_value(const interop_type *t, const void *src, void *dst, interop_arena *a);

static void *copy_block(interop_arena *a, const void *p, size_t n, size_t align) {
  if (n == 0) return NULL;
  void *q = interop_arena_alloc(a, n, align);
  if (q != NULL) memcpy(q, p, n);
  return q;
}

static int copy_items(const interop_type *t, const void *src, void **dst, size_t n, interop_arena *a) {
  if (n == 0) {
    *dst = NULL;
    return INTEROP_OK;
  }
  char *out = copy_block(a, src, n * t->size, t->align);
  if (out == NULL) return INTEROP_RESOURCE_EXHAUSTED;
  for (size_t i = 0; i < n; i++) {
    int rc = copy_value(t, (const char *)src + i * t->size, out + i * t->size, a);
    if (rc != INTEROP_OK) return rc;
  }
  *dst = out;
  return INTEROP_OK;
}

static int copy_value(const interop_type *t, const void *src, void *dst, interop_arena *a) {
  switch (t->kind) {
    case INTEROP_KIND_STRING: {
      const interop_str *s = src;
      char *p = interop_arena_strndup(a, s->ptr != NULL ? s->ptr : "", s->len);
      if (p == NULL) return INTEROP_RESOURCE_EXHAUSTED;
      *(interop_str *)dst = (interop_str){p, s->len};
      return INTEROP_OK;
    }
    case INTEROP_KIND_BYTES: {
      const interop_bytes *b = src;
      const uint8_t *p = copy_block(a, b->ptr, b->len, 1);
      if (b->len > 0 && p == NULL) return INTEROP_RESOURCE_EXHAUSTED;
      *(interop_bytes *)dst = (interop_bytes){p, b->len};
      return INTEROP_OK;
    }
    case INTEROP_KIND_LIST: {
      const interop_list *l = src;
      interop_list *out = dst;
      out->len = l->len;
      return copy_items(t->elem, l->items, &out->items, l->len, a);
    }
    case INTEROP_KIND_MAP: {
      const interop_map *m = src;
      interop_map *out = dst;
      out->len = m->len;
      int rc = copy_items(t->key, m->keys, &out->keys, m->len, a);
      return rc != INTEROP_OK ? rc : copy_items(t->elem, m->values, &out->values, m->len, a);
    }
    case INTEROP_KIND_OPTIONAL: {
      const void *inner = interop_optional_value(t, src);
      if (inner == NULL) return INTEROP_OK;
      if (t->flags & INTEROP_TYPE_BY_POINTER) { /* the pointed-to value itself, then what it points to */
        void *p = copy_block(a, inner, t->elem->size, t->elem->align);
        if (p == NULL) return INTEROP_RESOURCE_EXHAUSTED;
        *(void **)dst = p;
        return copy_value(t->elem, inner, p, a);
      }
      return copy_value(t->elem, inner, AT(dst, t->value_offset), a);
    }
    case INTEROP_KIND_STRUCT:
      for (uint32_t i = 0; i < t->count; i++) {
        const interop_field *f = &t->fields[i];
        int rc = copy_value(f->type, CAT(src, f->offset), AT(dst, f->offset), a);
        if (rc != INTEROP_OK) return rc;
      }
      return INTEROP_OK;
    case INTEROP_KIND_UNION: {
      const interop_field *c = interop_union_case_by_id(t, *(const uint32_t *)src);
      return c == NULL || c->type == NULL ? INTEROP_OK : copy_value(c->type, CAT(src, c->offset), AT(dst, c->offset), a);
    }
    default: return INTEROP_OK; /* scalars: copied with their container */
  }
}

int interop_copy(const interop_type *t, const void *src, void *dst, interop_arena *a) {
  memcpy(dst, src, t->size);
  return copy_value(t, src, dst, a);
}
