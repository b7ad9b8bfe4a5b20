/* Number text (docs/wire.md §3.1): floats exactly as runtime-ts prints them (test/data/floats.json,
 * written by make_float_cases.ts), integers, and number parsing independent of the locale. */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "support.h"
#include "../src/internal.h"

static void check_floats(bool f32) {
  cJSON *cases = read_repo_json("runtime-c/test/data/floats.json");
  int count = 0, failures = 0;
  cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(cases, f32 ? "f32" : "f64")) {
    const char *bits = cJSON_GetArrayItem(c, 0)->valuestring;
    const char *want = cJSON_GetArrayItem(c, 1)->valuestring;
    char got[40];
    unsigned long long b = strtoull(bits, NULL, 16);
    if (f32) {
      uint32_t b32 = (uint32_t)b;
      float v;
      memcpy(&v, &b32, 4);
      interop_format_f32(v, got);
      if ((float)interop_parse_double(got, strlen(got)) != v) failures++;
    } else {
      double v;
      memcpy(&v, &b, 8);
      interop_format_f64(v, got);
      if (interop_parse_double(got, strlen(got)) != v) failures++;
    }
    if (strcmp(got, want) != 0) {
      printf("FAIL %s %s: got %s, want %s\n", f32 ? "f32" : "f64", bits, got, want);
      failures++;
    }
    count++;
  }
  cJSON_Delete(cases);
  printf("%d %s cases, %d failures\n", count, f32 ? "f32" : "f64", failures);
  assert_true(count > 1000);
  assert_int_equal(failures, 0);
}

static void test_f64_like_runtime_ts(void **state) {
  (void)state;
  check_floats(false);
}

static void test_f32_like_runtime_ts(void **state) {
  (void)state;
  check_floats(true);
}

static void test_integers(void **state) {
  (void)state;
  char buf[32];
  interop_format_i64(INT64_MIN, buf);
  assert_string_equal(buf, "-9223372036854775808");
  interop_format_u64(UINT64_MAX, buf);
  assert_string_equal(buf, "18446744073709551615");
  interop_format_i64(0, buf);
  assert_string_equal(buf, "0");
}

static void test_parse_ignores_locale(void **state) {
  (void)state;
  /* A locale whose decimal point is a comma must not change what "1.5" reads as. */
  const char *old = setlocale(LC_NUMERIC, NULL);
  char saved[64];
  snprintf(saved, sizeof saved, "%s", old ? old : "C");
  if (setlocale(LC_NUMERIC, "de_DE.UTF-8") == NULL) setlocale(LC_NUMERIC, "fr_FR.UTF-8");
  assert_true(interop_parse_double("1.5", 3) == 1.5);
  assert_true(interop_parse_double("-0.000125e3", 11) == -0.125);
  assert_true(interop_parse_double("1e400", 5) == INFINITY);
  assert_true(interop_parse_double("0.0000", 6) == 0);
  char out[40];
  interop_format_f64(1.5, out);
  assert_string_equal(out, "1.5");
  setlocale(LC_NUMERIC, saved);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_f64_like_runtime_ts),
      cmocka_unit_test(test_f32_like_runtime_ts),
      cmocka_unit_test(test_integers),
      cmocka_unit_test(test_parse_ignores_locale),
  };
  return cmocka_run_group_tests_name("numbers", tests, NULL, NULL);
}
