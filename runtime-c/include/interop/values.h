/* The C representation of interop values (docs/c.md "Type mapping"). Generated code and the
 * runtime share these shapes; every container is a pointer and a length, so D (extern(C) structs),
 * C++ and Haskell (Storable) can describe the same memory. */
#ifndef INTEROP_VALUES_H
#define INTEROP_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** UTF-8 text. Not necessarily NUL-terminated when built by the user; decoded strings are
 * NUL-terminated (the NUL is not counted in len) but may hold NUL bytes themselves. */
typedef struct interop_str {
  const char *ptr;
  size_t len;
} interop_str;

/** Raw bytes. */
typedef struct interop_bytes {
  const uint8_t *ptr;
  size_t len;
} interop_bytes;

/** Any list<T>: generated code declares typed twins ({T *items; size_t len;}). */
typedef struct interop_list {
  void *items;
  size_t len;
} interop_list;

/** Any map<K, V>: parallel arrays of keys and values. Generated code declares typed twins. */
typedef struct interop_map {
  void *keys;
  void *values;
  size_t len;
} interop_map;

/** A literal string as an interop_str: INTEROP_STR("hello"). */
#define INTEROP_STR(lit) ((interop_str){(lit), sizeof(lit) - 1})

/** Lists and optionals of the scalar types, shared by every generated module. */
#define INTEROP_SCALAR_CONTAINERS(X) \
  X(bool, bool) X(i8, int8_t) X(i16, int16_t) X(i32, int32_t) X(i64, int64_t) X(u8, uint8_t) \
  X(u16, uint16_t) X(u32, uint32_t) X(u64, uint64_t) X(f32, float) X(f64, double) \
  X(string, interop_str) X(bytes, interop_bytes)

#define INTEROP_DECLARE_SCALAR_CONTAINERS(name, ctype) \
  typedef struct interop_list_##name { ctype *items; size_t len; } interop_list_##name; \
  typedef struct interop_opt_##name { bool has; ctype value; } interop_opt_##name;
INTEROP_SCALAR_CONTAINERS(INTEROP_DECLARE_SCALAR_CONTAINERS)
#undef INTEROP_DECLARE_SCALAR_CONTAINERS

#ifdef __cplusplus
}
#endif
#endif
