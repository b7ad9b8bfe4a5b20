/* Every case of test/vectors/handshake.json (docs/wire.md §2.1-2.2): handshake payloads decode
 * and re-encode to the same text, malformed compatibility tables are refused with their code,
 * and each verdict (a call or subscription judged against another version of a module) gives
 * exactly the code and message of the vector. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "support.h"
#include "compat.h"

static cJSON *vectors;

static void test_payloads(void **state) {
  (void)state;
  int count = 0;
  cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(vectors, "payloads")) {
    const char *name = cJSON_GetObjectItem(v, "name")->valuestring;
    const char *json = cJSON_GetObjectItem(v, "json")->valuestring;
    bool hello = strcmp(cJSON_GetObjectItem(v, "kind")->valuestring, "HELLO") == 0;
    interop_error err;
    cJSON *doc = handshake_decode((const uint8_t *)json, strlen(json), hello, &err);
    if (doc == NULL) fail_msg("%s: refused: %s", name, err.message);
    interop_buf b = INTEROP_BUF_INIT;
    compat_write_json(&b, doc);
    if (b.len != strlen(json) || memcmp(b.data, json, b.len) != 0) fail_msg("%s: re-encoded as %.*s", name, (int)b.len, (const char *)b.data);
    interop_buf_free(&b);
    cJSON_Delete(doc);
    count++;
  }
  assert_true(count >= 4);
}

static void test_rejects(void **state) {
  (void)state;
  int count = 0;
  cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(vectors, "reject")) {
    const char *name = cJSON_GetObjectItem(v, "name")->valuestring;
    const char *json = cJSON_GetObjectItem(v, "json")->valuestring;
    bool hello = strcmp(cJSON_GetObjectItem(v, "kind")->valuestring, "HELLO") == 0;
    interop_error err;
    cJSON *doc = handshake_decode((const uint8_t *)json, strlen(json), hello, &err);
    if (doc != NULL) fail_msg("%s: accepted", name);
    const char *code = cJSON_GetObjectItem(v, "code")->valuestring;
    if (strcmp(interop_code_name(err.code), code) != 0) fail_msg("%s: %s (%s), expected %s", name, interop_code_name(err.code), err.message, code);
    count++;
  }
  assert_true(count >= 6);
}

/* A verdict's table: a name from `tables`, or a table inline. */
static const cJSON *table(const cJSON *v, const char *side) {
  const cJSON *t = cJSON_GetObjectItem(v, side);
  return cJSON_IsString(t) ? cJSON_GetObjectItem(cJSON_GetObjectItem(vectors, "tables"), t->valuestring) : t;
}

static void test_verdicts(void **state) {
  (void)state;
  int count = 0;
  cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(vectors, "verdicts")) {
    const char *name = cJSON_GetObjectItem(v, "name")->valuestring;
    bool event = strcmp(cJSON_GetObjectItem(v, "kind")->valuestring, "event") == 0;
    interop_error err;
    interop_error_clear(&err);
    int rc = compat_verdict(event, cJSON_GetObjectItem(v, "module")->valuestring, cJSON_GetObjectItem(v, "member")->valuestring,
                            table(v, "ours"), table(v, "theirs"), &err);
    const cJSON *code = cJSON_GetObjectItem(v, "code"), *message = cJSON_GetObjectItem(v, "message");
    if (cJSON_IsNull(code)) {
      if (rc != INTEROP_OK) fail_msg("%s: refused: %s %s", name, interop_code_name(err.code), err.message);
    } else {
      if (rc == INTEROP_OK) fail_msg("%s: allowed, expected %s", name, code->valuestring);
      if (strcmp(interop_code_name(err.code), code->valuestring) != 0) fail_msg("%s: %s, expected %s", name, interop_code_name(err.code), code->valuestring);
      if (strcmp(err.message, message->valuestring) != 0) fail_msg("%s:\n got      %s\n expected %s", name, err.message, message->valuestring);
    }
    count++;
  }
  assert_true(count >= 20);
}

int main(void) {
  vectors = read_repo_json("test/vectors/handshake.json");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_payloads),
      cmocka_unit_test(test_rejects),
      cmocka_unit_test(test_verdicts),
  };
  int failed = cmocka_run_group_tests_name("handshake vectors", tests, NULL, NULL);
  cJSON_Delete(vectors);
  return failed;
}
