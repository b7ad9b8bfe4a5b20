/* Map key order (docs/wire.md §3: integers and enums numerically, strings by UTF-8 bytes), used by
 * encoders to write entries sorted and by decoders to sort what they read and find keys given twice. */
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"

int interop_key_cmp(const interop_type *key, const void *a, const void *b) {
  uint32_t k = key->kind;
  if (k == INTEROP_KIND_STRING) {
    const interop_str *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n == 0 ? 0 : memcmp(x->ptr, y->ptr, n);
    if (c != 0) return c;
    return x->len < y->len ? -1 : x->len > y->len;
  }
  if (interop_kind_is_signed(k)) {
    int64_t x = interop_get_signed(k, a), y = interop_get_signed(k, b);
    return x < y ? -1 : x > y;
  }
  uint64_t x = interop_get_unsigned(k, a), y = interop_get_unsigned(k, b);
  return x < y ? -1 : x > y;
}

void interop_sort_indices(size_t *idx, size_t *tmp, size_t n, int (*cmp)(const void *ctx, size_t, size_t),
                          const void *ctx) {
  /* Bottom-up merge sort: O(n log n) whatever the input, so a hostile payload cannot make it slow. */
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t i = lo, j = mid, o = lo;
      while (i < mid && j < hi) tmp[o++] = cmp(ctx, idx[j], idx[i]) < 0 ? idx[j++] : idx[i++];
      while (i < mid) tmp[o++] = idx[i++];
      while (j < hi) tmp[o++] = idx[j++];
    }
    memcpy(idx, tmp, n * sizeof *idx);
  }
}

typedef struct key_ctx {
  const interop_type *key;
  const char *keys;
} key_ctx;

static int cmp_keys(const void *ctx, size_t i, size_t j) {
  const key_ctx *c = ctx;
  size_t sz = c->key->size;
  return interop_key_cmp(c->key, c->keys + i * sz, c->keys + j * sz);
}

void interop_map_key_text(const interop_type *key, const void *k, char *out, size_t cap) {
  if (key->kind == INTEROP_KIND_STRING) {
    const interop_str *s = k;
    snprintf(out, cap, "%.*s", (int)(s->len > 64 ? 64 : s->len), s->ptr);
  } else if (interop_kind_is_signed(key->kind)) {
    snprintf(out, cap, "%lld", (long long)interop_get_signed(key->kind, k));
  } else {
    snprintf(out, cap, "%llu", (unsigned long long)interop_get_unsigned(key->kind, k));
  }
}

static int duplicate_key(const interop_type *key, const void *k, const void **dup, interop_error *err) {
  char text[80];
  interop_map_key_text(key, k, text, sizeof text);
  if (dup != NULL) *dup = k;
  if (key->kind == INTEROP_KIND_STRING)
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "map key \"%s\" given twice", text);
  return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "map key %s given twice", text);
}

static int map_order(const interop_type *map, const interop_map *m, size_t **order, const void **dup, interop_error *err) {
  *order = NULL;
  const interop_type *key = map->key;
  const char *keys = m->keys;
  size_t n = m->len, sz = key->size, i = 1;
  for (; i < n; i++) {
    int c = interop_key_cmp(key, keys + (i - 1) * sz, keys + i * sz);
    if (c == 0) return duplicate_key(key, keys + i * sz, dup, err);
    if (c > 0) break;
  }
  if (i >= n) return INTEROP_OK;
  size_t *idx = malloc(2 * n * sizeof *idx);
  if (idx == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory sorting a map");
  for (i = 0; i < n; i++) idx[i] = i;
  key_ctx ctx = {key, keys};
  interop_sort_indices(idx, idx + n, n, cmp_keys, &ctx);
  for (i = 1; i < n; i++) {
    if (interop_key_cmp(key, keys + idx[i - 1] * sz, keys + idx[i] * sz) == 0) {
      int rc = duplicate_key(key, keys + idx[i] * sz, dup, err);
      free(idx);
      return rc;
    }
  }
  *order = idx;
  return INTEROP_OK;
}

int interop_map_order(const interop_type *map, const interop_map *m, size_t **order, interop_error *err) {
  return map_order(map, m, order, NULL, err);
}

int interop_map_sort(const interop_type *map, interop_map *m, interop_arena *a, const void **dup, interop_error *err) {
  size_t *order;
  int rc = map_order(map, m, &order, dup, err);
  if (rc != INTEROP_OK || order == NULL) return rc;
  size_t n = m->len, ks = map->key->size, vs = map->elem->size;
  char *keys = interop_arena_alloc(a, n * ks, map->key->align);
  char *values = interop_arena_alloc(a, n * vs, map->elem->align);
  if (keys == NULL || values == NULL) {
    free(order);
    return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory sorting a map");
  }
  for (size_t i = 0; i < n; i++) {
    memcpy(keys + i * ks, (char *)m->keys + order[i] * ks, ks);
    memcpy(values + i * vs, (char *)m->values + order[i] * vs, vs);
  }
  free(order);
  m->keys = keys;
  m->values = values;
  return INTEROP_OK;
}
