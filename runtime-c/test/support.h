/* Helpers for runtime-c's tests: files, hex, and the cmocka includes in the order it needs. */
#ifndef INTEROP_TEST_SUPPORT_H
#define INTEROP_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "interop/interop.h"

/* The whole file at REPO_ROOT/relative, NUL-terminated; exits the test program if missing. */
char *read_repo_file(const char *relative, size_t *len);
cJSON *read_repo_json(const char *relative);
/* Hex text to bytes (caller frees); NULL on bad hex. */
uint8_t *from_hex(const char *hex, size_t *len);
/* Bytes to lowercase hex (caller frees). */
char *to_hex(const uint8_t *p, size_t n);
const interop_type *vector_type(const char *qualified);
/* Decodes `in` (codec `from`) as `t` and encodes the value in `to`: JSON as text, any other codec
 * as lowercase hex (caller frees); NULL with `err` set when either step fails. */
char *vector_convert(const interop_type *t, interop_codec from, const uint8_t *in, size_t len, interop_codec to,
                     interop_error *err);
/* 0 when `got` is `want`; else prints a FAIL line naming the vector and the conversion, and 1. */
int vector_check(const char *name, const char *what, const char *got, const char *want, const interop_error *err);

#endif
