/* UTF-8 validation and base64 (RFC 4648 §4, padding required; bits the padding drops are
 * ignored, as runtime-ts does), as docs/wire.md §3 requires. */
#include "internal.h"

#define HIGH_BITS 0x8080808080808080u

/* How many bytes at the start of s are ASCII, found 8 at a time (most strings are all ASCII):
 * whole words, then one last word that overlaps the one before, or for fewer than 8 bytes two
 * overlapping halves, so a short string takes no loop over its bytes. */
static size_t ascii_prefix(const uint8_t *s, size_t n) {
  uint64_t w;
  size_t i = 0;
  if (n >= 8) {
    for (; n - i >= 8; i += 8) {
      memcpy(&w, s + i, 8);
      if (w & HIGH_BITS) return i;
    }
    memcpy(&w, s + n - 8, 8);
    return (w & HIGH_BITS) ? i : n;
  }
  uint32_t a = 0, b = 0;
  if (n >= 4) {
    memcpy(&a, s, 4), memcpy(&b, s + n - 4, 4);
  } else if (n >= 2) {
    uint16_t x, y;
    memcpy(&x, s, 2), memcpy(&y, s + n - 2, 2);
    a = x, b = y;
  } else if (n == 1) {
    a = s[0];
  }
  return ((a | b) & 0x80808080u) ? 0 : n;
}

bool interop_utf8_valid(const uint8_t *s, size_t n) {
  size_t i = ascii_prefix(s, n);
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t need;
    uint32_t cp, min;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1, cp = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2, cp = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return false; /* continuation byte, overlong lead (c0, c1) or above U+10FFFF */
    }
    if (n - i - 1 < need) return false;
    for (size_t k = 1; k <= need; k++) {
      uint8_t cc = s[i + k];
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
    i += ascii_prefix(s + i, n - i);
  }
  return true;
}

size_t interop_utf8_put(uint32_t cp, uint8_t *out) {
  if (cp < 0x80) {
    out[0] = (uint8_t)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (uint8_t)(0xc0 | (cp >> 6));
    out[1] = (uint8_t)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (uint8_t)(0xe0 | (cp >> 12));
    out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (uint8_t)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (uint8_t)(0xf0 | (cp >> 18));
  out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
  out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
  out[3] = (uint8_t)(0x80 | (cp & 0x3f));
  return 4;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void interop_base64_encode(interop_buf *out, const uint8_t *p, size_t n) {
  if (!interop_buf_reserve(out, (n + 2) / 3 * 4)) return;
  uint8_t *o = out->data + out->len;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
    *o++ = (uint8_t)B64[v >> 18];
    *o++ = (uint8_t)B64[(v >> 12) & 63];
    *o++ = (uint8_t)B64[(v >> 6) & 63];
    *o++ = (uint8_t)B64[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)p[i] << 16;
    *o++ = (uint8_t)B64[v >> 18];
    *o++ = (uint8_t)B64[(v >> 12) & 63];
    *o++ = '=';
    *o++ = '=';
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
    *o++ = (uint8_t)B64[v >> 18];
    *o++ = (uint8_t)B64[(v >> 12) & 63];
    *o++ = (uint8_t)B64[(v >> 6) & 63];
    *o++ = '=';
  }
  out->len = (size_t)(o - out->data);
}

static int b64_value(uint8_t c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool interop_base64_decode(const uint8_t *s, size_t n, interop_arena *a, interop_bytes *out) {
  if (n % 4 != 0) return false;
  size_t pad = n > 0 && s[n - 1] == '=' ? (s[n - 2] == '=' ? 2 : 1) : 0;
  size_t len = n / 4 * 3 - pad;
  uint8_t *d = interop_arena_alloc(a, len + 1, 1);
  if (d == NULL) return false;
  size_t o = 0;
  for (size_t i = 0; i < n; i += 4) {
    int v[4];
    for (int k = 0; k < 4; k++) {
      bool padding = i + 4 == n && k >= 4 - (int)pad;
      v[k] = padding ? 0 : b64_value(s[i + k]);
      if (v[k] < 0) return false;
    }
    uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    d[o++] = (uint8_t)(w >> 16);
    if (o < len) d[o++] = (uint8_t)(w >> 8);
    if (o < len) d[o++] = (uint8_t)w;
  }
  out->ptr = d;
  out->len = len;
  return true;
}
