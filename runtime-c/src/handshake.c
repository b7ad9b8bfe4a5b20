/* HELLO and WELCOME (docs/wire.md §2): canonical JSON offers, checked before any call: a wanted
 * module not offered is NOT_FOUND, a missing or wrong token UNAUTHENTICATED, no common protocol
 * version PROTOCOL_ERROR, malformed compatibility tables PROTOCOL_ERROR. A module offered with
 * another fingerprint is not refused: each call into it is judged on its own (versions.c). */
#include <math.h>
#include <stdlib.h>
#include "compat.h"
#include "links.h"

#define CONTROL_MODULE "interop.control"
#define MAX_NAMES 64

typedef struct name_fp {
  const char *name;
  const char *fingerprint;
  const interop_module *module; /* ours, NULL for a peer's */
} name_fp;

static int cmp_name(const void *a, const void *b) { return strcmp(((const name_fp *)a)->name, ((const name_fp *)b)->name); }

/* {"a":"sha256:…",…} with keys sorted. */
static void put_map(interop_buf *b, name_fp *items, size_t n) {
  qsort(items, n, sizeof *items, cmp_name);
  interop_buf_byte(b, '{');
  for (size_t i = 0; i < n; i++) {
    if (i > 0) interop_buf_byte(b, ',');
    interop_json_put_string(b, items[i].name, strlen(items[i].name));
    interop_buf_byte(b, ':');
    interop_json_put_string(b, items[i].fingerprint, strlen(items[i].fingerprint));
  }
  interop_buf_byte(b, '}');
}

static size_t offers(conn *c, name_fp *out, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < c->node->hosted_count && n < max && !c->control_only; i++) {
    const interop_module *m = c->node->hosted[i].impl->module;
    out[n++] = (name_fp){m->name, m->fingerprint, m};
  }
  qsort(out, n, sizeof *out, cmp_name);
  return n;
}

/* `compat`: HELLO carries the table of every module it offers, WELCOME those of the modules HELLO
 * wants with another fingerprint (docs/wire.md §2). Modules without a table are left out. */
static void put_compat(conn *c, interop_buf *b, const name_fp *offered, size_t n, bool hello) {
  const cJSON *wants = cJSON_GetObjectItemCaseSensitive(c->peer_hs, "wants");
  bool first = true;
  interop_buf_byte(b, '{');
  for (size_t i = 0; i < n; i++) {
    const cJSON *wanted = cJSON_GetObjectItemCaseSensitive(wants, offered[i].name);
    if (!hello && (!cJSON_IsString(wanted) || strcmp(wanted->valuestring, offered[i].fingerprint) == 0)) continue;
    const cJSON *table = compat_table_of(c->node, offered[i].module);
    if (table == NULL) continue;
    if (!first) interop_buf_byte(b, ',');
    first = false;
    interop_json_put_string(b, offered[i].name, strlen(offered[i].name));
    interop_buf_byte(b, ':');
    compat_write_json(b, table);
  }
  interop_buf_byte(b, '}');
}

/* The handshake payload: HELLO (protocol as a list, optional token) or WELCOME. */
static void build(conn *c, interop_buf *b, bool hello) {
  name_fp items[MAX_NAMES];
  size_t offered = offers(c, items, MAX_NAMES);
  interop_buf_str(b, "{\"codecs\":[\"msgpack\",\"json\",\"protobuf\",\"flatbuffers\"],\"compat\":");
  put_compat(c, b, items, offered, hello);
  interop_buf_str(b, ",\"node\":");
  interop_json_put_string(b, c->node->name, strlen(c->node->name));
  interop_buf_str(b, ",\"offers\":");
  put_map(b, items, offered);
  interop_buf_str(b, hello ? ",\"protocol\":[1]" : ",\"protocol\":1");
  if (hello && c->link != NULL && c->link->token[0] != '\0') {
    interop_buf_str(b, ",\"token\":");
    interop_json_put_string(b, c->link->token, strlen(c->link->token));
  }
  interop_buf_str(b, ",\"wants\":");
  size_t n = 0;
  for (size_t i = 0; hello && c->link != NULL && i < c->link->wants_count && n < MAX_NAMES; i++)
    items[n++] = (name_fp){c->link->wants[i]->name, c->link->wants[i]->fingerprint, NULL};
  put_map(b, items, n);
  interop_buf_byte(b, '}');
}

static void send_handshake(conn *c, uint8_t kind) {
  interop_buf b = INTEROP_BUF_INIT;
  build(c, &b, kind == INTEROP_FRAME_HELLO);
  interop_frame f = {kind, INTEROP_CODEC_JSON, 0, 0, 0, "", 0, b.data, b.len};
  conn_send(c, &f);
  interop_buf_free(&b);
}

void handshake_send_hello(conn *c) { send_handshake(c, INTEROP_FRAME_HELLO); }

/* An object of strings (offers, wants), absent allowed. */
static int check_names(const cJSON *doc, const char *what, const char *field, interop_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, field);
  if (v == NULL) return INTEROP_OK;
  if (!cJSON_IsObject(v)) return interop_error_set(err, INTEROP_PROTOCOL_ERROR, "%s.%s: expected an object", what, field);
  const cJSON *x;
  cJSON_ArrayForEach(x, v) if (!cJSON_IsString(x)) return interop_error_set(err, INTEROP_PROTOCOL_ERROR, "%s.%s.%s: expected a fingerprint string", what, field, x->string);
  return INTEROP_OK;
}

static bool is_integer(const cJSON *v) { return cJSON_IsNumber(v) && isfinite(v->valuedouble) && floor(v->valuedouble) == v->valuedouble; }

cJSON *handshake_decode(const uint8_t *payload, size_t len, bool hello, interop_error *err) {
  const char *what = hello ? "HELLO" : "WELCOME";
  char *text = malloc(len + 1);
  cJSON *doc = NULL;
  if (text != NULL && interop_utf8_valid(payload, len)) {
    memcpy(text, payload, len), text[len] = '\0';
    doc = cJSON_Parse(text);
  }
  free(text);
  if (!cJSON_IsObject(doc)) {
    cJSON_Delete(doc);
    interop_error_set(err, INTEROP_PROTOCOL_ERROR, "%s: payload is not a JSON object", what);
    return NULL;
  }
  const cJSON *protocol = cJSON_GetObjectItemCaseSensitive(doc, "protocol");
  const cJSON *token = cJSON_GetObjectItemCaseSensitive(doc, "token");
  const cJSON *v;
  bool integers = cJSON_IsArray(protocol);
  if (integers) cJSON_ArrayForEach(v, protocol) integers &= is_integer(v);
  int rc = INTEROP_OK;
  if (hello && !integers) rc = interop_error_set(err, INTEROP_PROTOCOL_ERROR, "HELLO.protocol: expected an array of integers");
  else if (!hello && !is_integer(protocol)) rc = interop_error_set(err, INTEROP_PROTOCOL_ERROR, "WELCOME.protocol: expected an integer");
  else if (hello && token != NULL && !cJSON_IsString(token)) rc = interop_error_set(err, INTEROP_PROTOCOL_ERROR, "HELLO.token: expected a string");
  else if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "codecs")))
    rc = interop_error_set(err, INTEROP_PROTOCOL_ERROR, "%s.codecs: expected an array of codec names", what);
  if (rc == INTEROP_OK) rc = check_names(doc, what, "offers", err);
  if (rc == INTEROP_OK) rc = check_names(doc, what, "wants", err);
  if (rc == INTEROP_OK) {
    char where[32];
    snprintf(where, sizeof where, "%s.compat", what);
    rc = compat_check_tables(cJSON_GetObjectItemCaseSensitive(doc, "compat"), where, err);
  }
  if (rc == INTEROP_OK) return doc;
  cJSON_Delete(doc);
  return NULL;
}

/* The peer's wants against our offers: a wanted module not offered is NOT_FOUND. */
static int check_wants(conn *c, const cJSON *wants, interop_error *err) {
  const cJSON *w;
  cJSON_ArrayForEach(w, wants) {
    if (strcmp(w->string, CONTROL_MODULE) == 0) continue;
    bool offered = false;
    for (size_t i = 0; i < c->node->hosted_count && !c->control_only; i++)
      offered |= strcmp(c->node->hosted[i].impl->module->name, w->string) == 0;
    if (!offered) return interop_error_set(err, INTEROP_NOT_FOUND, "module %s is not offered on this connection", w->string);
  }
  return INTEROP_OK;
}

static unsigned codec_bits(const cJSON *codecs) {
  unsigned bits = 0;
  const cJSON *x;
  cJSON_ArrayForEach(x, codecs) {
    const char *s = cJSON_GetStringValue(x);
    if (s != NULL && strcmp(s, "json") == 0) bits |= 1u << INTEROP_CODEC_JSON;
    if (s != NULL && strcmp(s, "msgpack") == 0) bits |= 1u << INTEROP_CODEC_MSGPACK;
    if (s != NULL && strcmp(s, "protobuf") == 0) bits |= 1u << INTEROP_CODEC_PROTOBUF;
    if (s != NULL && strcmp(s, "flatbuffers") == 0) bits |= 1u << INTEROP_CODEC_FLATBUFFERS;
  }
  return bits;
}

/* Reads HELLO (responder) and answers WELCOME or ERROR. */
static int on_hello(conn *c, const cJSON *doc, interop_error *err) {
  const cJSON *token = cJSON_GetObjectItemCaseSensitive(doc, "token");
  bool one = false;
  const cJSON *v;
  cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(doc, "protocol")) one |= v->valuedouble == 1;
  if (!one) return interop_error_set(err, INTEROP_PROTOCOL_ERROR, "no common protocol version (this side speaks 1)");
  const char *want_token = c->node->token;
  if (want_token[0] != '\0' && (!cJSON_IsString(token) || strcmp(token->valuestring, want_token) != 0))
    return interop_error_set(err, INTEROP_UNAUTHENTICATED, "HELLO without the node's token");
  int rc = check_wants(c, cJSON_GetObjectItemCaseSensitive(doc, "wants"), err);
  if (rc != INTEROP_OK) return rc;
  send_handshake(c, INTEROP_FRAME_WELCOME);
  return INTEROP_OK;
}

static int on_welcome(conn *c, const cJSON *doc, interop_error *err) {
  if (cJSON_GetObjectItemCaseSensitive(doc, "protocol")->valuedouble != 1)
    return interop_error_set(err, INTEROP_PROTOCOL_ERROR, "WELCOME.protocol: expected 1");
  return check_wants(c, cJSON_GetObjectItemCaseSensitive(doc, "wants"), err);
}

void handshake_on_frame(conn *c, const interop_frame *f) {
  void (*on_idle_check_cb)(uv_timer_t *) = conn_idle_check;
  interop_error err;
  interop_error_clear(&err);
  uint8_t expected = c->initiator ? INTEROP_FRAME_WELCOME : INTEROP_FRAME_HELLO;
  if (c->initiator && f->kind == INTEROP_FRAME_ERROR) {
    /* The responder refused us: its reason is the outcome of every waiting call. */
    interop_arena a = INTEROP_ARENA_INIT;
    if (interop_envelope_decode(f->payload, f->payload_len, INTEROP_CODEC_JSON, 64, NULL, 0, &a, &err, &err) != INTEROP_OK)
      interop_error_set(&err, INTEROP_PROTOCOL_ERROR, "the peer refused the handshake");
    interop_arena_free(&a);
    if (c->on_open != NULL) c->on_open(c, (int)err.code, &err);
    c->on_open = NULL;
    return conn_close(c, err.message);
  }
  if (f->kind != expected) {
    interop_error_set(&err, INTEROP_PROTOCOL_ERROR, "expected %s, got %s", interop_frame_kind_name(expected),
                      interop_frame_kind_name(f->kind) ? interop_frame_kind_name(f->kind) : "an unknown kind");
  } else {
    cJSON *doc = handshake_decode(f->payload, f->payload_len, !c->initiator, &err);
    if (doc != NULL) {
      const cJSON *node = cJSON_GetObjectItemCaseSensitive(doc, "node");
      snprintf(c->peer, sizeof c->peer, "%s", cJSON_IsString(node) ? node->valuestring : "");
      c->peer_codecs = codec_bits(cJSON_GetObjectItemCaseSensitive(doc, "codecs"));
      c->peer_hs = doc; /* kept for the life of the connection: offers, wants, tables */
      if (c->peer_codecs == 0)
        interop_error_set(&err, INTEROP_PROTOCOL_ERROR, "no common codec: we decode msgpack,json,protobuf,flatbuffers, the peer none of them");
      else if (c->initiator) on_welcome(c, doc, &err);
      else on_hello(c, doc, &err);
    }
  }
  if (err.code != INTEROP_OK) {
    if (!c->initiator) node_count(c->node, INTEROP_REJECTED_HANDSHAKES);
    conn_send_error(c, 0, "", 0, INTEROP_CODEC_JSON, &err);
    if (c->on_open != NULL) c->on_open(c, (int)err.code, &err);
    c->on_open = NULL;
    return conn_close(c, err.message);
  }
  c->state = CONN_OPEN;
  uv_timer_stop(&c->handshake_timer);
  if (c->listener != NULL) {
    uint32_t every = c->node->limits.idle_timeout_ms;
    uv_timer_start(&c->idle_timer, on_idle_check_cb, every, every);
  }
  if (c->on_open != NULL) c->on_open(c, INTEROP_OK, NULL);
  c->on_open = NULL;
}
