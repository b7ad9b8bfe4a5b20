/* The protobuf and flatbuffers codecs on connections (docs/wire.md §1.2, §2, §4; docs/config.md
 * "Codec per function or event"): a C node lists protobuf and flatbuffers in its handshake, answers
 * a REQUEST in its codec (a declared error as that codec's envelope), delivers the EVENTs of a
 * SUBSCRIBE in the SUBSCRIBE's codec, refuses a peer with no codec in common; a C client sends in its link's
 * codec, or a member's own, when the peer lists it, else in the first of its own the peer lists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>
#include "raw_peer.h"
#include "conformance_impl.h"
#include "envelope.h" /* runtime-c/src: the envelope decoder */

static uv_loop_t loop;
static char dir[64], sock[128];

static int setup(void **s) {
  (void)s;
  snprintf(dir, sizeof dir, "/tmp/interop-c-protobuf-XXXXXX");
  if (mkdtemp(dir) == NULL) return -1;
  snprintf(sock, sizeof sock, "%s/s.sock", dir);
  return uv_loop_init(&loop);
}

static int teardown(void **s) {
  (void)s;
  int busy = 0;
  while (uv_loop_close(&loop) == UV_EBUSY && ++busy < 1000) uv_run(&loop, UV_RUN_NOWAIT);
  unlink(sock);
  rmdir(dir);
  return busy < 1000 ? 0 : -1;
}

/* A frame with a binary payload given in hex. */
static void put_hex(int fd, uint8_t kind, uint8_t codec, uint32_t id, const char *target, const char *hex) {
  size_t n;
  uint8_t *p = from_hex(hex, &n);
  interop_frame f = {kind, codec, 0, id, 0, target, strlen(target), p, n};
  interop_buf b = INTEROP_BUF_INIT;
  interop_error err;
  interop_frame_encode(&b, &f, &err);
  assert_int_equal(send(fd, b.data, b.len, MSG_NOSIGNAL), (ssize_t)b.len);
  interop_buf_free(&b);
  free(p);
}

typedef struct got {
  int kind;
  uint8_t codec;
  uint32_t id;
  char target[128];
  char hex[1024];  /* the payload in hex */
  char text[512];  /* and as text */
} got;

/* The next frame within 3 s (kind -1 when none, 0 at EOF). */
static got next(int fd, interop_frame_decoder *d) {
  got g = {-1, 0, 0, "", "", ""};
  for (int i = 0; i < 3000; i++) {
    interop_frame f;
    interop_error err;
    if (interop_frame_decoder_next(d, &f, &err) == 1) {
      g.kind = f.kind, g.codec = f.codec, g.id = f.correlation;
      snprintf(g.target, sizeof g.target, "%.*s", (int)f.target_len, f.target);
      char *hex = to_hex(f.payload, f.payload_len);
      snprintf(g.hex, sizeof g.hex, "%s", hex);
      free(hex);
      snprintf(g.text, sizeof g.text, "%.*s", (int)f.payload_len, (const char *)f.payload);
      return g;
    }
    uint8_t buf[65536];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return g.kind = 0, g;
    if (n > 0) interop_frame_decoder_push(d, buf, (size_t)n), i--;
    else raw_turn(&loop);
  }
  return g;
}

static const char *hello(const char *codecs) {
  static char text[256];
  snprintf(text, sizeof text, "{\"codecs\":%s,\"compat\":{},\"node\":\"raw\",\"offers\":{},\"protocol\":[1],\"wants\":{}}", codecs);
  return text;
}

static interop_node *start_server(interop_conformance_server *server, conformance_state *state) {
  char config[256];
  snprintf(config, sizeof config, "{\"node\":\"server\",\"listen\":[\"unix:%s\"]}", sock);
  const interop_module_impl *impls[] = {&server->module_impl};
  conformance_server_init(server, state);
  interop_node *node;
  interop_error err;
  if (interop_node_start(config, impls, 1, &loop, &node, &err) != INTEROP_OK) fail_msg("%s", err.message);
  state->node = node, state->publisher = interop_node_publisher(node, &interop_conformance_module, &err);
  return node;
}

static void test_a_c_server_speaks_protobuf(void **s) {
  (void)s;
  static interop_conformance_server server;
  static conformance_state state;
  interop_node *node = start_server(&server, &state);
  int fd = raw_connect(sock);
  interop_frame_decoder d;
  interop_frame_decoder_init(&d, INTEROP_DEFAULT_MAX_FRAME_BYTES);
  raw_put(fd, INTEROP_FRAME_HELLO, INTEROP_CODEC_JSON, 0, 0, "", hello("[\"protobuf\"]"));
  got g = next(fd, &d);
  assert_int_equal(g.kind, INTEROP_FRAME_WELCOME);
  assert_non_null(strstr(g.text, "\"codecs\":[\"msgpack\",\"json\",\"protobuf\",\"flatbuffers\"]"));
  /* echo_i32(9): EchoI32Request {sint32 v = 1}; the result in its wrapper, field 1. */
  put_hex(fd, INTEROP_FRAME_REQUEST, INTEROP_CODEC_PROTOBUF, 1, "interop.conformance.echo_i32", "0812");
  g = next(fd, &d);
  assert_int_equal(g.kind, INTEROP_FRAME_RESPONSE);
  assert_int_equal(g.codec, INTEROP_CODEC_PROTOBUF);
  assert_string_equal(g.hex, "0812");
  /* fail("invalid"): the envelope {code 101, message, type, detail Invalid{...}} in protobuf. */
  put_hex(fd, INTEROP_FRAME_REQUEST, INTEROP_CODEC_PROTOBUF, 2, "interop.conformance.fail", "0a07696e76616c6964");
  g = next(fd, &d);
  assert_int_equal(g.kind, INTEROP_FRAME_ERROR);
  assert_int_equal(g.codec, INTEROP_CODEC_PROTOBUF);
  interop_arena arena = INTEROP_ARENA_INIT;
  size_t n;
  uint8_t *payload = from_hex(g.hex, &n);
  const interop_type *declared[] = {&interop_conformance_Invalid_type};
  interop_error e, err;
  assert_int_equal(interop_envelope_decode(payload, n, INTEROP_CODEC_PROTOBUF, 64, declared, 1, &arena, &e, &err), INTEROP_OK);
  free(payload);
  assert_int_equal(e.code, INTEROP_APPLICATION_ERROR);
  assert_string_equal(e.type_name, "interop.conformance.Invalid");
  assert_ptr_equal(e.type, &interop_conformance_Invalid_type);
  const interop_conformance_Invalid *detail = e.detail;
  assert_int_equal(detail->field.len, 4);
  assert_true(detail->limit.has && detail->limit.value == INT64_MIN);
  interop_arena_free(&arena);
  /* A protobuf SUBSCRIBE: the EVENTs of that subscription come in protobuf. */
  put_hex(fd, INTEROP_FRAME_SUBSCRIBE, INTEROP_CODEC_PROTOBUF, 3, "interop.conformance.ticked", "");
  g = next(fd, &d);
  assert_int_equal(g.kind, INTEROP_FRAME_RESPONSE);
  assert_int_equal(g.id, 3);
  put_hex(fd, INTEROP_FRAME_REQUEST, INTEROP_CODEC_PROTOBUF, 4, "interop.conformance.publish", "0801120178"); /* 1, "x" */
  bool event = false, answered = false;
  while (!event || !answered) {
    g = next(fd, &d);
    assert_true(g.kind == INTEROP_FRAME_EVENT || g.kind == INTEROP_FRAME_RESPONSE);
    assert_int_equal(g.codec, INTEROP_CODEC_PROTOBUF);
    if (g.kind == INTEROP_FRAME_EVENT) {
      event = true;
      assert_string_equal(g.target, "interop.conformance.ticked");
      assert_string_equal(g.hex, "0801120178"); /* Tick {n 1, text "x"} */
    } else {
      answered = true;
    }
  }
  interop_frame_decoder_free(&d);
  close(fd);
  interop_node_close(node);
  conformance_state_free(&state);
}

/* A frame whose payload is `value` of `type` in `codec`. */
static void put_value(int fd, uint8_t kind, uint8_t codec, uint32_t id, const char *target, const interop_type *type,
                      const void *value) {
  interop_buf b = INTEROP_BUF_INIT;
  interop_error err;
  assert_int_equal(interop_encode(type, value, (interop_codec)codec, 64, &b, &err), INTEROP_OK);
  char *hex = to_hex(b.data, b.len);
  put_hex(fd, kind, codec, id, target, hex);
  free(hex);
  interop_buf_free(&b);
}

/* The payload of `g` decoded as `type` in flatbuffers; the value is in `arena`. */
static void *fb_value(const got *g, const interop_type *type, interop_arena *arena) {
  size_t n;
  uint8_t *p = from_hex(g->hex, &n);
  void *v = interop_arena_alloc(arena, type->size, type->align);
  interop_error err;
  if (interop_decode(type, p, n, INTEROP_CODEC_FLATBUFFERS, 64, arena, v, &err) != INTEROP_OK) fail_msg("%s", err.message);
  free(p);
  return v;
}

static void test_a_c_server_speaks_flatbuffers(void **s) {
  (void)s;
  static interop_conformance_server server;
  static conformance_state state;
  interop_node *node = start_server(&server, &state);
  int fd = raw_connect(sock);
  interop_frame_decoder d;
  interop_frame_decoder_init(&d, INTEROP_DEFAULT_MAX_FRAME_BYTES);
  raw_put(fd, INTEROP_FRAME_HELLO, INTEROP_CODEC_JSON, 0, 0, "", hello("[\"flatbuffers\"]"));
  got g = next(fd, &d);
  assert_int_equal(g.kind, INTEROP_FRAME_WELCOME);
  /* echo_i32(9): EchoI32Request { v: int } (§3.6's bytes); the result in its wrapper, slot 0. */
  put_hex(fd, INTEROP_FRAME_REQUEST, INTEROP_CODEC_FLATBUFFERS, 1, "interop.conformance.echo_i32", "0c000000000006000800040006000000" "09000000");
  g = next(fd, &d);
  assert_int_equal(g.kind, INTEROP_FRAME_RESPONSE);
  assert_int_equal(g.codec, INTEROP_CODEC_FLATBUFFERS);
  assert_string_equal(g.hex, "0c000000000006000800040006000000" "09000000");
  /* fail("invalid"): the envelope table, its detail the Invalid error's own FlatBuffer, 8-aligned. */
  interop_conformance_fail_params fail = {INTEROP_STR("invalid")};
  put_value(fd, INTEROP_FRAME_REQUEST, INTEROP_CODEC_FLATBUFFERS, 2, "interop.conformance.fail", &interop_conformance_fail_params_type, &fail);
  g = next(fd, &d);
  assert_int_equal(g.kind, INTEROP_FRAME_ERROR);
  assert_int_equal(g.codec, INTEROP_CODEC_FLATBUFFERS);
  interop_arena arena = INTEROP_ARENA_INIT;
  size_t n;
  uint8_t *payload = from_hex(g.hex, &n);
  const interop_type *declared[] = {&interop_conformance_Invalid_type};
  interop_error e, err;
  assert_int_equal(interop_envelope_decode(payload, n, INTEROP_CODEC_FLATBUFFERS, 64, declared, 1, &arena, &e, &err), INTEROP_OK);
  assert_int_equal(e.code, INTEROP_APPLICATION_ERROR);
  assert_string_equal(e.type_name, "interop.conformance.Invalid");
  assert_ptr_equal(e.type, &interop_conformance_Invalid_type);
  const interop_conformance_Invalid *detail = e.detail;
  assert_int_equal(detail->field.len, 4);
  assert_true(detail->limit.has && detail->limit.value == INT64_MIN);
  /* The detail vector: slot 3 of the envelope; its bytes start at a multiple of 8. */
  uint32_t root = payload[0] | payload[1] << 8, vt = root - (uint32_t)(payload[root] | payload[root + 1] << 8);
  uint32_t at = root + (uint32_t)(payload[vt + 4 + 2 * 3] | payload[vt + 5 + 2 * 3] << 8);
  uint32_t vec = at + (uint32_t)(payload[at] | payload[at + 1] << 8 | payload[at + 2] << 16);
  assert_int_equal((vec + 4) % 8, 0);
  free(payload);
  /* A flatbuffers SUBSCRIBE: the EVENTs of that subscription come in flatbuffers. */
  put_hex(fd, INTEROP_FRAME_SUBSCRIBE, INTEROP_CODEC_FLATBUFFERS, 3, "interop.conformance.ticked", "");
  g = next(fd, &d);
  assert_int_equal(g.kind, INTEROP_FRAME_RESPONSE);
  assert_int_equal(g.id, 3);
  interop_conformance_publish_params publish = {1, INTEROP_STR("x")};
  put_value(fd, INTEROP_FRAME_REQUEST, INTEROP_CODEC_FLATBUFFERS, 4, "interop.conformance.publish", &interop_conformance_publish_params_type, &publish);
  bool event = false, answered = false;
  while (!event || !answered) {
    g = next(fd, &d);
    assert_true(g.kind == INTEROP_FRAME_EVENT || g.kind == INTEROP_FRAME_RESPONSE);
    assert_int_equal(g.codec, INTEROP_CODEC_FLATBUFFERS);
    if (g.kind == INTEROP_FRAME_EVENT) {
      event = true;
      assert_string_equal(g.target, "interop.conformance.ticked");
      const interop_conformance_Tick *tick = fb_value(&g, &interop_conformance_Tick_type, &arena);
      assert_int_equal(tick->text.len, 1);
    } else {
      answered = true;
    }
  }
  interop_arena_free(&arena);
  interop_frame_decoder_free(&d);
  close(fd);
  interop_node_close(node);
  conformance_state_free(&state);
}

static void test_no_codec_in_common_is_refused(void **s) {
  (void)s;
  static interop_conformance_server server;
  static conformance_state state;
  interop_node *node = start_server(&server, &state);
  int fd = raw_connect(sock);
  interop_frame_decoder d;
  interop_frame_decoder_init(&d, INTEROP_DEFAULT_MAX_FRAME_BYTES);
  raw_put(fd, INTEROP_FRAME_HELLO, INTEROP_CODEC_JSON, 0, 0, "", hello("[\"cbor\"]"));
  got g = next(fd, &d);
  assert_int_equal(g.kind, INTEROP_FRAME_ERROR);
  assert_non_null(strstr(g.text, "no common codec"));
  assert_int_equal(next(fd, &d).kind, 0);
  interop_frame_decoder_free(&d);
  close(fd);
  interop_node_close(node);
  conformance_state_free(&state);
}

typedef struct answer {
  bool done;
  int rc;
} answer;

static void on_done(void *user, int rc, const interop_error *err) {
  (void)err;
  answer *a = user;
  a->done = true, a->rc = rc;
}

/* A C client whose link says `link_codec`, and json for echo_string, against a raw server that
 * lists `codecs`: each REQUEST comes in the codec expected, and its answer in that codec is read. */
static void client_sends(const char *link_codec, const char *codecs, uint8_t i32_codec, uint8_t string_codec) {
  int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
  assert_int_equal(bind(listener, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(listen(listener, 4), 0);
  char config[512], welcome[512];
  snprintf(config, sizeof config,
           "{\"node\":\"caller\",\"connect\":[{\"address\":\"unix:%s\",\"modules\":[\"interop.conformance\"],\"codec\":\"%s\","
           "\"member_codecs\":{\"interop.conformance.echo_string\":\"json\"}}]}", sock, link_codec);
  snprintf(welcome, sizeof welcome, "{\"codecs\":%s,\"compat\":{},\"node\":\"raw\",\"offers\":{\"interop.conformance\":\"%s\"},\"protocol\":1,\"wants\":{}}",
           codecs, interop_conformance_module.fingerprint);
  interop_node *node;
  interop_error err;
  if (interop_node_start(config, NULL, 0, &loop, &node, &err) != INTEROP_OK) fail_msg("%s", err.message);
  interop_invoker *client = interop_node_invoker(node, &interop_conformance_module, &err);
  interop_arena arena = INTEROP_ARENA_INIT;
  answer a = {false, -1}, b = {false, -1};
  int32_t i = 0;
  interop_str str = {NULL, 0};
  assert_int_equal(interop_conformance_echo_i32(client, 5, &i, &arena, NULL, on_done, &a), INTEROP_OK);
  assert_int_equal(interop_conformance_echo_string(client, INTEROP_STR("hi"), &str, &arena, NULL, on_done, &b), INTEROP_OK);
  int fd = raw_accept(listener, &loop);
  assert_true(fd >= 0);
  interop_frame_decoder d;
  interop_frame_decoder_init(&d, INTEROP_DEFAULT_MAX_FRAME_BYTES);
  got g = next(fd, &d);
  assert_int_equal(g.kind, INTEROP_FRAME_HELLO);
  assert_non_null(strstr(g.text, "\"codecs\":[\"msgpack\",\"json\",\"protobuf\",\"flatbuffers\"]"));
  raw_put(fd, INTEROP_FRAME_WELCOME, INTEROP_CODEC_JSON, 0, 0, "", welcome);
  for (int k = 0; k < 2; k++) {
    g = next(fd, &d);
    assert_int_equal(g.kind, INTEROP_FRAME_REQUEST);
    bool is_i32 = strcmp(g.target, "interop.conformance.echo_i32") == 0;
    assert_int_equal(g.codec, is_i32 ? i32_codec : string_codec);
    /* The answer: 5 or "hi" in the REQUEST's codec. */
    static const char *const i32_answers[] = {"", "35", "05", "080a", "0c00000000000600080004000600000005000000"},
                             *const string_answers[] = {"", "\"hi\"", "a26869", "0a026869",
                                                        "0c0000000000060008000400060000000400000002000000686900"};
    if (g.codec == INTEROP_CODEC_JSON) raw_put(fd, INTEROP_FRAME_RESPONSE, g.codec, 0, g.id, g.target, is_i32 ? "5" : "\"hi\"");
    else put_hex(fd, INTEROP_FRAME_RESPONSE, g.codec, g.id, g.target, is_i32 ? i32_answers[g.codec] : string_answers[g.codec]);
  }
  while (!a.done || !b.done) raw_turn(&loop);
  assert_int_equal(a.rc, INTEROP_OK);
  assert_int_equal(b.rc, INTEROP_OK);
  assert_int_equal(i, 5);
  assert_int_equal(str.len, 2);
  assert_memory_equal(str.ptr, "hi", 2);
  interop_arena_free(&arena);
  interop_frame_decoder_free(&d);
  close(fd);
  interop_node_close(node);
  close(listener);
  unlink(sock);
}

static void test_a_c_client_sends_in_the_configured_codecs(void **s) {
  (void)s;
  client_sends("protobuf", "[\"msgpack\",\"json\",\"protobuf\"]", INTEROP_CODEC_PROTOBUF, INTEROP_CODEC_JSON);
  client_sends("flatbuffers", "[\"msgpack\",\"json\",\"flatbuffers\"]", INTEROP_CODEC_FLATBUFFERS, INTEROP_CODEC_JSON);
  /* A peer without protobuf: the link's codec falls back to the first of ours the peer lists. */
  client_sends("protobuf", "[\"json\",\"msgpack\"]", INTEROP_CODEC_MSGPACK, INTEROP_CODEC_JSON);
  /* A peer without json: echo_string's own codec is not used, the link's is. */
  client_sends("protobuf", "[\"protobuf\"]", INTEROP_CODEC_PROTOBUF, INTEROP_CODEC_PROTOBUF);
  /* A peer that lists flatbuffers only: the first of ours it lists. */
  client_sends("protobuf", "[\"flatbuffers\"]", INTEROP_CODEC_FLATBUFFERS, INTEROP_CODEC_FLATBUFFERS);
}

static void refused(const char *link, const char *message) {
  char config[512];
  snprintf(config, sizeof config, "{\"node\":\"n\",\"connect\":[{\"address\":\"unix:%s\",\"modules\":[\"interop.conformance\"]%s}]}", sock, link);
  interop_node *node;
  interop_error err;
  assert_int_equal(interop_node_start(config, NULL, 0, &loop, &node, &err), INTEROP_INVALID_ARGUMENT);
  assert_non_null(strstr(err.message, message));
}

static void test_config_codecs(void **s) {
  (void)s;
  refused(",\"codec\":\"xml\"", "connect[0].codec: expected \"json\", \"msgpack\", \"protobuf\" or \"flatbuffers\"");
  refused(",\"member_codecs\":{\"other.fn\":\"json\"}",
          "connect[0].member_codecs[\"other.fn\"]: \"other.fn\" is not a member of this entry's modules");
  refused(",\"member_codecs\":{\"interop.conformance.echo_i32\":\"none\"}",
          "connect[0].member_codecs[\"interop.conformance.echo_i32\"]: expected \"json\", \"msgpack\", \"protobuf\" or \"flatbuffers\"");
  refused(",\"member_codecs\":[\"json\"]", "connect[0].member_codecs: expected an object");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_a_c_server_speaks_protobuf, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_c_server_speaks_flatbuffers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_no_codec_in_common_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_c_client_sends_in_the_configured_codecs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_config_codecs, setup, teardown),
  };
  return cmocka_run_group_tests_name("protobuf and flatbuffers on connections", tests, NULL, NULL);
}
