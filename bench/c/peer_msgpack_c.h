/* The msgpack-c peer of the C codec suite: the bench shapes packed and unpacked by hand with
 * msgpack-c's C API (what a C user of that library writes), in the same layout as ours (a struct
 * is a map of field id → value, docs/wire.md §2), decoded into the same generated C structs. */
#ifndef BENCH_C_PEER_MSGPACK_C_H
#define BENCH_C_PEER_MSGPACK_C_H
#include <msgpack.h>
#include "shapes.h"

/** Packs a shape's value into sbuf (appended). */
void mpc_encode(shape_id s, const void *value, msgpack_sbuffer *sbuf);

/** Unpacks bytes into out (a bench_shapes_<Shape>); strings and bytes point into data, lists into
 * the unpacked object's zone, which *result keeps. 0, or -1 when the bytes are not the shape. */
int mpc_decode(shape_id s, const char *data, size_t len, msgpack_unpacked *result, void *out);

#endif
