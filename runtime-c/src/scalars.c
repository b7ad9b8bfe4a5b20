/* Descriptors of the scalar types and reading/writing integers of any width by kind. */
#include <stdalign.h>
#include "internal.h"

#define SCALAR(var, KIND, ctype) \
  const interop_type var = {INTEROP_KIND_##KIND, 0, 0, sizeof(ctype), alignof(ctype), 0, 0, NULL, NULL, NULL, NULL, NULL};
SCALAR(interop_type_bool, BOOL, bool)
SCALAR(interop_type_i8, I8, int8_t)
SCALAR(interop_type_i16, I16, int16_t)
SCALAR(interop_type_i32, I32, int32_t)
SCALAR(interop_type_i64, I64, int64_t)
SCALAR(interop_type_u8, U8, uint8_t)
SCALAR(interop_type_u16, U16, uint16_t)
SCALAR(interop_type_u32, U32, uint32_t)
SCALAR(interop_type_u64, U64, uint64_t)
SCALAR(interop_type_f32, F32, float)
SCALAR(interop_type_f64, F64, double)
SCALAR(interop_type_string, STRING, interop_str)
SCALAR(interop_type_bytes, BYTES, interop_bytes)

bool interop_kind_is_int(uint32_t kind) {
  return (kind >= INTEROP_KIND_I8 && kind <= INTEROP_KIND_U64) || kind == INTEROP_KIND_ENUM;
}

bool interop_kind_is_signed(uint32_t kind) {
  return (kind >= INTEROP_KIND_I8 && kind <= INTEROP_KIND_I64) || kind == INTEROP_KIND_ENUM;
}

void interop_int_range(uint32_t kind, int64_t *min, uint64_t *max) {
  switch (kind) {
    case INTEROP_KIND_I8: *min = INT8_MIN, *max = INT8_MAX; return;
    case INTEROP_KIND_I16: *min = INT16_MIN, *max = INT16_MAX; return;
    case INTEROP_KIND_I32: case INTEROP_KIND_ENUM: *min = INT32_MIN, *max = INT32_MAX; return;
    case INTEROP_KIND_I64: *min = INT64_MIN, *max = INT64_MAX; return;
    case INTEROP_KIND_U8: *min = 0, *max = UINT8_MAX; return;
    case INTEROP_KIND_U16: *min = 0, *max = UINT16_MAX; return;
    case INTEROP_KIND_U32: *min = 0, *max = UINT32_MAX; return;
    default: *min = 0, *max = UINT64_MAX; return;
  }
}

int64_t interop_get_signed(uint32_t kind, const void *p) {
  switch (kind) {
    case INTEROP_KIND_I8: return *(const int8_t *)p;
    case INTEROP_KIND_I16: return *(const int16_t *)p;
    case INTEROP_KIND_I32: case INTEROP_KIND_ENUM: return *(const int32_t *)p;
    default: return *(const int64_t *)p;
  }
}

uint64_t interop_get_unsigned(uint32_t kind, const void *p) {
  switch (kind) {
    case INTEROP_KIND_U8: return *(const uint8_t *)p;
    case INTEROP_KIND_U16: return *(const uint16_t *)p;
    case INTEROP_KIND_U32: return *(const uint32_t *)p;
    default: return *(const uint64_t *)p;
  }
}

void interop_put_int(uint32_t kind, void *p, int64_t v) {
  switch (kind) {
    case INTEROP_KIND_I8: *(int8_t *)p = (int8_t)v; return;
    case INTEROP_KIND_I16: *(int16_t *)p = (int16_t)v; return;
    case INTEROP_KIND_I32: case INTEROP_KIND_ENUM: *(int32_t *)p = (int32_t)v; return;
    default: *(int64_t *)p = v; return;
  }
}

void interop_put_uint(uint32_t kind, void *p, uint64_t v) {
  switch (kind) {
    case INTEROP_KIND_U8: *(uint8_t *)p = (uint8_t)v; return;
    case INTEROP_KIND_U16: *(uint16_t *)p = (uint16_t)v; return;
    case INTEROP_KIND_U32: *(uint32_t *)p = (uint32_t)v; return;
    default: *(uint64_t *)p = v; return;
  }
}

const char *interop_kind_name(uint32_t kind) {
  static const char *const NAMES[] = {"?", "bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64",
                                      "f32", "f64", "string", "bytes", "enum", "list", "map", "optional",
                                      "struct", "union"};
  return kind < sizeof NAMES / sizeof NAMES[0] ? NAMES[kind] : "?";
}
