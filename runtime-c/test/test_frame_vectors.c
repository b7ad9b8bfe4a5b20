/* Every frame vector of test/vectors/frames.json: valid frames decode to their header fields and
 * encode back to the same bytes, whole or fed one byte at a time; invalid ones give their error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "support.h"

static cJSON *frames;

static int get_int(cJSON *v, const char *key) { return (int)cJSON_GetObjectItem(v, key)->valuedouble; }

static void test_valid_frames(void **state) {
  (void)state;
  int count = 0;
  cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(frames, "valid")) {
    const char *name = cJSON_GetObjectItem(v, "name")->valuestring;
    size_t len;
    uint8_t *bytes = from_hex(cJSON_GetObjectItem(v, "hex")->valuestring, &len);
    for (int bytewise = 0; bytewise < 2; bytewise++) {
      interop_frame_decoder d;
      interop_frame_decoder_init(&d, INTEROP_DEFAULT_MAX_FRAME_BYTES);
      interop_frame f;
      interop_error err;
      int got = 0;
      for (size_t i = 0; i < len && got == 0; i += bytewise ? 1 : len) {
        assert_true(interop_frame_decoder_push(&d, bytes + i, bytewise ? 1 : len));
        got = interop_frame_decoder_next(&d, &f, &err);
      }
      if (got != 1) fail_msg("%s: no frame (%d)", name, got);
      assert_int_equal(f.kind, get_int(v, "kind_value"));
      assert_int_equal(f.codec, get_int(v, "codec_value"));
      assert_int_equal(f.flags, get_int(v, "flags"));
      assert_int_equal(f.correlation, (uint32_t)cJSON_GetObjectItem(v, "correlation")->valuedouble);
      assert_int_equal(f.timeout_ms, (uint32_t)cJSON_GetObjectItem(v, "timeout_ms")->valuedouble);
      const char *target = cJSON_GetObjectItem(v, "target")->valuestring;
      assert_int_equal(f.target_len, strlen(target));
      assert_memory_equal(f.target, target, f.target_len);
      char *payload = to_hex(f.payload, f.payload_len);
      assert_string_equal(payload, cJSON_GetObjectItem(v, "payload_hex")->valuestring);
      free(payload);
      assert_int_equal(interop_frame_check(&f, &err), INTEROP_OK);
      assert_string_equal(interop_frame_kind_name(f.kind), cJSON_GetObjectItem(v, "kind")->valuestring);
      assert_string_equal(interop_codec_name((interop_codec)f.codec), cJSON_GetObjectItem(v, "codec")->valuestring);
      interop_buf out = INTEROP_BUF_INIT;
      assert_int_equal(interop_frame_encode(&out, &f, &err), INTEROP_OK);
      assert_int_equal(out.len, len);
      assert_memory_equal(out.data, bytes, len);
      interop_buf_free(&out);
      assert_int_equal(interop_frame_decoder_next(&d, &f, &err), 0);
      assert_int_equal(interop_frame_decoder_end(&d, &err), 0);
      interop_frame_decoder_free(&d);
    }
    free(bytes);
    count++;
  }
  assert_true(count >= 13);
}

static void test_invalid_frames(void **state) {
  (void)state;
  int count = 0;
  cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(frames, "invalid")) {
    const char *name = cJSON_GetObjectItem(v, "name")->valuestring;
    const char *want = cJSON_GetObjectItem(v, "code")->valuestring;
    bool close = cJSON_IsTrue(cJSON_GetObjectItem(v, "close"));
    bool eof = cJSON_IsTrue(cJSON_GetObjectItem(v, "eof"));
    size_t len;
    uint8_t *bytes = from_hex(cJSON_GetObjectItem(v, "hex")->valuestring, &len);
    interop_frame_decoder d;
    interop_frame_decoder_init(&d, INTEROP_DEFAULT_MAX_FRAME_BYTES);
    interop_frame f;
    interop_error err;
    assert_true(interop_frame_decoder_push(&d, bytes, len));
    int got = interop_frame_decoder_next(&d, &f, &err);
    if (close) {
      if (eof && got == 0) got = interop_frame_decoder_end(&d, &err);
      if (got >= 0) fail_msg("%s: accepted", name);
      assert_string_equal(interop_code_name((uint32_t)-got), want);
      /* Nothing the size of the claimed length was allocated. */
      assert_true(d.buf.cap <= 64 || d.buf.cap < 2 * len + 64);
    } else {
      if (got != 1) fail_msg("%s: no frame (%d)", name, got);
      int rc = interop_frame_check(&f, &err);
      assert_string_equal(interop_code_name((uint32_t)rc), want);
      assert_int_equal(f.correlation, get_int(v, "answer_correlation"));
    }
    interop_frame_decoder_free(&d);
    free(bytes);
    count++;
  }
  assert_true(count >= 8);
}

int main(void) {
  frames = read_repo_json("test/vectors/frames.json");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_frames),
      cmocka_unit_test(test_invalid_frames),
  };
  int rc = cmocka_run_group_tests_name("frame vectors", tests, NULL, NULL);
  cJSON_Delete(frames);
  return rc;
}
