/* Shared by the runtime's sources; not installed. */
#ifndef INTEROP_INTERNAL_H
#define INTEROP_INTERNAL_H

#include <string.h>
#include "interop/codec.h"
#include "interop/msgpack.h"

#define INTEROP_UNUSED(x) ((void)(x))

/* ---- memory layout helpers ---- */
#define AT(base, off) ((void *)((char *)(base) + (off)))
#define CAT(base, off) ((const void *)((const char *)(base) + (off)))

/* ---- scalars ---- */
bool interop_kind_is_int(uint32_t kind);
bool interop_kind_is_signed(uint32_t kind);
/* The range of an integer kind (ENUM is i32). */
void interop_int_range(uint32_t kind, int64_t *min, uint64_t *max);
/* Reads an integer-kind value as (negative, magnitude-free) int64/uint64. */
int64_t interop_get_signed(uint32_t kind, const void *p);
uint64_t interop_get_unsigned(uint32_t kind, const void *p);
void interop_put_int(uint32_t kind, void *p, int64_t v);
void interop_put_uint(uint32_t kind, void *p, uint64_t v);
const char *interop_kind_name(uint32_t kind);

/* ---- text ---- */
/* Valid UTF-8 per RFC 3629 (no overlongs, no surrogates, nothing above U+10FFFF). */
bool interop_utf8_valid(const uint8_t *s, size_t n);
/* Writes the UTF-8 of a code point (<= U+10FFFF, not a surrogate) into out; returns its length. */
size_t interop_utf8_put(uint32_t cp, uint8_t *out);
void interop_base64_encode(interop_buf *out, const uint8_t *p, size_t n);
/* Decodes standard base64 with padding; false when the text is not valid base64. */
bool interop_base64_decode(const uint8_t *s, size_t n, interop_arena *a, interop_bytes *out);

/* ---- numbers as text ---- */
/* ECMAScript Number.prototype.toString of a finite double; out holds at least 32 bytes. */
size_t interop_format_f64(double v, char *out);
/* The shortest digits that round-trip through f32, printed as ECMAScript prints that decimal. */
size_t interop_format_f32(float v, char *out);
size_t interop_format_u64(uint64_t v, char *out);
size_t interop_format_i64(int64_t v, char *out);
/* Parses JSON number text (already validated) as a double without depending on the locale. */
double interop_parse_double(const char *s, size_t n);

/* ---- maps ---- */
/* Compares two keys of a map's key type (integers and enums numerically, strings by bytes). */
int interop_key_cmp(const interop_type *key, const void *a, const void *b);
/* The order entries are written in: NULL when already strictly ascending (no work), else a
 * permutation allocated in *tmp (caller frees). Equal keys: INVALID_ARGUMENT. */
int interop_map_order(const interop_type *map, const interop_map *m, size_t **order, interop_error *err);
/* Sorts a decoded map in place (arena memory); equal keys are INVALID_ARGUMENT, and *dup (when
 * dup is not NULL) then points at the key given twice. */
int interop_map_sort(const interop_type *map, interop_map *m, interop_arena *a, const void **dup, interop_error *err);
/* A key as text: a string as itself (its first 64 bytes), an integer or enum in decimal. */
void interop_map_key_text(const interop_type *key, const void *k, char *out, size_t cap);
/* A stable merge sort of n indices by cmp(ctx, i, j); tmp holds n indices. */
void interop_sort_indices(size_t *idx, size_t *tmp, size_t n, int (*cmp)(const void *ctx, size_t, size_t),
                          const void *ctx);

/* ---- value checks (one place for encoders and direct calls) ---- */
int interop_check_string(const interop_str *s, interop_error *err);
/* The case of a union value, or NULL (INVALID_ARGUMENT set) when `which` names none. */
const interop_field *interop_union_case(const interop_type *t, const void *value, interop_error *err);
const interop_field *interop_union_case_by_id(const interop_type *t, uint64_t id);
/* Whether an optional value is present, and where its value is. */
const void *interop_optional_value(const interop_type *t, const void *value);
int interop_check_container(const void *items, size_t len, const char *what, interop_error *err);

/* Fills the fields a decoder did not see (defaults, zero values, enum zero, errors for missing
 * struct- and union-typed fields). seen[i] tells whether field i was read. */
int interop_fill_missing(const interop_type *t, void *out, const bool *seen, interop_arena *a,
                         interop_error *err);

/* ---- codecs ---- */
/* A JSON string with the canonical escapes (docs/wire.md §3.1); the bytes must be valid UTF-8. */
void interop_json_put_string(interop_buf *b, const char *s, size_t n);
int interop_msgpack_encode(const interop_type *t, const void *v, uint32_t max_depth, interop_buf *out,
                           interop_error *err);
int interop_msgpack_decode(const interop_type *t, const uint8_t *p, size_t n, uint32_t max_depth,
                           interop_arena *a, void *out, interop_error *err);
int interop_json_encode(const interop_type *t, const void *v, uint32_t max_depth, interop_buf *out,
                        interop_error *err);
int interop_json_decode(const interop_type *t, const uint8_t *p, size_t n, uint32_t max_depth,
                        interop_arena *a, void *out, interop_error *err);

#endif
