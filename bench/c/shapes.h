/* The three bench shapes as C values, equal to bench/shapes/data.ts's (small, nested, blob), and
 * the small helpers every C benchmark program shares. */
#ifndef BENCH_C_SHAPES_H
#define BENCH_C_SHAPES_H
#include <stdint.h>
#include "bench_shapes.h"

typedef enum { SHAPE_SMALL, SHAPE_NESTED, SHAPE_BLOB, SHAPE_COUNT } shape_id;

extern const char *const SHAPE_NAMES[SHAPE_COUNT];

/** "small", "nested" or "blob" as a shape_id; SHAPE_COUNT for anything else. */
shape_id shape_by_name(const char *name);

/** The values, built once (in static storage) on first use. */
const bench_shapes_Small *shape_small(void);
const bench_shapes_Nested *shape_nested(void);
const bench_shapes_Blob *shape_blob(void);
/** The value of a shape, as the pointer its echo function takes. */
const void *shape_value(shape_id s);

/** Monotonic clock, ns. */
uint64_t bench_now_ns(void);

#endif
