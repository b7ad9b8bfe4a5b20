/* Arenas own decoded values: everything a decode allocates lives in the arena it was given and
 * is freed at once with it (docs/c.md "Ownership"). Not thread-safe: one arena, one thread. */
#ifndef INTEROP_ARENA_H
#define INTEROP_ARENA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct interop_arena_chunk interop_arena_chunk;

typedef struct interop_arena {
  interop_arena_chunk *head; /* newest chunk first */
  size_t used;               /* bytes used in head */
  size_t total;              /* bytes allocated over all chunks (for limits and tests) */
} interop_arena;

#define INTEROP_ARENA_INIT {NULL, 0, 0}

void interop_arena_init(interop_arena *a);
/** Zeroed memory of `size` bytes aligned to `align` (a power of two <= 16); NULL when out of memory. */
void *interop_arena_alloc(interop_arena *a, size_t size, size_t align);
/** A copy of `len` bytes followed by a NUL. */
char *interop_arena_strndup(interop_arena *a, const char *s, size_t len);
/** Moves every allocation of `src` into `dst` (no copy); `src` is left empty. */
void interop_arena_adopt(interop_arena *dst, interop_arena *src);
/** Frees every allocation; the arena can be used again. */
void interop_arena_free(interop_arena *a);

#ifdef __cplusplus
}
#endif
#endif
