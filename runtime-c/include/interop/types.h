/* Type descriptors: the data that drives every codec, the value checks of direct calls, and the
 * module ABI (docs/adr/0013-native-core-type-descriptors.md, docs/adr/0011-native-module-abi.md). Generated code emits one interop_type per type
 * it uses; the runtime interprets them. The layout is part of the ABI: fields are only ever added
 * at the end, and INTEROP_ABI_VERSION changes when a meaning changes. */
#ifndef INTEROP_TYPES_H
#define INTEROP_TYPES_H

#include "values.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum interop_kind {
  INTEROP_KIND_BOOL = 1,
  INTEROP_KIND_I8,
  INTEROP_KIND_I16,
  INTEROP_KIND_I32,
  INTEROP_KIND_I64,
  INTEROP_KIND_U8,
  INTEROP_KIND_U16,
  INTEROP_KIND_U32,
  INTEROP_KIND_U64,
  INTEROP_KIND_F32,
  INTEROP_KIND_F64,
  INTEROP_KIND_STRING,
  INTEROP_KIND_BYTES,
  INTEROP_KIND_ENUM,     /* int32_t; unknown values are kept */
  INTEROP_KIND_LIST,     /* {T *items; size_t len;} */
  INTEROP_KIND_MAP,      /* {K *keys; V *values; size_t len;} */
  INTEROP_KIND_OPTIONAL, /* {bool has; T value;}, or T * when INTEROP_TYPE_BY_POINTER */
  INTEROP_KIND_STRUCT,   /* a C struct; also error types (INTEROP_TYPE_ERROR) */
  INTEROP_KIND_UNION     /* {uint32_t which; union {...} as;}: which = case id, 0 = none */
} interop_kind;

/** interop_type.flags */
enum {
  INTEROP_TYPE_ERROR = 1,      /* a struct that is a declared error type */
  INTEROP_TYPE_BY_POINTER = 2  /* an optional held as T * (NULL = absent): structs and unions */
};

typedef struct interop_type interop_type;

/** A struct field, or a union case (type NULL for a unit case). */
typedef struct interop_field {
  uint32_t id;
  uint32_t offset;            /* offsetof the member in its struct, or of `as` in a union */
  const char *name;           /* the IDL name: the JSON key */
  const interop_type *type;
  const void *default_value;  /* a value of the field's C type, or NULL for the zero value */
} interop_field;

typedef struct interop_enum_member {
  const char *name;
  int32_t value;
} interop_enum_member;

struct interop_type {
  uint8_t kind;                /* interop_kind */
  uint8_t flags;
  uint16_t reserved;
  uint32_t size;               /* sizeof the C representation */
  uint32_t align;              /* its alignment */
  uint32_t count;              /* fields, cases or members */
  uint32_t value_offset;       /* OPTIONAL held by value: offsetof(value) */
  const char *name;            /* qualified IDL name of a declared type, else NULL */
  const interop_type *elem;    /* LIST element, MAP value, OPTIONAL inner */
  const interop_type *key;     /* MAP key */
  const interop_field *fields; /* STRUCT fields, UNION cases: ascending id */
  const interop_enum_member *members; /* ENUM: declaration order; members[0] is the zero value */
};

/** Descriptors of the scalar types, for generated code to point at. */
extern const interop_type interop_type_bool, interop_type_i8, interop_type_i16, interop_type_i32,
    interop_type_i64, interop_type_u8, interop_type_u16, interop_type_u32, interop_type_u64,
    interop_type_f32, interop_type_f64, interop_type_string, interop_type_bytes;

/** A named type, for tables that look types up by qualified IDL name. */
typedef struct interop_named_type {
  const char *name;
  const interop_type *type;
} interop_named_type;

#ifdef __cplusplus
}
#endif
#endif
