/* The FlatBuffers codec (src/flatbuffers_*.c, docs/wire.md §3.6): §3.6's own examples byte for
 * byte; test/vectors/flatbuffers.json's golden bytes both ways and its reject vectors with
 * TypeScript's code and message; every payload vector of test/vectors/payloads.json goes JSON -> FlatBuffers -> JSON
 * unchanged and re-encodes to the same bytes; flatc (the oracle, with the schema `interopc gen
 * --lang fbs` writes) reads and verifies what C writes, and C decodes what flatc writes from that
 * JSON to the same value; nesting stops
 * at max_depth; mutated encodings decode or fail with a typed error, never otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "support.h"

static cJSON *payloads, *golden;

static char *from_json(const interop_type *t, const char *json, interop_error *err) {
  return vector_convert(t, INTEROP_CODEC_JSON, (const uint8_t *)json, strlen(json), INTEROP_CODEC_FLATBUFFERS, err);
}

static char *to_json(const interop_type *t, const char *hex, interop_error *err) {
  size_t n;
  uint8_t *b = from_hex(hex, &n);
  char *out = vector_convert(t, INTEROP_CODEC_FLATBUFFERS, b, n, INTEROP_CODEC_JSON, err);
  free(b);
  return out;
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
    assert_int_equal(vector_check(cases[i].type, "json -> flatbuffers", hex, cases[i].hex, &err), 0);
    char *back = to_json(t, cases[i].hex, &err);
    assert_int_equal(vector_check(cases[i].type, "flatbuffers -> json", back, cases[i].json, &err), 0);
    free(hex), free(back);
  }
  /* An empty payload is the root table with no field: the defaults. */
  const interop_type *t = vector_type("interop.vectors.I32");
  char *zero = vector_convert(t, INTEROP_CODEC_FLATBUFFERS, NULL, 0, INTEROP_CODEC_JSON, &err);
  assert_int_equal(vector_check("empty", "flatbuffers -> json", zero, "0", &err), 0);
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
    failures += vector_check(name, "json -> flatbuffers", hex, hex ? hex : "", &err);
    if (hex != NULL) {
      char *back = to_json(t, hex, &err);
      failures += vector_check(name, "flatbuffers -> json", back, json, &err);
      size_t n;
      uint8_t *b = from_hex(hex, &n);
      char *again = vector_convert(t, INTEROP_CODEC_FLATBUFFERS, b, n, INTEROP_CODEC_FLATBUFFERS, &err);
      failures += vector_check(name, "flatbuffers -> flatbuffers", again, hex, &err);
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
      failures += vector_check(name, "flatc's bytes -> json", back, json, &err);
      free(their_hex), free(back);
    }
    free(hex), free(b);
  }
  run("rm -rf %s", dir);
  printf("%d vectors read by flatc, %d failures\n", count, failures);
  assert_true(count > 10);
  assert_int_equal(failures, 0);
}

/* TypeScript's message starts with the type's name ("Str: ..."); a C descriptor of an alias of a
 * scalar or container has no name, so C's message is the rest (as for protobuf). */
static const char *expected_message(const interop_type *t, const char *want) {
  if (t->name != NULL) return want;
  const char *rest = strpbrk(want, ".[:");
  if (rest == NULL) return want;
  if (*rest == ':') return rest + 2;
  return *rest == '.' ? rest + 1 : rest;
}

/* test/vectors/flatbuffers.json (made by TypeScript, checked by flatc): every vector's bytes from
 * its value and back, and every hostile input with its code and exact message. */
static void test_golden_vectors(void **state) {
  (void)state;
  int failures = 0, count = 0, rejects = 0;
  cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(golden, "vectors")) {
    const char *name = cJSON_GetObjectItem(v, "name")->valuestring, *hex = cJSON_GetObjectItem(v, "flatbuffers")->valuestring;
    const interop_type *t = vector_type(cJSON_GetObjectItem(v, "type")->valuestring);
    const char *json = NULL;
    cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(payloads, "vectors")) {
      if (strcmp(cJSON_GetObjectItem(p, "name")->valuestring, name) == 0) json = cJSON_GetObjectItem(p, "json")->valuestring;
    }
    assert_non_null(t);
    assert_non_null(json);
    interop_error err;
    char *a = from_json(t, json, &err), *b = to_json(t, hex, &err);
    failures += vector_check(name, "json -> flatbuffers", a, hex, &err) + vector_check(name, "flatbuffers -> json", b, json, &err);
    free(a), free(b);
    count++;
  }
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(golden, "reject")) {
    const char *name = cJSON_GetObjectItem(v, "name")->valuestring, *code = cJSON_GetObjectItem(v, "code")->valuestring;
    const interop_type *t = vector_type(cJSON_GetObjectItem(v, "type")->valuestring);
    char qualified[128];
    if (t == NULL) {
      snprintf(qualified, sizeof qualified, "interop.vectors.%s", cJSON_GetObjectItem(v, "type")->valuestring);
      t = vector_type(qualified);
    }
    assert_non_null(t);
    const char *want = expected_message(t, cJSON_GetObjectItem(v, "message")->valuestring);
    size_t n;
    uint8_t *in = from_hex(cJSON_GetObjectItem(v, "input")->valuestring, &n);
    interop_arena arena = INTEROP_ARENA_INIT;
    void *value = malloc(t->size);
    interop_error err;
    int rc = interop_decode(t, in, n, INTEROP_CODEC_FLATBUFFERS, INTEROP_DEFAULT_MAX_DEPTH, &arena, value, &err);
    /* A message longer than C's error holds (a path 64 tables deep) keeps its innermost part. */
    bool long_message = strlen(want) >= INTEROP_MESSAGE_MAX - 1;
    const char *got_tail = rc ? strrchr(err.message, ':') : NULL, *want_tail = strrchr(want, ':');
    bool same = rc != INTEROP_OK && (long_message ? got_tail != NULL && want_tail != NULL && strcmp(got_tail, want_tail) == 0
                                                  : strcmp(err.message, want) == 0);
    if (rc == INTEROP_OK || strcmp(interop_code_name((uint32_t)rc), code) != 0 || !same) {
      printf("FAIL %s: got %s \"%s\", want %s \"%s\"\n", name, rc == INTEROP_OK ? "success" : interop_code_name((uint32_t)rc),
             rc == INTEROP_OK ? "" : err.message, code, want);
      failures++;
    }
    free(value), free(in);
    interop_arena_free(&arena);
    rejects++;
  }
  printf("%d flatbuffers vectors, %d reject vectors, %d failures\n", count, rejects, failures);
  assert_true(count > 150);
  assert_true(rejects >= 20);
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
  assert_non_null(strstr(err.message, "nesting deeper than max_depth 64"));
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
  assert_non_null(strstr(err.message, "decoding reads more than the payload's"));
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
      char *once = vector_convert(t, INTEROP_CODEC_FLATBUFFERS, data, n, INTEROP_CODEC_FLATBUFFERS, &err);
      if (once == NULL) {
        assert_true(err.code == INTEROP_INVALID_ARGUMENT || err.code == INTEROP_RESOURCE_EXHAUSTED);
        continue;
      }
      size_t m;
      uint8_t *bytes = from_hex(once, &m);
      char *twice = vector_convert(t, INTEROP_CODEC_FLATBUFFERS, bytes, m, INTEROP_CODEC_FLATBUFFERS, &err);
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
  golden = read_repo_json("test/vectors/flatbuffers.json");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_section_examples), cmocka_unit_test(test_payload_vectors), cmocka_unit_test(test_flatc_oracle),
      cmocka_unit_test(test_golden_vectors), cmocka_unit_test(test_depth_limit), cmocka_unit_test(test_shared_offsets),
      cmocka_unit_test(test_mutations),
  };
  int rc = cmocka_run_group_tests_name("flatbuffers vectors", tests, NULL, NULL);
  cJSON_Delete(payloads);
  cJSON_Delete(golden);
  return rc;
}
