/* Every payload vector of test/vectors/payloads.json, decoded and re-encoded byte for byte with
 * the generated descriptors of test/vectors/vectors.interop (test/vectors/README.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "support.h"

static cJSON *vectors;

/* The input of a vector in a codec: JSON text as bytes, or msgpack from hex. */
static uint8_t *input_bytes(const char *codec, const char *text, size_t *len) {
  if (strcmp(codec, "json") == 0) {
    *len = strlen(text);
    uint8_t *copy = malloc(*len + 1);
    memcpy(copy, text, *len + 1);
    return copy;
  }
  return from_hex(text, len);
}

static void test_canonical_vectors(void **state) {
  (void)state;
  int failures = 0, count = 0;
  cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(vectors, "vectors")) {
    const char *name = cJSON_GetObjectItem(v, "name")->valuestring;
    const interop_type *t = vector_type(cJSON_GetObjectItem(v, "type")->valuestring);
    const char *json = cJSON_GetObjectItem(v, "json")->valuestring;
    const char *hex = cJSON_GetObjectItem(v, "msgpack")->valuestring;
    assert_non_null(t);
    interop_error err;
    size_t jl, ml;
    uint8_t *jin = input_bytes("json", json, &jl), *min = input_bytes("msgpack", hex, &ml);
    char *a = vector_convert(t, INTEROP_CODEC_JSON, jin, jl, INTEROP_CODEC_JSON, &err);
    failures += vector_check(name, "json -> json", a, json, &err);
    char *b = vector_convert(t, INTEROP_CODEC_MSGPACK, min, ml, INTEROP_CODEC_MSGPACK, &err);
    failures += vector_check(name, "msgpack -> msgpack", b, hex, &err);
    char *c = vector_convert(t, INTEROP_CODEC_JSON, jin, jl, INTEROP_CODEC_MSGPACK, &err);
    failures += vector_check(name, "json -> msgpack", c, hex, &err);
    char *d = vector_convert(t, INTEROP_CODEC_MSGPACK, min, ml, INTEROP_CODEC_JSON, &err);
    failures += vector_check(name, "msgpack -> json", d, json, &err);
    free(a), free(b), free(c), free(d), free(jin), free(min);
    count++;
  }
  printf("%d canonical vectors, %d failures\n", count, failures);
  assert_true(count > 100);
  assert_int_equal(failures, 0);
}

static void test_decode_only_vectors(void **state) {
  (void)state;
  int failures = 0, count = 0;
  cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(vectors, "decode_only")) {
    const char *name = cJSON_GetObjectItem(v, "name")->valuestring;
    const interop_type *t = vector_type(cJSON_GetObjectItem(v, "type")->valuestring);
    const char *codec = cJSON_GetObjectItem(v, "codec")->valuestring;
    const char *want = cJSON_GetObjectItem(v, "canonical")->valuestring;
    assert_non_null(t);
    interop_codec c = (interop_codec)interop_codec_from_name(codec);
    size_t len;
    uint8_t *in = input_bytes(codec, cJSON_GetObjectItem(v, "input")->valuestring, &len);
    interop_error err;
    char *got = vector_convert(t, c, in, len, c, &err);
    failures += vector_check(name, codec, got, want, &err);
    free(got), free(in);
    count++;
  }
  printf("%d decode-only vectors, %d failures\n", count, failures);
  assert_true(count > 20);
  assert_int_equal(failures, 0);
}

static void test_reject_vectors(void **state) {
  (void)state;
  int failures = 0, count = 0;
  cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(vectors, "reject")) {
    const char *name = cJSON_GetObjectItem(v, "name")->valuestring;
    const interop_type *t = vector_type(cJSON_GetObjectItem(v, "type")->valuestring);
    const char *codec = cJSON_GetObjectItem(v, "codec")->valuestring;
    const char *want = cJSON_GetObjectItem(v, "code")->valuestring;
    cJSON *input = cJSON_GetObjectItem(v, "input");
    assert_non_null(t);
    size_t len;
    uint8_t *in = input != NULL ? input_bytes(codec, input->valuestring, &len)
                                : from_hex(cJSON_GetObjectItem(v, "input_hex")->valuestring, &len);
    interop_arena arena = INTEROP_ARENA_INIT;
    void *value = malloc(t->size);
    interop_error err;
    int rc = interop_decode(t, in, len, (interop_codec)interop_codec_from_name(codec), INTEROP_DEFAULT_MAX_DEPTH,
                            &arena, value, &err);
    if (rc == INTEROP_OK || strcmp(interop_code_name((uint32_t)rc), want) != 0) {
      printf("FAIL %s: got %s (%s), want %s\n", name, rc == INTEROP_OK ? "success" : interop_code_name((uint32_t)rc),
             rc == INTEROP_OK ? "" : err.message, want);
      failures++;
    }
    free(value), free(in);
    interop_arena_free(&arena);
    count++;
  }
  printf("%d reject vectors, %d failures\n", count, failures);
  assert_true(count > 50);
  assert_int_equal(failures, 0);
}

int main(void) {
  vectors = read_repo_json("test/vectors/payloads.json");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_canonical_vectors),
      cmocka_unit_test(test_decode_only_vectors),
      cmocka_unit_test(test_reject_vectors),
  };
  int rc = cmocka_run_group_tests_name("payload vectors", tests, NULL, NULL);
  cJSON_Delete(vectors);
  return rc;
}
