/* The JSON reader's state and tokens, shared by the typed reader and the skipper. Not installed. */
#ifndef INTEROP_JSON_READ_H
#define INTEROP_JSON_READ_H

#include "internal.h"

typedef struct js_reader {
  const uint8_t *p;
  const uint8_t *end;
  uint32_t max_depth;
  uint32_t depth;
  interop_arena *arena;
  interop_path path;
  interop_error *err;
} js_reader;

/* The next byte after whitespace (not consumed), or -1 at the end. */
int js_peek(js_reader *r);
int js_unexpected(js_reader *r, const char *expected);
int js_expect(js_reader *r, char c, const char *what);
int js_literal(js_reader *r, const char *word);
/* A string, unescaped into the arena (NUL-terminated), lone surrogates as U+FFFD. */
int js_string(js_reader *r, interop_str *out);
/* A number token per RFC 8259: its text, and whether it has no fraction and no exponent. */
int js_number(js_reader *r, const char **text, size_t *len, bool *integral);
/* Object and array walking: begin enters one nesting level; next returns 1 while there is an
 * entry (the key read, its ':' consumed) and 0 after the closing bracket, leaving the level. */
int js_begin(js_reader *r, char open, const char *what);
int js_next_key(js_reader *r, bool *first, interop_str *key, int *more);
int js_next_item(js_reader *r, bool *first, int *more);
/* Skips one value, checked: valid JSON and UTF-8, depth, no object holding a key twice. */
int js_skip(js_reader *r);
/* Sorts keys (arena array) and fails if two are equal: "key \"x\" given twice". */
int js_check_distinct(js_reader *r, interop_str *keys, size_t n);

#endif
