/* msgpack headers: integers in any format, lengths, limits and type errors. */
#include "msgpack_read.h"

int mp_need(mp_reader *r, size_t n) {
  if ((size_t)(r->end - r->p) < n)
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "truncated: needs %zu more bytes, %zu left", n,
                             (size_t)(r->end - r->p));
  return INTEROP_OK;
}

int mp_claim(mp_reader *r, uint64_t bytes, uint64_t n, const char *what) {
  if (bytes > (uint64_t)(r->end - r->p))
    return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "%s of %llu but only %zu bytes left", what,
                             (unsigned long long)n, (size_t)(r->end - r->p));
  return INTEROP_OK;
}

int mp_enter(mp_reader *r) {
  if (++r->depth > r->max_depth)
    return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "nesting deeper than max_depth %u", r->max_depth);
  return INTEROP_OK;
}

uint64_t mp_be(const uint8_t *p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v = v << 8 | p[i];
  return v;
}

const char *mp_family(uint8_t b) {
  if (b < 0x80 || b >= 0xe0 || (b >= 0xcc && b <= 0xd3)) return "integer";
  if ((b & 0xf0) == 0x80 || b == 0xde || b == 0xdf) return "map";
  if ((b & 0xf0) == 0x90 || b == 0xdc || b == 0xdd) return "array";
  if ((b & 0xe0) == 0xa0 || (b >= 0xd9 && b <= 0xdb)) return "string";
  switch (b) {
    case 0xc0: return "nil";
    case 0xc2: case 0xc3: return "bool";
    case 0xc4: case 0xc5: case 0xc6: return "bytes";
    case 0xca: case 0xcb: return "float";
    case 0xc1: return "the never-used byte 0xc1";
    default: return "an ext type";
  }
}

int mp_unexpected(mp_reader *r, const char *expected) {
  if (r->p >= r->end)
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "expected %s, got end of payload", expected);
  return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "expected %s, got %s", expected, mp_family(*r->p));
}

int mp_read_int(mp_reader *r, mp_int *out, const char *expected) {
  if (r->p >= r->end) return mp_unexpected(r, expected);
  uint8_t b = *r->p;
  out->negative = false;
  if (b < 0x80) {
    r->p++;
    out->u = b;
    return INTEROP_OK;
  }
  if (b >= 0xe0) {
    r->p++;
    out->negative = true;
    out->s = (int8_t)b;
    return INTEROP_OK;
  }
  static const int WIDTH[] = {1, 2, 4, 8}; /* cc..cf unsigned, d0..d3 signed */
  int bytes, rc;
  if (b >= 0xcc && b <= 0xcf) bytes = WIDTH[b - 0xcc];
  else if (b >= 0xd0 && b <= 0xd3) bytes = WIDTH[b - 0xd0];
  else return mp_unexpected(r, expected);
  r->p++;
  if ((rc = mp_need(r, (size_t)bytes))) return rc;
  uint64_t v = mp_be(r->p, bytes);
  r->p += bytes;
  if (b <= 0xcf) {
    out->u = v;
    return INTEROP_OK;
  }
  int64_t s = bytes == 1 ? (int8_t)v : bytes == 2 ? (int16_t)v : bytes == 4 ? (int32_t)v : (int64_t)v;
  if (s < 0) out->negative = true, out->s = s;
  else out->u = (uint64_t)s;
  return INTEROP_OK;
}

int mp_read_len(mp_reader *r, int kind, uint64_t *n, const char *expected) {
  if (r->p >= r->end) return mp_unexpected(r, expected);
  uint8_t b = *r->p;
  int bytes = -1;
  switch (kind) {
    case 's':
      if ((b & 0xe0) == 0xa0) bytes = 0, *n = b & 0x1f;
      else if (b >= 0xd9 && b <= 0xdb) bytes = 1 << (b - 0xd9);
      break;
    case 'b':
      if (b >= 0xc4 && b <= 0xc6) bytes = 1 << (b - 0xc4);
      break;
    case 'a':
      if ((b & 0xf0) == 0x90) bytes = 0, *n = b & 0x0f;
      else if (b == 0xdc || b == 0xdd) bytes = b == 0xdc ? 2 : 4;
      break;
    default:
      if ((b & 0xf0) == 0x80) bytes = 0, *n = b & 0x0f;
      else if (b == 0xde || b == 0xdf) bytes = b == 0xde ? 2 : 4;
      break;
  }
  if (bytes < 0) return mp_unexpected(r, expected);
  r->p++;
  if (bytes > 0) {
    int rc = mp_need(r, (size_t)bytes);
    if (rc) return rc;
    *n = mp_be(r->p, bytes);
    r->p += bytes;
  }
  return INTEROP_OK;
}
