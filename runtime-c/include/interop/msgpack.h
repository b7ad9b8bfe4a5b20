/* The pieces of runtime-c's msgpack codec (docs/wire.md §3.2), for code that walks values of its
 * own rather than C structs: the C++ layer's generated codecs (ADR 0030) write and read std::
 * containers through these, so every byte still comes from this one implementation, with the same
 * canonical forms, checks, limits and error messages as interop_encode / interop_decode.
 *
 * Writing: interop_mp_writer_init, then the value's pieces in canonical order (struct fields by
 * ascending id, map entries by key), then interop_mp_writer_done. A container is
 * interop_mp_begin_* … interop_mp_end (depth is counted as the C codec counts it).
 * Reading: interop_mp_reader_init, the pieces in the order they come, interop_mp_reader_done.
 * On an error, interop_path_field / interop_path_index on the way out build the value's path
 * ("items[3].name"), which *_done puts before the message. */
#ifndef INTEROP_MSGPACK_H
#define INTEROP_MSGPACK_H

#include "arena.h"
#include "buf.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where in a value an error happened ("readings[3].celsius"), built back to front as the error
 * unwinds, then put before the message. */
typedef struct interop_path {
  char buf[192];
  size_t start; /* the path is buf[start..] */
} interop_path;
void interop_path_init(interop_path *p);
void interop_path_field(interop_path *p, const char *name);
void interop_path_index(interop_path *p, size_t index);
/* "path: message" when the path is not empty. */
void interop_path_apply(const interop_path *p, interop_error *err);

typedef struct interop_mp_writer {
  interop_buf *out;
  uint32_t max_depth;
  uint32_t depth;
  interop_path path;
  interop_error *err;
} interop_mp_writer;

void interop_mp_writer_init(interop_mp_writer *w, interop_buf *out, uint32_t max_depth, interop_error *err);
/* Puts the path before the message of a failed write; returns rc. */
int interop_mp_writer_done(interop_mp_writer *w, int rc);

void interop_mp_put_nil(interop_buf *b);
void interop_mp_put_bool(interop_buf *b, bool v);
void interop_mp_put_uint(interop_buf *b, uint64_t v);
void interop_mp_put_int(interop_buf *b, int64_t v);
void interop_mp_put_f32(interop_buf *b, float v);
void interop_mp_put_f64(interop_buf *b, double v);
/* A string: INVALID_ARGUMENT unless valid UTF-8. */
int interop_mp_put_str(interop_mp_writer *w, const char *p, size_t n);
int interop_mp_put_bin(interop_mp_writer *w, const uint8_t *p, size_t n);
/* Containers: a list of n items, a map of n entries, a struct of n present fields, a union (its
 * case id; then its value, or interop_mp_put_nil for a unit case). Each counts one level of depth:
 * end it with interop_mp_end. */
int interop_mp_begin_list(interop_mp_writer *w, size_t n);
int interop_mp_begin_map(interop_mp_writer *w, size_t n);
int interop_mp_begin_struct(interop_mp_writer *w, size_t n);
int interop_mp_begin_union(interop_mp_writer *w, uint32_t case_id);
void interop_mp_end(interop_mp_writer *w);

typedef struct interop_mp_reader {
  const uint8_t *p;
  const uint8_t *end;
  uint32_t max_depth;
  uint32_t depth;
  interop_arena *arena; /* scratch of the skipper (unknown fields); nothing decoded lives there */
  interop_path path;
  interop_error *err;
} interop_mp_reader;

void interop_mp_reader_init(interop_mp_reader *r, const uint8_t *p, size_t n, uint32_t max_depth,
                            interop_arena *scratch, interop_error *err);
/* After the value: INVALID_ARGUMENT when bytes are left; puts the path before a failure's message. */
int interop_mp_reader_done(interop_mp_reader *r, int rc);

/* A nil next: consumed, true. */
bool interop_mp_take_nil(interop_mp_reader *r);
int interop_mp_get_bool(interop_mp_reader *r, bool *out);
/* An integer within [min, max] (`name`, "i32", says which in messages). */
int interop_mp_get_int(interop_mp_reader *r, int64_t min, int64_t max, const char *name, int64_t *out);
int interop_mp_get_uint(interop_mp_reader *r, uint64_t max, const char *name, uint64_t *out);
int interop_mp_get_f64(interop_mp_reader *r, double *out);
/* A string (valid UTF-8) or bytes: *p points into the input, valid while it is. */
int interop_mp_get_str(interop_mp_reader *r, const char **p, size_t *n);
int interop_mp_get_bin(interop_mp_reader *r, const uint8_t **p, size_t *n);
/* Container headers (lengths checked against the bytes left; one level of depth each: end them
 * with interop_mp_leave). `name` is the struct's or union's qualified name, for messages. */
int interop_mp_get_list(interop_mp_reader *r, uint64_t *n);
int interop_mp_get_map(interop_mp_reader *r, uint64_t *n);
int interop_mp_get_struct(interop_mp_reader *r, const char *name, uint64_t *n);
/* A struct's next field id (0 … UINT32_MAX). */
int interop_mp_get_field_id(interop_mp_reader *r, uint32_t *id);
/* The value of a field this side does not know: skipped, but checked. */
int interop_mp_skip(interop_mp_reader *r);
/* Unknown field ids of one struct, given twice: INVALID_ARGUMENT (`ids` is reordered). */
int interop_mp_check_unknown_ids(interop_mp_reader *r, uint64_t *ids, size_t n);
/* A union's header and case id (UINT64_MAX for a negative one: unknown to every schema). */
int interop_mp_get_union(interop_mp_reader *r, const char *name, uint64_t *case_id);
/* The nil of a unit case. */
int interop_mp_get_unit(interop_mp_reader *r);
void interop_mp_leave(interop_mp_reader *r);

#ifdef __cplusplus
}
#endif
#endif
