/* Mixed versions end to end (docs/wire.md §2.2): a C client node calls a C server node, over a
 * unix socket, that serves another version of interop.conformance: its descriptor has another
 * fingerprint and a compatibility table where echo_i8 and the event pinged are gone and echo_u8
 * returns u16. The handshake succeeds; each call is judged before anything is sent: what both
 * versions agree on works, the rest fails with the exact code and message, and the server never
 * sees those calls. The manifest's mixed_versions lists the link on both sides. A server whose
 * descriptor has no table at all leaves nothing to judge with: SCHEMA_MISMATCH. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>
#include "support.h"
#include "conformance_impl.h"
#include "conn.h"

#define OTHER_FP "sha256:0000000000000000000000000000000000000000000000000000000000000000"

static uv_loop_t loop;
static char dir[64], sock[128];
static interop_conformance_server server;
static conformance_state state;
static interop_module other;     /* the server's version of the module */
static interop_module_impl other_impl;
static char *other_ir;
static interop_node *server_node, *client_node;
static interop_invoker *client;

/* The conformance IR with its table changed as the other version's would be, or without one. */
static char *other_version_ir(bool with_table) {
  cJSON *ir = cJSON_Parse(interop_conformance_module.ir_json);
  cJSON *compat = cJSON_GetObjectItem(ir, "compat");
  if (!with_table) {
    cJSON_DeleteItemFromObject(ir, "compat");
  } else {
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(compat, "functions"), "echo_i8");
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(compat, "events"), "pinged");
    cJSON *must = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(compat, "functions"), "echo_u8"), "must");
    cJSON_ReplaceItemInObject(must, "result", cJSON_CreateString("u16"));
  }
  char *text = cJSON_PrintUnformatted(ir);
  cJSON_Delete(ir);
  return text;
}

static void start(bool with_table) {
  snprintf(dir, sizeof dir, "/tmp/interop-c-versions-XXXXXX");
  assert_non_null(mkdtemp(dir));
  snprintf(sock, sizeof sock, "%s/s.sock", dir);
  uv_loop_init(&loop);
  conformance_server_init(&server, &state);
  other_ir = other_version_ir(with_table);
  other = interop_conformance_module;
  other.fingerprint = OTHER_FP;
  other.ir_json = other_ir;
  other_impl = server.module_impl;
  other_impl.module = &other;
  const interop_module_impl *impls[] = {&other_impl};
  char config[512];
  interop_error err;
  snprintf(config, sizeof config, "{\"node\":\"server-v2\",\"listen\":[\"unix:%s\"]}", sock);
  if (interop_node_start(config, impls, 1, &loop, &server_node, &err) != INTEROP_OK) fail_msg("server: %s", err.message);
  state.node = server_node;
  snprintf(config, sizeof config,
           "{\"node\":\"client-v1\",\"connect\":[{\"address\":\"unix:%s\",\"modules\":[\"interop.conformance\"]}]}", sock);
  if (interop_node_start(config, NULL, 0, &loop, &client_node, &err) != INTEROP_OK) fail_msg("client: %s", err.message);
  client = interop_node_invoker(client_node, &interop_conformance_module, &err);
  assert_non_null(client);
}

static int stop(void **s) {
  (void)s;
  interop_node_close(client_node);
  interop_node_close(server_node);
  while (uv_loop_close(&loop) == UV_EBUSY) uv_run(&loop, UV_RUN_NOWAIT);
  conformance_state_free(&state);
  cJSON_free(other_ir);
  unlink(sock);
  rmdir(dir);
  return 0;
}

static void expect_refused(int rc, const interop_error *err, uint32_t code, const char *message) {
  assert_int_equal(rc, (int)code);
  assert_string_equal(interop_code_name(err->code), interop_code_name(code));
  assert_string_equal(err->message, message);
}

static void on_event(void *user, const void *payload) { (void)user, (void)payload; }

static void test_calls_are_judged(void **s) {
  (void)s;
  start(true);
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_error err;
  int32_t i32 = 0;
  assert_int_equal(interop_conformance_echo_i32_sync(client, 7, &i32, &arena, NULL, &err), INTEROP_OK);
  assert_int_equal(i32, 7);
  int8_t i8;
  expect_refused(interop_conformance_echo_i8_sync(client, 1, &i8, &arena, NULL, &err), &err, INTEROP_UNIMPLEMENTED,
                 "interop.conformance.echo_i8: the peer's version of interop.conformance has no function echo_i8");
  uint8_t u8;
  expect_refused(interop_conformance_echo_u8_sync(client, 1, &u8, &arena, NULL, &err), &err, INTEROP_SCHEMA_MISMATCH,
                 "interop.conformance.echo_u8: incompatible with the peer's version: interop.conformance.echo_u8 result is \"u8\" here, \"u16\" on the peer");
  interop_subscription *sub = NULL;
  expect_refused(interop_conformance_pinged_subscribe(client, on_event, NULL, &sub, &err), &err, INTEROP_NOT_FOUND,
                 "interop.conformance.pinged: the peer's version of interop.conformance has no event pinged");
  assert_null(sub);
  /* Judged once, remembered: the same refusal again, and still nothing reached the server. */
  expect_refused(interop_conformance_echo_i8_sync(client, 1, &i8, &arena, NULL, &err), &err, INTEROP_UNIMPLEMENTED,
                 "interop.conformance.echo_i8: the peer's version of interop.conformance has no function echo_i8");
  assert_int_equal(interop_node_counter(server_node, INTEROP_REQUESTS_SERVED), 1);

  cJSON *mixed = versions_report(client_node);
  char *text = cJSON_PrintUnformatted(mixed);
  char want[2048];
  snprintf(want, sizeof want,
           "[{\"fingerprint\":\"%s\",\"module\":\"interop.conformance\",\"peer\":\"server-v2\",\"peer_fingerprint\":\"%s\",\"role\":\"calls\","
           "\"unavailable\":[{\"code\":\"UNIMPLEMENTED\",\"kind\":\"function\",\"member\":\"echo_i8\",\"message\":\"interop.conformance.echo_i8: the peer's version of interop.conformance has no function echo_i8\"},"
           "{\"code\":\"SCHEMA_MISMATCH\",\"kind\":\"function\",\"member\":\"echo_u8\",\"message\":\"interop.conformance.echo_u8: incompatible with the peer's version: interop.conformance.echo_u8 result is \\\"u8\\\" here, \\\"u16\\\" on the peer\"},"
           "{\"code\":\"NOT_FOUND\",\"kind\":\"event\",\"member\":\"pinged\",\"message\":\"interop.conformance.pinged: the peer's version of interop.conformance has no event pinged\"}]}]",
           interop_conformance_module.fingerprint, OTHER_FP);
  assert_string_equal(text, want);
  cJSON_free(text);
  cJSON_Delete(mixed);
  mixed = versions_report(server_node);
  text = cJSON_PrintUnformatted(mixed);
  snprintf(want, sizeof want,
           "[{\"fingerprint\":\"%s\",\"module\":\"interop.conformance\",\"peer\":\"client-v1\",\"peer_fingerprint\":\"%s\",\"role\":\"serves\"}]",
           OTHER_FP, interop_conformance_module.fingerprint);
  assert_string_equal(text, want);
  cJSON_free(text);
  cJSON_Delete(mixed);
  interop_arena_free(&arena);
}

static void test_no_table_no_calls(void **s) {
  (void)s;
  start(false);
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_error err;
  int32_t i32;
  char want[512];
  snprintf(want, sizeof want,
           "module interop.conformance: this side was generated from %s, server-v2 has %s, and without both compatibility tables nothing can be called",
           interop_conformance_module.fingerprint, OTHER_FP);
  expect_refused(interop_conformance_echo_i32_sync(client, 7, &i32, &arena, NULL, &err), &err, INTEROP_SCHEMA_MISMATCH, want);
  assert_int_equal(interop_node_counter(server_node, INTEROP_REQUESTS_SERVED), 0);
  interop_arena_free(&arena);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_calls_are_judged, stop),
      cmocka_unit_test_teardown(test_no_table_no_calls, stop),
  };
  return cmocka_run_group_tests_name("mixed versions", tests, NULL, NULL);
}
