/* The FlatBuffers codec (src/flatbuffers_*.c, docs/wire.md §3.6): §3.6's own examples byte for
 * byte; every payload vector of test/vectors/payloads.json goes JSON -> FlatBuffers -> JSON
 * unchanged and re-encodes to the same bytes; flatc (the oracle, with the schema `interopc gen
 * --lang fbs` writes) reads and verifies what C writes, and C decodes what flatc writes from that
 * JSON to the same value; hand-made hostile buffers fail with the code §3.6 gives; nesting stops
 * at max_depth; mutated encodings decode or fail with a typed error, never otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "support.h"

static cJSON *payloads;

/* Decodes `in` with codec `from` and encodes the value with `to`: hex for FlatBuffers, else text. */
static char *convert(const interop_type *t, interop_codec from, const uint8_t *in, size_t len, interop_codec to,
                     interop_error *err) {
  interop_arena arena = INTEROP_ARENA_INIT;
  void *value = malloc(t->size);
  char *out = NULL;
  if (interop_decode(t, in, len, from, INTEROP_DEFAULT_MAX_DEPTH, &arena, value, err) == INTEROP_OK) {
    interop_buf buf = INTEROP_BUF_INIT;
    if (interop_encode(t, value, to, INTEROP_DEFAULT_MAX_DEPTH, &buf, err) == INTEROP_OK) {
      if (to == INTEROP_CODEC_FLATBUFFERS) {
        out = to_hex(buf.data, buf.len);
      } else {
        out = malloc(buf.len + 1);
        memcpy(out, buf.data, buf.len);
        out[buf.len] = '\0';
      }
    }
    interop_buf_free(&buf);
  }
  free(value);
  interop_arena_free(&arena);
  return out;
}

static char *from_json(const interop_type *t, const char *json, interop_error *err) {
  return convert(t, INTEROP_CODEC_JSON, (const uint8_t *)json, strlen(json), INTEROP_CODEC_FLATBUFFERS, err);
}

static char *to_json(const interop_type *t, const char *hex, interop_error *err) {
  size_t n;
  uint8_t *b = from_hex(hex, &n);
  char *out = convert(t, INTEROP_CODEC_FLATBUFFERS, b, n, INTEROP_CODEC_JSON, err);
  free(b);
  return out;
}

static int check(const char *name, const char *what, const char *got, const char *want, const interop_error *err) {
  if (got != NULL && strcmp(got, want) == 0) return 0;
  if (got == NULL) printf("FAIL %s (%s): %s: %s\n", name, what, interop_code_name(err->code), err->message);
  else printf("FAIL %s (%s): got %s, want %s\n", name, what, got, want);
  return 1;
}

/* The two examples of §3.6, and the padding rules: an 8-byte field puts its table at a multiple
 * of 8, a vector of 8-byte scalars its elements at one. */
static void test_section_examples(void **state) {
  (void)state;
  interop_error err;
  struct { const char *type, *json, *hex; } cases[] = {
      {"interop.vectors.Point", "{\"x\":1,\"y\":-2}", "0c000000" "0800" "0c00" "0400" "0800" "08000000" "01000000" "feffffff"},
      {"interop.vectors.MaybeI32", "null", "08000000" "0400" "0400" "04000000"},
      /* Wrapper { value: long }: vtable at 4 (6 bytes), table at 16 (8-aligned), the long at 24. */
      {"interop.vectors.I64", "\"-1\"", "10000000" "00000000" "00000600" "1000" "0800" "06000000" "00000000" "ffffffffffffffff"},
      /* Wrapper { value: [long] }: table at 12, its uoffset at 16 -> the count at 20 (20 + 4 = 24). */
      {"interop.vectors.Longs", "[\"5\"]", "0c000000" "0000" "0600" "0800" "0400" "06000000" "04000000" "01000000" "0500000000000000"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const interop_type *t = vector_type(cases[i].type);
    assert_non_null(t);
    char *hex = from_json(t, cases[i].json, &err);
    assert_int_equal(check(cases[i].type, "json -> flatbuffers", hex, cases[i].hex, &err), 0);
    char *back = to_json(t, cases[i].hex, &err);
    assert_int_equal(check(cases[i].type, "flatbuffers -> json", back, cases[i].json, &err), 0);
    free(hex), free(back);
  }
  /* An empty payload is the root table with no field: the defaults. */
  const interop_type *t = vector_type("interop.vectors.I32");
  char *zero = convert(t, INTEROP_CODEC_FLATBUFFERS, NULL, 0, INTEROP_CODEC_JSON, &err);
  assert_int_equal(check("empty", "flatbuffers -> json", zero, "0", &err), 0);
  free(zero);
}

static void test_payload_vectors(void **state) {
  (void)state;
  int failures = 0, count = 0;
  cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(payloads, "vectors")) {
    const char *name = cJSON_GetObjectItem(v, "name")->valuestring;
    const interop_type *t = vector_type(cJSON_GetObjectItem(v, "type")->valuestring);
    const char *json = cJSON_GetObjectItem(v, "json")->valuestring;
    assert_non_null(t);
    interop_error err;
    char *hex = from_json(t, json, &err);
    if (t == vector_type("interop.vectors.Ordering")) { /* id 536870911 has no slot (E0703) */
      failures += hex != NULL || strstr(err.message, "Ordering.last has id 536870911, past the largest") == NULL;
      free(hex);
      continue;
    }
    failures += check(name, "json -> flatbuffers", hex, hex ? hex : "", &err);
    if (hex != NULL) {
      char *back = to_json(t, hex, &err);
      failures += check(name, "flatbuffers -> json", back, json, &err);
      size_t n;
      uint8_t *b = from_hex(hex, &n);
      char *again = convert(t, INTEROP_CODEC_FLATBUFFERS, b, n, INTEROP_CODEC_FLATBUFFERS, &err);
      failures += check(name, "flatbuffers -> flatbuffers", again, hex, &err);
      free(back), free(again), free(b);
    }
    free(hex);
    count++;
  }
  printf("%d payload vectors through flatbuffers, %d failures\n", count, failures);
  assert_true(count > 150);
  assert_int_equal(failures, 0);
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...) {
  char cmd[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  return system(cmd);
}

/* flatc reads (and verifies) the bytes C writes for every struct and union vector, writes its
 * own FlatBuffer from the JSON it read, and C decodes that to the same value. */
static void test_flatc_oracle(void **state) {
  (void)state;
  char dir[256];
  snprintf(dir, sizeof dir, "%s/fbc-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  assert_non_null(mkdtemp(dir));
  int failures = 0, count = 0;
  cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(payloads, "vectors")) {
    const char *name = cJSON_GetObjectItem(v, "name")->valuestring, *type = cJSON_GetObjectItem(v, "type")->valuestring;
    const interop_type *t = vector_type(type);
    if ((t->kind != INTEROP_KIND_STRUCT && t->kind != INTEROP_KIND_UNION) || t == vector_type("interop.vectors.Ordering"))
      continue; /* no table of its own in the schema */
    const char *json = cJSON_GetObjectItem(v, "json")->valuestring;
    interop_error err;
    char *hex = from_json(t, json, &err);
    assert_non_null(hex);
    size_t n;
    uint8_t *b = from_hex(hex, &n);
    char path[300];
    snprintf(path, sizeof path, "%s/ours.bin", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
    count++;
    if (run("cd %s && " FLATC " --json --strict-json --raw-binary --root-type %s -o . " FBS_FILE " -- ours.bin >flatc.out 2>&1 && " FLATC
            " --binary --root-type %s -o . " FBS_FILE " ours.json >>flatc.out 2>&1",
            dir, type, type) != 0) {
      printf("FAIL %s: flatc does not read %s:\n", name, hex);
      run("cat %s/flatc.out", dir);
      failures++;
    } else {
      size_t m;
      snprintf(path, sizeof path, "%s/ours.bin", dir);
      f = fopen(path, "rb");
      assert_non_null(f);
      uint8_t theirs[4096];
      m = fread(theirs, 1, sizeof theirs, f);
      fclose(f);
      char *their_hex = to_hex(theirs, m);
      char *back = to_json(t, their_hex, &err);
      failures += check(name, "flatc's bytes -> json", back, json, &err);
      free(their_hex), free(back);
    }
    free(hex), free(b);
  }
  run("rm -rf %s", dir);
  printf("%d vectors read by flatc, %d failures\n", count, failures);
  assert_true(count > 10);
  assert_int_equal(failures, 0);
}

/* Hostile buffers: the code (and the start of the message) §3.6 gives. */
#define WRAPPER_TO_20 "0c000000" "0000" "0600" "0800" "0400" "06000000" "04000000" /* a wrapper whose slot 0 -> 20 */
static void test_reject(void **state) {
  (void)state;
  struct { const char *type, *hex, *code, *message; } cases[] = {
      {"interop.vectors.Point", "0c00", "INVALID_ARGUMENT", "a payload of 2 bytes is too short for a root offset"},
      {"interop.vectors.Point", "40000000", "INVALID_ARGUMENT", "offset at 0 points to 64, outside the payload of 4 bytes"},
      {"interop.vectors.Point", "0c000000" "0800" "0c00" "0400" "0800" "80000000" "01000000" "feffffff", "INVALID_ARGUMENT", "vtable of the table at 12 is outside the payload of 24 bytes"},
      {"interop.vectors.Point", "0c000000" "0700" "0c00" "0400" "0800" "08000000" "01000000" "feffffff", "INVALID_ARGUMENT", "vtable of the table at 12 has an invalid size of 7 bytes"},
      {"interop.vectors.Point", "0c000000" "0800" "0800" "0400" "0800" "08000000" "01000000" "feffffff", "INVALID_ARGUMENT", "Point.y: field 1 at offset 8 is past the table's 8 bytes"},
      {"interop.vectors.Point", "0c000000" "0800" "0c00" "0400" "0800" "08000000" "01000000" "feff", "INVALID_ARGUMENT", "Point.y: field 1 of the table at 12 ends past the payload of 22 bytes"},
      {"interop.vectors.Bool", "0c000000" "0000" "0600" "0500" "0400" "06000000" "02", "INVALID_ARGUMENT", "expected bool, got the byte 2"},
      /* Str { value: string }: "a" without its 0 byte, a count of 2 GiB, a byte that is not UTF-8. */
      {"interop.vectors.Str", WRAPPER_TO_20 "01000000" "61", "INVALID_ARGUMENT", "string without its 0 byte"},
      {"interop.vectors.Str", WRAPPER_TO_20 "00000080" "6100", "RESOURCE_EXHAUSTED", "string of 2147483648 claims more than the 2 bytes left"},
      {"interop.vectors.Str", WRAPPER_TO_20 "02000000" "ff0000", "INVALID_ARGUMENT", "invalid UTF-8"},
      /* Value { value_type (slot 0), value (slot 1) }: type 0 (none), type 99 (unknown). */
      {"interop.vectors.Value", "0c000000" "0800" "0c00" "0400" "0800" "08000000" "00000000" "04000000" "08000000", "INVALID_ARGUMENT", "Value: expected one case of Value, got none"},
      {"interop.vectors.Value", "0c000000" "0800" "0c00" "0400" "0800" "08000000" "63000000" "04000000" "08000000", "INVALID_ARGUMENT", "Value: unknown case 99 of Value"},
      /* Ints { value: [int] }: a count of 2^30 elements in a few bytes. */
      {"interop.vectors.Ints", WRAPPER_TO_20 "00000040", "RESOURCE_EXHAUSTED", "vector of 1073741824 claims more than the 0 bytes left"},
      /* MapStr: two entry tables { key "a", value } (the canonical bytes of {"a":1,"b":2} with b made a). */
      {"interop.vectors.MapStr", WRAPPER_TO_20 "02000000" "10000000" "28000000"
                                 "0800" "0c00" "0400" "0800" "08000000" "08000000" "01000000" "01000000" "6100" "0000"
                                 "0800" "0c00" "0400" "0800" "08000000" "08000000" "02000000" "01000000" "6100",
       "INVALID_ARGUMENT", "map key \"a\" given twice"},
  };
  int failures = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const interop_type *t = vector_type(cases[i].type);
    size_t n;
    uint8_t *in = from_hex(cases[i].hex, &n);
    interop_arena arena = INTEROP_ARENA_INIT;
    void *value = malloc(t->size);
    interop_error err;
    int rc = interop_decode(t, in, n, INTEROP_CODEC_FLATBUFFERS, INTEROP_DEFAULT_MAX_DEPTH, &arena, value, &err);
    if (rc == INTEROP_OK || strcmp(interop_code_name((uint32_t)rc), cases[i].code) != 0 || strstr(err.message, cases[i].message) == NULL) {
      printf("FAIL reject %zu (%s): got %s \"%s\", want %s \"%s\"\n", i, cases[i].type, rc == INTEROP_OK ? "success" : interop_code_name((uint32_t)rc),
             rc == INTEROP_OK ? "" : err.message, cases[i].code, cases[i].message);
      failures++;
    }
    free(value), free(in);
    interop_arena_free(&arena);
  }
  assert_int_equal(failures, 0);
}

/* Tree { label: string (1), children: list<Tree> (2) } `levels` deep, one child each. */
static char *tree_json(int levels) {
  char *s = malloc((size_t)levels * 40 + 1), *p = s;
  for (int i = 0; i < levels; i++) p += sprintf(p, "{\"label\":\"%d\",\"children\":[", i);
  for (int i = 0; i < levels; i++) p += sprintf(p, "]}");
  *p = '\0';
  return s;
}

static void test_depth_limit(void **state) {
  (void)state;
  const interop_type *t = vector_type("interop.vectors.Tree");
  interop_arena arena = INTEROP_ARENA_INIT;
  void *value = malloc(t->size);
  interop_error err;
  char *json = tree_json(65);
  assert_int_equal(interop_decode(t, (const uint8_t *)json, strlen(json), INTEROP_CODEC_JSON, 200, &arena, value, &err), INTEROP_OK);
  interop_buf out = INTEROP_BUF_INIT;
  /* 65 tables: one more than 64 levels, refused by the encoder and the decoder alike. */
  assert_int_equal(interop_encode(t, value, INTEROP_CODEC_FLATBUFFERS, 64, &out, &err), INTEROP_RESOURCE_EXHAUSTED);
  assert_int_equal(out.len, 0);
  assert_int_equal(interop_encode(t, value, INTEROP_CODEC_FLATBUFFERS, 65, &out, &err), INTEROP_OK);
  assert_int_equal(interop_decode(t, out.data, out.len, INTEROP_CODEC_FLATBUFFERS, 64, &arena, value, &err), INTEROP_RESOURCE_EXHAUSTED);
  assert_non_null(strstr(err.message, "nested deeper than 64"));
  assert_int_equal(interop_decode(t, out.data, out.len, INTEROP_CODEC_FLATBUFFERS, 65, &arena, value, &err), INTEROP_OK);
  interop_buf_free(&out);
  free(json), free(value);
  interop_arena_free(&arena);
}

/* Amplification: a Matrix whose n uoffsets all name one ListOfLong table would decode n lists
 * of 64 longs from 4 bytes each; reading more than the payload holds is refused. */
static void test_shared_offsets(void **state) {
  (void)state;
  const interop_type *t = vector_type("interop.vectors.Matrix"); /* list<list<i64>>: [ListOfI64] */
  interop_buf b = INTEROP_BUF_INIT;
  const uint32_t n = 1000;
  /* root -> wrapper table at 12 (vtable at 6) whose slot 0 -> the vector at 20 of n uoffsets, all
   * to one ListOfLong table holding a vector of 64 longs. */
  uint8_t head[20] = {12, 0, 0, 0, 0, 0, 6, 0, 8, 0, 4, 0, 6, 0, 0, 0, 4, 0, 0, 0};
  interop_buf_put(&b, head, sizeof head);
  uint8_t count[4] = {(uint8_t)n, (uint8_t)(n >> 8), 0, 0};
  interop_buf_put(&b, count, 4);
  size_t table = 24 + 4 * (size_t)n + 8; /* after the offsets: a vtable (6 bytes + 2 padding), then the table */
  for (uint32_t i = 0; i < n; i++) {
    uint32_t at = 24 + 4 * i, u = (uint32_t)(table - at);
    uint8_t o[4] = {(uint8_t)u, (uint8_t)(u >> 8), (uint8_t)(u >> 16), (uint8_t)(u >> 24)};
    interop_buf_put(&b, o, 4);
  }
  uint8_t inner[16] = {0, 0, 6, 0, 8, 0, 4, 0, 6, 0, 0, 0, 4, 0, 0, 0}; /* table: soffset 6, uoffset 4 -> the count right after */
  interop_buf_put(&b, inner, 16);
  uint8_t longs[4] = {64, 0, 0, 0};
  interop_buf_put(&b, longs, 4);
  for (int i = 0; i < 64 * 8; i++) interop_buf_byte(&b, 0);
  interop_arena arena = INTEROP_ARENA_INIT;
  void *value = malloc(t->size);
  interop_error err;
  assert_int_equal(interop_decode(t, b.data, b.len, INTEROP_CODEC_FLATBUFFERS, 64, &arena, value, &err), INTEROP_RESOURCE_EXHAUSTED);
  assert_non_null(strstr(err.message, "decoding reads more bytes than the payload's"));
  /* The same buffer with a count of 1 is a valid [[0 x 64]]. */
  b.data[20] = 1, b.data[21] = 0;
  assert_int_equal(interop_decode(t, b.data, b.len, INTEROP_CODEC_FLATBUFFERS, 64, &arena, value, &err), INTEROP_OK);
  assert_int_equal(((interop_list *)value)->len, 1);
  interop_buf_free(&b);
  free(value);
  interop_arena_free(&arena);
}

/* Every payload vector's encoding with a byte flipped, cut or inserted, and random bytes (seeded):
 * a decode succeeds and then re-encodes to bytes that decode and re-encode the same, or fails
 * with INVALID_ARGUMENT or RESOURCE_EXHAUSTED. */
static void test_mutations(void **state) {
  (void)state;
  uint64_t seed = 17;
  int decoded = 0;
  cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(payloads, "vectors")) {
    const interop_type *t = vector_type(cJSON_GetObjectItem(v, "type")->valuestring);
    interop_error err;
    char *hex = from_json(t, cJSON_GetObjectItem(v, "json")->valuestring, &err);
    if (hex == NULL) continue; /* Ordering */
    size_t len;
    uint8_t *good = from_hex(hex, &len);
    for (int round = 0; round < 40; round++) {
      uint8_t data[512];
      size_t n = len < sizeof data - 1 ? len : sizeof data - 1;
      memcpy(data, good, n);
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      size_t at = n ? (size_t)(seed >> 33) % (n + 1) : 0;
      uint8_t byte = (uint8_t)(seed >> 17);
      switch ((seed >> 60) & 3) {
        case 0: if (n) data[at < n ? at : n - 1] = byte; break;
        case 1: n = at; break;
        case 2: memmove(data + at + 1, data + at, n - at), data[at] = byte, n++; break;
        default:
          n = (size_t)(seed >> 40) % 48;
          for (size_t i = 0; i < n; i++) data[i] = (uint8_t)((seed >> (i % 56)) * 31 + i);
      }
      char *once = convert(t, INTEROP_CODEC_FLATBUFFERS, data, n, INTEROP_CODEC_FLATBUFFERS, &err);
      if (once == NULL) {
        assert_true(err.code == INTEROP_INVALID_ARGUMENT || err.code == INTEROP_RESOURCE_EXHAUSTED);
        continue;
      }
      size_t m;
      uint8_t *bytes = from_hex(once, &m);
      char *twice = convert(t, INTEROP_CODEC_FLATBUFFERS, bytes, m, INTEROP_CODEC_FLATBUFFERS, &err);
      assert_non_null(twice);
      assert_string_equal(once, twice);
      free(once), free(twice), free(bytes);
      decoded++;
    }
    free(good), free(hex);
  }
  assert_true(decoded > 0);
}

int main(void) {
  payloads = read_repo_json("test/vectors/payloads.json");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_section_examples), cmocka_unit_test(test_payload_vectors), cmocka_unit_test(test_flatc_oracle),
      cmocka_unit_test(test_reject), cmocka_unit_test(test_depth_limit), cmocka_unit_test(test_shared_offsets),
      cmocka_unit_test(test_mutations),
  };
  int rc = cmocka_run_group_tests_name("flatbuffers vectors", tests, NULL, NULL);
  cJSON_Delete(payloads);
  return rc;
}
