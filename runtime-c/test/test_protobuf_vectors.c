/* The protobuf codec (src/protobuf_*.c) against the golden bytes of test/vectors/protobuf.json,
 * which runtime-ts's test made and checked with google's protoc: every payload vector, read from
 * its JSON, encodes to exactly those bytes and decodes from them back to the same JSON; every
 * hostile input fails with the code and message TypeScript and Python give; nesting stops at
 * max_depth; mutated encodings decode or fail with a typed error, never otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "support.h"

static cJSON *payloads, *golden;

static const char *payload_json(const char *name) {
  cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(payloads, "vectors")) {
    if (strcmp(cJSON_GetObjectItem(v, "name")->valuestring, name) == 0) return cJSON_GetObjectItem(v, "json")->valuestring;
  }
  return NULL;
}

static void test_golden_bytes(void **state) {
  (void)state;
  int failures = 0, count = 0;
  cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(golden, "vectors")) {
    const char *name = cJSON_GetObjectItem(v, "name")->valuestring;
    const interop_type *t = vector_type(cJSON_GetObjectItem(v, "type")->valuestring);
    const char *hex = cJSON_GetObjectItem(v, "protobuf")->valuestring, *json = payload_json(name);
    assert_non_null(t);
    assert_non_null(json);
    interop_error err;
    size_t pl;
    uint8_t *pb = from_hex(hex, &pl);
    char *a = vector_convert(t, INTEROP_CODEC_JSON, (const uint8_t *)json, strlen(json), INTEROP_CODEC_PROTOBUF, &err);
    failures += vector_check(name, "json -> protobuf", a, hex, &err);
    char *b = vector_convert(t, INTEROP_CODEC_PROTOBUF, pb, pl, INTEROP_CODEC_JSON, &err);
    failures += vector_check(name, "protobuf -> json", b, json, &err);
    char *c = vector_convert(t, INTEROP_CODEC_PROTOBUF, pb, pl, INTEROP_CODEC_PROTOBUF, &err);
    failures += vector_check(name, "protobuf -> protobuf", c, hex, &err);
    free(a), free(b), free(c), free(pb);
    count++;
  }
  printf("%d protobuf vectors, %d failures\n", count, failures);
  assert_true(count > 150);
  assert_int_equal(failures, 0);
}

/* TypeScript and Python start a message with the type's name ("Str: ..."); a C descriptor of an
 * alias of a scalar or container has no name, so C's message is the rest ("length of ..."). */
static const char *expected_message(const interop_type *t, const char *want) {
  if (t->name != NULL) return want;
  const char *rest = strpbrk(want, ".[:");
  if (rest == NULL) return want;
  if (*rest == ':') return rest + 2;
  return *rest == '.' ? rest + 1 : rest;
}

static void test_reject(void **state) {
  (void)state;
  int failures = 0, count = 0;
  cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(golden, "reject")) {
    const char *name = cJSON_GetObjectItem(v, "name")->valuestring;
    char qualified[128];
    snprintf(qualified, sizeof qualified, "interop.vectors.%s", cJSON_GetObjectItem(v, "type")->valuestring);
    const interop_type *t = vector_type(qualified);
    const char *code = cJSON_GetObjectItem(v, "code")->valuestring;
    const char *want = expected_message(t, cJSON_GetObjectItem(v, "message")->valuestring);
    assert_non_null(t);
    size_t len;
    uint8_t *in = from_hex(cJSON_GetObjectItem(v, "input")->valuestring, &len);
    interop_arena arena = INTEROP_ARENA_INIT;
    void *value = malloc(t->size);
    interop_error err;
    int rc = interop_decode(t, in, len, INTEROP_CODEC_PROTOBUF, INTEROP_DEFAULT_MAX_DEPTH, &arena, value, &err);
    if (rc == INTEROP_OK || strcmp(interop_code_name((uint32_t)rc), code) != 0 || strcmp(err.message, want) != 0) {
      printf("FAIL %s: got %s \"%s\", want %s \"%s\"\n", name, rc == INTEROP_OK ? "success" : interop_code_name((uint32_t)rc),
             rc == INTEROP_OK ? "" : err.message, code, want);
      failures++;
    }
    free(value), free(in);
    interop_arena_free(&arena);
    count++;
  }
  printf("%d protobuf reject vectors, %d failures\n", count, failures);
  assert_true(count >= 16);
  assert_int_equal(failures, 0);
}

/* Tree { children: list<Tree> } 100 deep, field 2 of each level holding the next. */
static void test_depth_limit(void **state) {
  (void)state;
  interop_buf b = INTEROP_BUF_INIT;
  for (int i = 0; i < 100; i++) {
    size_t n = b.len;
    uint8_t head[6] = {0x12};
    size_t h = 1;
    for (; n >= 0x80; n >>= 7) head[h++] = (uint8_t)(n | 0x80);
    head[h++] = (uint8_t)n;
    interop_buf_reserve(&b, h);
    memmove(b.data + h, b.data, b.len);
    memcpy(b.data, head, h);
    b.len += h;
  }
  const interop_type *t = vector_type("interop.vectors.Tree");
  interop_arena arena = INTEROP_ARENA_INIT;
  void *value = malloc(t->size);
  interop_error err;
  assert_int_equal(interop_decode(t, b.data, b.len, INTEROP_CODEC_PROTOBUF, 64, &arena, value, &err),
                   INTEROP_RESOURCE_EXHAUSTED);
  assert_non_null(strstr(err.message, "nested deeper than 64"));
  /* 64 levels decode, and the encoder refuses what the decoder would: one level more. */
  assert_int_equal(interop_decode(t, b.data + b.len - 2 * 64, 2 * 64, INTEROP_CODEC_PROTOBUF, 64, &arena, value, &err),
                   INTEROP_OK);
  interop_buf out = INTEROP_BUF_INIT;
  assert_int_equal(interop_encode(t, value, INTEROP_CODEC_PROTOBUF, 63, &out, &err), INTEROP_RESOURCE_EXHAUSTED);
  assert_int_equal(out.len, 0);
  assert_int_equal(interop_encode(t, value, INTEROP_CODEC_PROTOBUF, 64, &out, &err), INTEROP_OK);
  assert_int_equal(interop_decode(t, out.data, out.len, INTEROP_CODEC_PROTOBUF, 64, &arena, value, &err), INTEROP_OK);
  interop_buf_free(&out);
  interop_buf_free(&b);
  free(value);
  interop_arena_free(&arena);
}

/* Fields in any order, unpacked scalar lists, unknown fields of every wire type skipped: the
 * value is the one the canonical bytes give. */
static void test_lenient_input(void **state) {
  (void)state;
  interop_error err;
  struct { const char *type, *input, *canonical; } cases[] = {
      {"interop.vectors.Point", "1004" "0802", "08021004"},
      {"interop.vectors.Ints", "0802" "0804" "0a020608", "0a0402040608"},
      {"interop.vectors.Point", "1804" "2101020304050607ff" "2a0100" "2d01020304" "0802" "1004", "08021004"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t len;
    uint8_t *in = from_hex(cases[i].input, &len);
    char *got = vector_convert(vector_type(cases[i].type), INTEROP_CODEC_PROTOBUF, in, len, INTEROP_CODEC_PROTOBUF, &err);
    assert_int_equal(vector_check(cases[i].input, cases[i].type, got, cases[i].canonical, &err), 0);
    free(got), free(in);
  }
}

/* Every golden encoding with a byte flipped, cut or inserted, and random bytes (seeded): a decode
 * succeeds and then re-encodes to bytes that decode and re-encode the same, or fails with
 * INVALID_ARGUMENT or RESOURCE_EXHAUSTED. */
static void test_mutations(void **state) {
  (void)state;
  uint64_t seed = 17;
  int decoded = 0;
  cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(golden, "vectors")) {
    const interop_type *t = vector_type(cJSON_GetObjectItem(v, "type")->valuestring);
    size_t len;
    uint8_t *good = from_hex(cJSON_GetObjectItem(v, "protobuf")->valuestring, &len);
    for (int round = 0; round < 20; round++) {
      uint8_t data[256];
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
      interop_error err;
      char *once = vector_convert(t, INTEROP_CODEC_PROTOBUF, data, n, INTEROP_CODEC_PROTOBUF, &err);
      if (once == NULL) {
        assert_true(err.code == INTEROP_INVALID_ARGUMENT || err.code == INTEROP_RESOURCE_EXHAUSTED);
        continue;
      }
      size_t m;
      uint8_t *bytes = from_hex(once, &m);
      char *twice = vector_convert(t, INTEROP_CODEC_PROTOBUF, bytes, m, INTEROP_CODEC_PROTOBUF, &err);
      assert_non_null(twice);
      assert_string_equal(once, twice);
      free(once), free(twice), free(bytes);
      decoded++;
    }
    free(good);
  }
  assert_true(decoded > 0);
}

int main(void) {
  payloads = read_repo_json("test/vectors/payloads.json");
  golden = read_repo_json("test/vectors/protobuf.json");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_golden_bytes), cmocka_unit_test(test_reject),    cmocka_unit_test(test_depth_limit),
      cmocka_unit_test(test_lenient_input), cmocka_unit_test(test_mutations),
  };
  int rc = cmocka_run_group_tests_name("protobuf vectors", tests, NULL, NULL);
  cJSON_Delete(payloads);
  cJSON_Delete(golden);
  return rc;
}
