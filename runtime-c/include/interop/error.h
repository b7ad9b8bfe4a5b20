/* Errors: the codes of docs/wire.md §4.1 and the one error value every call reports into. */
#ifndef INTEROP_ERROR_H
#define INTEROP_ERROR_H

#include <stdarg.h>
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum interop_code {
  INTEROP_OK = 0,
  INTEROP_CANCELLED = 1,
  INTEROP_UNKNOWN = 2,
  INTEROP_INVALID_ARGUMENT = 3,
  INTEROP_DEADLINE_EXCEEDED = 4,
  INTEROP_NOT_FOUND = 5,
  INTEROP_PERMISSION_DENIED = 7,
  INTEROP_RESOURCE_EXHAUSTED = 8,
  INTEROP_UNIMPLEMENTED = 12,
  INTEROP_INTERNAL = 13,
  INTEROP_UNAVAILABLE = 14,
  INTEROP_UNAUTHENTICATED = 16,
  INTEROP_SCHEMA_MISMATCH = 100,
  INTEROP_APPLICATION_ERROR = 101,
  INTEROP_PROTOCOL_ERROR = 102
} interop_code;

#define INTEROP_MESSAGE_MAX 512

/**
 * What went wrong. Caller-allocated (usually on the stack); the runtime fills it and never
 * allocates for it, except `detail`, which lives in the arena the call was given.
 * For INTEROP_APPLICATION_ERROR, `type` is the declared error's descriptor (compare it with the
 * generated `<module>_<Error>_type` to know which one) and `detail` points at its value.
 */
typedef struct interop_error {
  uint32_t code; /* interop_code; INTEROP_OK when nothing failed */
  char message[INTEROP_MESSAGE_MAX];
  char type_name[128];        /* APPLICATION_ERROR: the qualified error name, else "" */
  const interop_type *type;   /* APPLICATION_ERROR: its descriptor, when this side knows it */
  void *detail;               /* APPLICATION_ERROR: the error's value, when `type` is set */
} interop_error;

/** Sets code and a printf-style message (truncated to fit); returns code. */
int interop_error_set(interop_error *err, uint32_t code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int interop_error_vset(interop_error *err, uint32_t code, const char *fmt, va_list ap);
/** Clears to INTEROP_OK. */
void interop_error_clear(interop_error *err);
/** "INVALID_ARGUMENT" for 3; "UNKNOWN" for a code not in the table. */
const char *interop_code_name(uint32_t code);
/** The code of a name from docs/wire.md §4.1, or 0 when there is none. */
uint32_t interop_code_from_name(const char *name);

#ifdef __cplusplus
}
#endif
#endif
