/* Value checks (docs/c.md "Values"): what encoders refuse, with the same code and message from
 * interop_check (what direct calls run), so a value refused over a socket is refused in-process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "support.h"
#include "interop_vectors.h"

/* Encoding in both codecs and checking must all fail with `code`, the message naming `path`. */
static void refused(const interop_type *t, const void *v, uint32_t code, const char *path) {
  interop_error e1, e2, e3;
  interop_buf b = INTEROP_BUF_INIT;
  assert_int_equal(interop_encode(t, v, INTEROP_CODEC_MSGPACK, 64, &b, &e1), code);
  assert_int_equal(b.len, 0);
  assert_int_equal(interop_encode(t, v, INTEROP_CODEC_JSON, 64, &b, &e2), code);
  assert_int_equal(b.len, 0);
  assert_int_equal(interop_check(t, v, 64, &e3), code);
  assert_string_equal(e1.message, e3.message);
  assert_string_equal(e2.message, e3.message);
  if (strncmp(e3.message, path, strlen(path)) != 0) fail_msg("message \"%s\" does not start with %s", e3.message, path);
  interop_buf_free(&b);
}

static void test_invalid_utf8(void **state) {
  (void)state;
  interop_vectors_AllScalars v = {0};
  v.text = (interop_str){"\xc3\x28", 2};
  refused(&interop_vectors_AllScalars_type, &v, INTEROP_INVALID_ARGUMENT, "text: string is not valid UTF-8");
}

static void test_union_without_case(void **state) {
  (void)state;
  interop_vectors_Value v = {0};
  refused(&interop_vectors_Value_type, &v, INTEROP_INVALID_ARGUMENT, "interop.vectors.Value holds no case");
  v.which = 77;
  refused(&interop_vectors_Value_type, &v, INTEROP_INVALID_ARGUMENT, "interop.vectors.Value holds no case");
}

static void test_nested_path(void **state) {
  (void)state;
  interop_vectors_Tree leaves[2] = {{INTEROP_STR("a"), {NULL, 0}}, {{"\xff", 1}, {NULL, 0}}};
  interop_vectors_Tree root = {INTEROP_STR("root"), {leaves, 2}};
  refused(&interop_vectors_Tree_type, &root, INTEROP_INVALID_ARGUMENT, "children[1].label: string is not valid UTF-8");
}

static void test_list_without_items(void **state) {
  (void)state;
  interop_vectors_Tree root = {INTEROP_STR("root"), {NULL, 3}};
  refused(&interop_vectors_Tree_type, &root, INTEROP_INVALID_ARGUMENT, "children: list of length 3 has no items");
}

static void test_cycle_is_too_deep(void **state) {
  (void)state;
  interop_vectors_Tree root = {INTEROP_STR("loop"), {NULL, 1}};
  root.children.items = &root; /* a value that contains itself: only depth stops it */
  refused(&interop_vectors_Tree_type, &root, INTEROP_RESOURCE_EXHAUSTED, "children[0].children[0]");
}

static void test_map_keys(void **state) {
  (void)state;
  interop_str keys[3] = {INTEROP_STR("b"), INTEROP_STR("a"), INTEROP_STR("b")};
  int32_t values[3] = {1, 2, 3};
  interop_vectors_MapStr m = {keys, values, 3};
  refused(&interop_vectors_MapStr_type, &m, INTEROP_INVALID_ARGUMENT, "map key \"b\" given twice");
  /* Unsorted but distinct: written in key order, the value untouched. */
  m.len = 2;
  interop_buf b = INTEROP_BUF_INIT;
  interop_error err;
  assert_int_equal(interop_vectors_MapStr_encode(&m, INTEROP_CODEC_JSON, &b, &err), INTEROP_OK);
  assert_int_equal(b.len, strlen("{\"a\":2,\"b\":1}"));
  assert_memory_equal(b.data, "{\"a\":2,\"b\":1}", b.len);
  assert_string_equal(keys[0].ptr, "b");
  interop_buf_free(&b);
}

static void test_decode_fills_defaults(void **state) {
  (void)state;
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_vectors_Defaults d;
  interop_error err;
  assert_int_equal(interop_vectors_Defaults_decode((const uint8_t *)"{}", 2, INTEROP_CODEC_JSON, &arena, &d, &err),
                   INTEROP_OK);
  assert_int_equal(d.count, 7);
  assert_string_equal(d.name.ptr, "anon");
  assert_int_equal(d.color, interop_vectors_Color_RED);
  assert_true(d.ratio == 1.5);
  assert_true(d.big == UINT64_MAX);
  assert_false(d.note.has);
  interop_arena_free(&arena);
}

static void test_unknown_enum_kept(void **state) {
  (void)state;
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_vectors_AllScalars v;
  interop_error err;
  const char *in = "{\"color\":77}";
  assert_int_equal(interop_vectors_AllScalars_decode((const uint8_t *)in, strlen(in), INTEROP_CODEC_JSON, &arena, &v, &err),
                   INTEROP_OK);
  assert_int_equal(v.color, 77);
  interop_buf b = INTEROP_BUF_INIT;
  assert_int_equal(interop_vectors_AllScalars_encode(&v, INTEROP_CODEC_MSGPACK, &b, &err), INTEROP_OK);
  interop_vectors_AllScalars back;
  assert_int_equal(interop_vectors_AllScalars_decode(b.data, b.len, INTEROP_CODEC_MSGPACK, &arena, &back, &err), INTEROP_OK);
  assert_int_equal(back.color, 77);
  interop_buf_free(&b);
  interop_arena_free(&arena);
}

static void test_decode_error_path(void **state) {
  (void)state;
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_vectors_Tree t;
  interop_error err;
  const char *in = "{\"label\":\"a\",\"children\":[{\"label\":\"b\",\"children\":[]},{\"label\":5}]}";
  assert_int_equal(interop_vectors_Tree_decode((const uint8_t *)in, strlen(in), INTEROP_CODEC_JSON, &arena, &t, &err),
                   INTEROP_INVALID_ARGUMENT);
  assert_string_equal(err.message, "children[1].label: expected string, got number");
  interop_arena_free(&arena);
}

static void test_negative_json_number_for_unsigned(void **state) {
  (void)state;
  /* Found by fuzz_json: "-5" for a u8 was stored as an int64 into one byte (and accepted). */
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_error err;
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  assert_int_equal(interop_decode(&interop_type_u8, (const uint8_t *)"-5", 2, INTEROP_CODEC_JSON, 64, &arena, &u8, &err),
                   INTEROP_INVALID_ARGUMENT);
  assert_int_equal(interop_decode(&interop_type_u16, (const uint8_t *)"-1", 2, INTEROP_CODEC_JSON, 64, &arena, &u16, &err),
                   INTEROP_INVALID_ARGUMENT);
  assert_int_equal(interop_decode(&interop_type_u32, (const uint8_t *)"-1e0", 4, INTEROP_CODEC_JSON, 64, &arena, &u32, &err),
                   INTEROP_INVALID_ARGUMENT);
  assert_int_equal(interop_decode(&interop_type_u8, (const uint8_t *)"-0", 2, INTEROP_CODEC_JSON, 64, &arena, &u8, &err),
                   INTEROP_OK);
  interop_arena_free(&arena);
}

static void test_empty_string_without_data(void **state) {
  (void)state;
  /* Found by fuzz_json under UBSan: a zero-length string with a NULL pointer (the zero value) was
   * written with NULL + 0, undefined behaviour in C. */
  interop_vectors_AllScalars v = {0};
  interop_buf b = INTEROP_BUF_INIT;
  interop_error err;
  assert_int_equal(interop_vectors_AllScalars_encode(&v, INTEROP_CODEC_JSON, &b, &err), INTEROP_OK);
  const char *want = "\"text\":\"\"";
  bool found = false;
  for (size_t i = 0; i + strlen(want) <= b.len && !found; i++) found = memcmp(b.data + i, want, strlen(want)) == 0;
  assert_true(found);
  interop_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_invalid_utf8),         cmocka_unit_test(test_union_without_case),
      cmocka_unit_test(test_nested_path),          cmocka_unit_test(test_list_without_items),
      cmocka_unit_test(test_cycle_is_too_deep),    cmocka_unit_test(test_map_keys),
      cmocka_unit_test(test_decode_fills_defaults), cmocka_unit_test(test_unknown_enum_kept),
      cmocka_unit_test(test_decode_error_path),   cmocka_unit_test(test_negative_json_number_for_unsigned),
      cmocka_unit_test(test_empty_string_without_data),
  };
  return cmocka_run_group_tests_name("values", tests, NULL, NULL);
}
