/* A growable byte buffer: what encoders write into. The caller owns it and frees it with
 * interop_buf_free; `data` may be taken over (set it to NULL first) and freed with free(). */
#ifndef INTEROP_BUF_H
#define INTEROP_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct interop_buf {
  uint8_t *data;
  size_t len;
  size_t cap;
  bool failed; /* an allocation failed: the content is incomplete */
} interop_buf;

#define INTEROP_BUF_INIT {NULL, 0, 0, false}

void interop_buf_init(interop_buf *b);
void interop_buf_free(interop_buf *b);
/** Makes room for n more bytes; false (and `failed` set) when out of memory. */
bool interop_buf_reserve(interop_buf *b, size_t n);
void interop_buf_put(interop_buf *b, const void *p, size_t n);
void interop_buf_byte(interop_buf *b, uint8_t c);
void interop_buf_str(interop_buf *b, const char *s);

#ifdef __cplusplus
}
#endif
#endif
