/* Growable byte buffer for encoders. An allocation failure is sticky (`failed`), so encoders can
 * write without checking each byte and test once at the end. */
#include <stdlib.h>
#include <string.h>
#include "interop/buf.h"

void interop_buf_init(interop_buf *b) {
  b->data = NULL;
  b->len = b->cap = 0;
  b->failed = false;
}

void interop_buf_free(interop_buf *b) {
  free(b->data);
  interop_buf_init(b);
}

bool interop_buf_reserve(interop_buf *b, size_t n) {
  if (b->failed) return false;
  if (n <= b->cap - b->len) return true;
  if (n > SIZE_MAX / 2 - b->len) {
    b->failed = true;
    return false;
  }
  size_t cap = b->cap < 64 ? 64 : b->cap;
  while (cap - b->len < n) cap *= 2;
  uint8_t *p = realloc(b->data, cap);
  if (p == NULL) {
    b->failed = true;
    return false;
  }
  b->data = p;
  b->cap = cap;
  return true;
}

void interop_buf_put(interop_buf *b, const void *p, size_t n) {
  if (n == 0 || !interop_buf_reserve(b, n)) return;
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

void interop_buf_byte(interop_buf *b, uint8_t c) {
  if (b->len < b->cap) {
    b->data[b->len++] = c;
    return;
  }
  interop_buf_put(b, &c, 1);
}

void interop_buf_str(interop_buf *b, const char *s) { interop_buf_put(b, s, strlen(s)); }
