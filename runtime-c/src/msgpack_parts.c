/* The public pieces of the msgpack reader (interop/msgpack.h): the same headers, limits, checks
 * and messages as the typed reader (msgpack_read.c), for code that decodes into values of its own. */
#include <stdlib.h>
#include "msgpack_read.h"

void interop_mp_reader_init(mp_reader *r, const uint8_t *p, size_t n, uint32_t max_depth, interop_arena *scratch,
                            interop_error *err) {
  *r = (mp_reader){p, p + n, max_depth, 0, scratch, {{0}, 0}, err};
  interop_path_init(&r->path);
}

int interop_mp_reader_done(mp_reader *r, int rc) {
  if (rc == INTEROP_OK && r->p != r->end)
    rc = interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "%zu bytes left after the value", (size_t)(r->end - r->p));
  if (rc != INTEROP_OK) interop_path_apply(&r->path, r->err);
  return rc;
}

bool interop_mp_take_nil(mp_reader *r) {
  if (r->p >= r->end || *r->p != 0xc0) return false;
  r->p++;
  return true;
}

int interop_mp_get_bool(mp_reader *r, bool *out) {
  if (r->p >= r->end || (*r->p != 0xc2 && *r->p != 0xc3)) return mp_unexpected(r, "bool");
  *out = *r->p++ == 0xc3;
  return INTEROP_OK;
}

int interop_mp_get_int(mp_reader *r, int64_t min, int64_t max, const char *name, int64_t *out) {
  mp_int v;
  int rc = mp_read_int(r, &v, name);
  if (rc) return rc;
  if (v.negative ? v.s < min : v.u > (uint64_t)max) {
    if (v.negative)
      return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "%s out of range: %lld", name, (long long)v.s);
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "%s out of range: %llu", name, (unsigned long long)v.u);
  }
  *out = v.negative ? v.s : (int64_t)v.u;
  return INTEROP_OK;
}

int interop_mp_get_uint(mp_reader *r, uint64_t max, const char *name, uint64_t *out) {
  mp_int v;
  int rc = mp_read_int(r, &v, name);
  if (rc) return rc;
  if (v.negative)
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "%s out of range: %lld", name, (long long)v.s);
  if (v.u > max)
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "%s out of range: %llu", name, (unsigned long long)v.u);
  *out = v.u;
  return INTEROP_OK;
}

int interop_mp_get_f64(mp_reader *r, double *out) {
  if (r->p >= r->end || (*r->p != 0xca && *r->p != 0xcb)) return mp_unexpected(r, "float");
  int bytes = *r->p++ == 0xca ? 4 : 8, rc;
  if ((rc = mp_need(r, (size_t)bytes))) return rc;
  uint64_t bits = mp_be(r->p, bytes);
  r->p += bytes;
  if (bytes == 4) {
    uint32_t b32 = (uint32_t)bits;
    float f;
    memcpy(&f, &b32, 4);
    *out = f;
  } else {
    memcpy(out, &bits, 8);
  }
  return INTEROP_OK;
}

static int get_text(mp_reader *r, bool str, const uint8_t **p, size_t *n) {
  uint64_t len;
  int rc;
  if ((rc = mp_read_len(r, str ? 's' : 'b', &len, str ? "string" : "bytes")) ||
      (rc = mp_claim(r, len, len, str ? "string of length" : "bytes of length")))
    return rc;
  if (str && !interop_utf8_valid(r->p, (size_t)len))
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "string is not valid UTF-8");
  *p = r->p;
  *n = (size_t)len;
  r->p += len;
  return INTEROP_OK;
}

int interop_mp_get_str(mp_reader *r, const char **p, size_t *n) { return get_text(r, true, (const uint8_t **)p, n); }
int interop_mp_get_bin(mp_reader *r, const uint8_t **p, size_t *n) { return get_text(r, false, p, n); }

int interop_mp_get_list(mp_reader *r, uint64_t *n) {
  int rc;
  if ((rc = mp_read_len(r, 'a', n, "array")) || (rc = mp_claim(r, *n, *n, "array of length"))) return rc;
  return mp_enter(r);
}

static int get_map(mp_reader *r, const char *name, uint64_t *n) {
  int rc;
  if ((rc = mp_read_len(r, 'm', n, name)) || (rc = mp_claim(r, 2 * *n, *n, "map of size"))) return rc;
  return mp_enter(r);
}

int interop_mp_get_map(mp_reader *r, uint64_t *n) { return get_map(r, "map", n); }
int interop_mp_get_struct(mp_reader *r, const char *name, uint64_t *n) { return get_map(r, name, n); }

int interop_mp_get_field_id(mp_reader *r, uint32_t *id) {
  mp_int v;
  int rc = mp_read_int(r, &v, "a field id");
  if (rc) return rc;
  if (v.negative || v.u > UINT32_MAX) return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "field id out of range");
  *id = (uint32_t)v.u;
  return INTEROP_OK;
}

int interop_mp_skip(mp_reader *r) { return mp_skip(r); }

static int cmp_u64(const void *ctx, size_t i, size_t j) {
  const uint64_t *ids = ctx;
  return ids[i] < ids[j] ? -1 : ids[i] > ids[j];
}

int interop_mp_check_unknown_ids(mp_reader *r, uint64_t *ids, size_t n) {
  if (n < 2) return INTEROP_OK;
  size_t *idx = malloc(2 * n * sizeof *idx);
  if (idx == NULL) return interop_error_set(r->err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  for (size_t i = 0; i < n; i++) idx[i] = i;
  interop_sort_indices(idx, idx + n, n, cmp_u64, ids);
  int rc = INTEROP_OK;
  for (size_t i = 1; i < n && rc == INTEROP_OK; i++)
    if (ids[idx[i]] == ids[idx[i - 1]])
      rc = interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "field id %llu given twice", (unsigned long long)ids[idx[i]]);
  free(idx);
  return rc;
}

int interop_mp_get_union(mp_reader *r, const char *name, uint64_t *case_id) {
  uint64_t n;
  int rc;
  if ((rc = get_map(r, name, &n))) return rc;
  if (n != 1)
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "%s: a union holds exactly one case, got %llu", name,
                             (unsigned long long)n);
  mp_int id;
  if ((rc = mp_read_int(r, &id, "a case id"))) return rc;
  *case_id = id.negative ? UINT64_MAX : id.u;
  return INTEROP_OK;
}

int interop_mp_get_unit(mp_reader *r) {
  if (r->p >= r->end || *r->p != 0xc0) return mp_unexpected(r, "nil (a unit case)");
  r->p++;
  return INTEROP_OK;
}

void interop_mp_leave(mp_reader *r) { r->depth--; }
