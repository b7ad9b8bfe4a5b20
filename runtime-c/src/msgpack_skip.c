/* Skipping a value nobody expects (an unknown struct field), still checked as docs/wire.md §3.2
 * says: depth, declared lengths, UTF-8 of strings, no ext type or 0xc1, map keys neither arrays
 * nor maps and never given twice (numbers equal by value across formats, strings and bins by
 * bytes, nil). Keys are sorted to find repeats, so a large map costs n log n, not n². */
#include <math.h>
#include <stdlib.h>
#include "msgpack_read.h"

enum { K_NUMBER, K_STRING, K_BIN, K_NIL, K_NAN };

typedef struct skey {
  int cls;
  bool is_float;
  mp_int i;
  double d;
  const uint8_t *ptr;
  size_t len;
} skey;

/* Exact order between an integer and a double (no rounding: 2^53 + 1 is not 2^53). */
static int cmp_int_double(const mp_int *x, double d) {
  if (d < -9223372036854775808.0) return 1;
  if (d >= 18446744073709551616.0) return -1;
  double f = floor(d);
  int c;
  if (f < 0) {
    int64_t fi = (int64_t)f;
    c = x->negative ? (x->s < fi ? -1 : x->s > fi) : 1;
  } else {
    uint64_t fu = (uint64_t)f;
    c = x->negative ? -1 : (x->u < fu ? -1 : x->u > fu);
  }
  if (c != 0) return c;
  return d > f ? -1 : 0;
}

static int cmp_int(const mp_int *a, const mp_int *b) {
  if (a->negative != b->negative) return a->negative ? -1 : 1;
  if (a->negative) return a->s < b->s ? -1 : a->s > b->s;
  return a->u < b->u ? -1 : a->u > b->u;
}

static int cmp_skey(const void *ctx, size_t i, size_t j) {
  const skey *a = (const skey *)ctx + i, *b = (const skey *)ctx + j;
  if (a->cls != b->cls) return a->cls < b->cls ? -1 : 1;
  switch (a->cls) {
    case K_NUMBER:
      if (!a->is_float && !b->is_float) return cmp_int(&a->i, &b->i);
      if (a->is_float && b->is_float) return a->d < b->d ? -1 : a->d > b->d;
      return a->is_float ? -cmp_int_double(&b->i, a->d) : cmp_int_double(&a->i, b->d);
    case K_STRING:
    case K_BIN: {
      size_t n = a->len < b->len ? a->len : b->len;
      int c = n == 0 ? 0 : memcmp(a->ptr, b->ptr, n);
      return c != 0 ? c : (a->len < b->len ? -1 : a->len > b->len);
    }
    default: return 0;
  }
}

static int skip_value(mp_reader *r, skey *key);

static int skip_map(mp_reader *r, uint64_t n) {
  int rc;
  if ((rc = mp_claim(r, 2 * n, n, "container of size")) || (rc = mp_enter(r))) return rc;
  skey one[1];
  skey *keys = n <= 1 ? one : interop_arena_alloc(r->arena, n * sizeof(skey), _Alignof(skey));
  if (keys == NULL) return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  for (uint64_t i = 0; i < n; i++) {
    if ((rc = skip_value(r, &keys[i]))) return rc;
    if ((rc = skip_value(r, NULL))) return rc;
  }
  if (n > 1) {
    size_t *idx = malloc(2 * n * sizeof *idx);
    if (idx == NULL) return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
    for (size_t i = 0; i < n; i++) idx[i] = i;
    interop_sort_indices(idx, idx + n, n, cmp_skey, keys);
    for (size_t i = 1; i < n && rc == INTEROP_OK; i++)
      if (keys[idx[i]].cls != K_NAN && cmp_skey(keys, idx[i - 1], idx[i]) == 0)
        rc = interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "a map in a skipped value holds a key twice");
    free(idx);
  }
  r->depth--;
  return rc;
}

static int skip_string(mp_reader *r, uint64_t n, bool utf8) {
  int rc = mp_claim(r, n, n, "value of length");
  if (rc) return rc;
  if (utf8 && !interop_utf8_valid(r->p, (size_t)n))
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "string is not valid UTF-8");
  r->p += n;
  return INTEROP_OK;
}

/* Skips one value; when `key` is given the value is a map key, described there for comparison. */
static int skip_value(mp_reader *r, skey *key) {
  if (r->p >= r->end) return mp_unexpected(r, "a value");
  uint8_t b = *r->p;
  uint64_t n;
  int rc;
  if (key != NULL) memset(key, 0, sizeof *key);
  if (b < 0x80 || b >= 0xe0 || (b >= 0xcc && b <= 0xd3)) {
    mp_int v;
    if ((rc = mp_read_int(r, &v, "a value"))) return rc;
    if (key) key->cls = K_NUMBER, key->i = v;
    return INTEROP_OK;
  }
  if ((b & 0xf0) == 0x80 || b == 0xde || b == 0xdf || (b & 0xf0) == 0x90 || b == 0xdc || b == 0xdd) {
    if (key != NULL)
      return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "a map in a skipped value has a %s as a key",
                               mp_family(b));
    bool map = (b & 0xf0) == 0x80 || b == 0xde || b == 0xdf;
    if ((rc = mp_read_len(r, map ? 'm' : 'a', &n, "a value"))) return rc;
    if (map) return skip_map(r, n);
    if ((rc = mp_claim(r, n, n, "container of size")) || (rc = mp_enter(r))) return rc;
    for (uint64_t i = 0; i < n; i++)
      if ((rc = skip_value(r, NULL))) return rc;
    r->depth--;
    return INTEROP_OK;
  }
  if ((b & 0xe0) == 0xa0 || (b >= 0xd9 && b <= 0xdb) || (b >= 0xc4 && b <= 0xc6)) {
    bool str = !(b >= 0xc4 && b <= 0xc6);
    if ((rc = mp_read_len(r, str ? 's' : 'b', &n, "a value"))) return rc;
    if (key) key->cls = str ? K_STRING : K_BIN, key->ptr = r->p, key->len = (size_t)n;
    return skip_string(r, n, str);
  }
  r->p++;
  switch (b) {
    case 0xc0:
      if (key) key->cls = K_NIL;
      return INTEROP_OK;
    case 0xc2:
    case 0xc3:
      if (key) key->cls = K_NUMBER, key->i.u = b == 0xc3;
      return INTEROP_OK;
    case 0xca:
    case 0xcb: {
      int bytes = b == 0xca ? 4 : 8;
      if ((rc = mp_need(r, (size_t)bytes))) return rc;
      uint64_t bits = mp_be(r->p, bytes);
      r->p += bytes;
      if (key) {
        double d;
        if (bytes == 4) {
          uint32_t b32 = (uint32_t)bits;
          float f;
          memcpy(&f, &b32, 4);
          d = f;
        } else {
          memcpy(&d, &bits, 8);
        }
        key->cls = isnan(d) ? K_NAN : K_NUMBER, key->is_float = true, key->d = d;
      }
      return INTEROP_OK;
    }
    default:
      r->p--;
      return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "unexpected %s in a skipped value", mp_family(b));
  }
}

int mp_skip(mp_reader *r) { return skip_value(r, NULL); }
