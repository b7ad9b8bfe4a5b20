/* Chunked bump allocator: decoded values are many small pieces freed together. */
#include <stdlib.h>
#include <string.h>
#include "interop/arena.h"

struct interop_arena_chunk {
  interop_arena_chunk *next;
  size_t size;
  _Alignas(16) unsigned char data[];
};

enum { FIRST_CHUNK = 1024, MAX_DOUBLING = 1 << 20 };

void interop_arena_init(interop_arena *a) {
  a->head = NULL;
  a->used = 0;
  a->total = 0;
}

void *interop_arena_alloc(interop_arena *a, size_t size, size_t align) {
  if (align == 0) align = 1;
  if (a->head != NULL) {
    size_t start = (a->used + align - 1) & ~(align - 1);
    if (start <= a->head->size && size <= a->head->size - start) {
      a->used = start + size;
      void *p = a->head->data + start;
      memset(p, 0, size);
      return p;
    }
  }
  size_t want = a->head == NULL ? FIRST_CHUNK : a->head->size * 2;
  if (want > MAX_DOUBLING) want = MAX_DOUBLING;
  if (size > want) want = size;
  if (want > SIZE_MAX - sizeof(interop_arena_chunk)) return NULL;
  interop_arena_chunk *c = malloc(sizeof(interop_arena_chunk) + want);
  if (c == NULL) return NULL;
  c->next = a->head;
  c->size = want;
  a->head = c;
  a->used = size;
  a->total += want;
  memset(c->data, 0, size);
  return c->data;
}

char *interop_arena_strndup(interop_arena *a, const char *s, size_t len) {
  if (len == SIZE_MAX) return NULL;
  char *p = interop_arena_alloc(a, len + 1, 1);
  if (p == NULL) return NULL;
  if (len > 0) memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

void interop_arena_adopt(interop_arena *dst, interop_arena *src) {
  if (src->head == NULL) return;
  if (dst->head == NULL) {
    *dst = *src;
  } else {
    /* src's chunks go behind dst's current one, which keeps taking small allocations. */
    interop_arena_chunk *last = src->head;
    while (last->next != NULL) last = last->next;
    last->next = dst->head->next;
    dst->head->next = src->head;
    dst->total += src->total;
  }
  interop_arena_init(src);
}

void interop_arena_free(interop_arena *a) {
  interop_arena_chunk *c = a->head;
  while (c != NULL) {
    interop_arena_chunk *next = c->next;
    free(c);
    c = next;
  }
  interop_arena_init(a);
}
