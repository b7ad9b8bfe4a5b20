/* JSON tokens (RFC 8259) straight from UTF-8 bytes: whitespace, literals, numbers, strings with
 * every escape, and skipping whole values with the checks docs/wire.md §3.1 asks of them. */
#include <stdlib.h>
#include "json_read.h"

int js_peek(js_reader *r) {
  while (r->p < r->end) {
    uint8_t c = *r->p;
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return c;
    r->p++;
  }
  return -1;
}

static const char *token_name(int c) {
  switch (c) {
    case '{': return "object";
    case '[': return "array";
    case '"': return "string";
    case 't': case 'f': return "bool";
    case 'n': return "null";
    case '}': return "'}'";
    case ']': return "']'";
    case ',': return "','";
    case ':': return "':'";
    default: return c == '-' || (c >= '0' && c <= '9') ? "number" : NULL;
  }
}

int js_unexpected(js_reader *r, const char *expected) {
  int c = js_peek(r);
  if (c < 0) return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "expected %s, got end of payload", expected);
  const char *name = token_name(c);
  if (name == NULL)
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "expected %s, got byte 0x%02x", expected, c);
  return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "expected %s, got %s", expected, name);
}

int js_expect(js_reader *r, char c, const char *what) {
  if (js_peek(r) != c) return js_unexpected(r, what);
  r->p++;
  return INTEROP_OK;
}

int js_literal(js_reader *r, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "invalid literal");
  r->p += n;
  return INTEROP_OK;
}

static bool digit(const uint8_t *p, const uint8_t *end) { return p < end && *p >= '0' && *p <= '9'; }

int js_number(js_reader *r, const char **text, size_t *len, bool *integral) {
  js_peek(r);
  const uint8_t *p = r->p, *start = p, *end = r->end;
  *integral = true;
  if (p < end && *p == '-') p++;
  if (p < end && *p == '0') p++;
  else if (digit(p, end)) while (digit(p, end)) p++;
  else return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "invalid number");
  if (p < end && *p == '.') {
    p++;
    if (!digit(p, end)) return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "invalid number");
    while (digit(p, end)) p++;
    *integral = false;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (!digit(p, end)) return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "invalid number");
    while (digit(p, end)) p++;
    *integral = false;
  }
  *text = (const char *)start;
  *len = (size_t)(p - start);
  r->p = p;
  return INTEROP_OK;
}

static int hex4(js_reader *r, const uint8_t *p, const uint8_t *end, uint32_t *out) {
  if (end - p < 4) return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "unterminated string");
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    uint8_t c = p[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "invalid \\u escape");
    v = v << 4 | (uint32_t)d;
  }
  *out = v;
  return INTEROP_OK;
}

/* The slow path: unescapes [start, close) into an arena copy (never longer than the source). */
static int unescape(js_reader *r, const uint8_t *start, const uint8_t *close, interop_str *out) {
  uint8_t *o = interop_arena_alloc(r->arena, (size_t)(close - start) + 1, 1), *d = o;
  if (o == NULL) return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  const uint8_t *p = start, *run = p;
  for (;;) {
    uint8_t c = p < close ? *p : '"';
    if (c == '"' || c == '\\') {
      if (!interop_utf8_valid(run, (size_t)(p - run)))
        return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "string is not valid UTF-8");
      memcpy(d, run, (size_t)(p - run));
      d += p - run;
    }
    if (c == '"') break;
    if (c != '\\') {
      p++;
      continue;
    }
    uint8_t e = p[1]; /* the scan made sure an escaped character follows */
    p += 2;
    const char *simple = e != 0 ? strchr("\"\\/bfnrt", e) : NULL;
    if (simple != NULL) {
      static const char OUT[] = "\"\\/\b\f\n\r\t";
      *d++ = (uint8_t)OUT[simple - "\"\\/bfnrt"];
    } else if (e == 'u') {
      uint32_t cp = 0;
      int rc = hex4(r, p, close, &cp);
      if (rc) return rc;
      p += 4;
      if (cp >= 0xd800 && cp <= 0xdbff && close - p >= 6 && p[0] == '\\' && p[1] == 'u') {
        uint32_t lo = 0;
        if (hex4(r, p + 2, close, &lo) == INTEROP_OK && lo >= 0xdc00 && lo <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          p += 6;
        }
      }
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; /* a lone surrogate */
      d += interop_utf8_put(cp, d);
    } else {
      return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "invalid escape in string");
    }
    run = p;
  }
  *d = '\0';
  *out = (interop_str){(const char *)o, (size_t)(d - o)};
  return INTEROP_OK;
}

int js_string(js_reader *r, interop_str *out) {
  if (js_peek(r) != '"') return js_unexpected(r, "string");
  const uint8_t *start = ++r->p, *p = start;
  bool escaped = false;
  for (;;) {
    if (p >= r->end) return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "unterminated string");
    uint8_t c = *p;
    if (c == '"') break;
    if (c < 0x20) return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "raw control character in string");
    if (c == '\\') {
      if (r->end - p < 2) return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "unterminated string");
      escaped = true;
      p += 2;
      continue;
    }
    p++;
  }
  r->p = p + 1;
  if (escaped) return unescape(r, start, p, out);
  size_t n = (size_t)(p - start);
  if (!interop_utf8_valid(start, n))
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "string is not valid UTF-8");
  char *copy = interop_arena_strndup(r->arena, (const char *)start, n);
  if (copy == NULL) return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  *out = (interop_str){copy, n};
  return INTEROP_OK;
}

int js_begin(js_reader *r, char open, const char *what) {
  int rc = js_expect(r, open, what);
  if (rc) return rc;
  if (++r->depth > r->max_depth)
    return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "nesting deeper than max_depth %u", r->max_depth);
  return INTEROP_OK;
}

int js_next_key(js_reader *r, bool *first, interop_str *key, int *more) {
  int c = js_peek(r), rc;
  if (c == '}') {
    r->p++;
    r->depth--;
    *more = 0;
    return INTEROP_OK;
  }
  if (!*first) {
    if (c != ',') return js_unexpected(r, "',' or '}'");
    r->p++;
  }
  *first = false;
  if (js_peek(r) != '"') return js_unexpected(r, "a string key");
  if ((rc = js_string(r, key)) || (rc = js_expect(r, ':', "':'"))) return rc;
  *more = 1;
  return INTEROP_OK;
}

int js_next_item(js_reader *r, bool *first, int *more) {
  int c = js_peek(r);
  if (c == ']') {
    r->p++;
    r->depth--;
    *more = 0;
    return INTEROP_OK;
  }
  if (!*first) {
    if (c != ',') return js_unexpected(r, "',' or ']'");
    r->p++;
  }
  *first = false;
  *more = 1;
  return INTEROP_OK;
}

static int cmp_str(const void *ctx, size_t i, size_t j) {
  return interop_key_cmp(&interop_type_string, (const interop_str *)ctx + i, (const interop_str *)ctx + j);
}

int js_check_distinct(js_reader *r, interop_str *keys, size_t n) {
  if (n < 2) return INTEROP_OK;
  size_t *idx = malloc(2 * n * sizeof *idx);
  if (idx == NULL) return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  for (size_t i = 0; i < n; i++) idx[i] = i;
  interop_sort_indices(idx, idx + n, n, cmp_str, keys);
  int rc = INTEROP_OK;
  for (size_t i = 1; i < n && rc == INTEROP_OK; i++)
    if (cmp_str(keys, idx[i - 1], idx[i]) == 0) {
      const interop_str *k = &keys[idx[i]];
      rc = interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "key \"%.*s\" given twice",
                             (int)(k->len > 64 ? 64 : k->len), k->ptr);
    }
  free(idx);
  return rc;
}

/* Keys of one object being skipped: a growing arena array. */
typedef struct key_list {
  interop_str *items;
  size_t len, cap;
} key_list;

static int push_key(js_reader *r, key_list *l, interop_str k) {
  if (l->len == l->cap) {
    size_t cap = l->cap == 0 ? 8 : l->cap * 2;
    interop_str *items = interop_arena_alloc(r->arena, cap * sizeof *items, _Alignof(interop_str));
    if (items == NULL) return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
    if (l->len > 0) memcpy(items, l->items, l->len * sizeof *items);
    l->items = items, l->cap = cap;
  }
  l->items[l->len++] = k;
  return INTEROP_OK;
}

int js_skip(js_reader *r) {
  int c = js_peek(r), rc, more;
  bool first = true;
  if (c == '{') {
    if ((rc = js_begin(r, '{', "object"))) return rc;
    key_list keys = {NULL, 0, 0};
    interop_str key;
    for (;;) {
      if ((rc = js_next_key(r, &first, &key, &more))) return rc;
      if (!more) break;
      if ((rc = push_key(r, &keys, key)) || (rc = js_skip(r))) return rc;
    }
    return js_check_distinct(r, keys.items, keys.len);
  }
  if (c == '[') {
    if ((rc = js_begin(r, '[', "array"))) return rc;
    for (;;) {
      if ((rc = js_next_item(r, &first, &more))) return rc;
      if (!more) return INTEROP_OK;
      if ((rc = js_skip(r))) return rc;
    }
  }
  if (c == '"') {
    interop_str s;
    return js_string(r, &s);
  }
  if (c == 't') return js_literal(r, "true");
  if (c == 'f') return js_literal(r, "false");
  if (c == 'n') return js_literal(r, "null");
  if (c == '-' || (c >= '0' && c <= '9')) {
    const char *text;
    size_t len;
    bool integral;
    return js_number(r, &text, &len, &integral);
  }
  return js_unexpected(r, "a value");
}
