/* HTTP requests on runtime-c's web listener (docs/transports.md "HTTP", ADR 0023, ADR 0025): the
 * serving side of the HTTP transport, as in TS and Python. A web link whose first request is not
 * a WebSocket upgrade is an HTTP connection. At its first interop request it becomes a connection
 * of the node like any other (ws_accept_conn: a socketpair to an unchanged conn.c): a HELLO with
 * the bearer token goes first, then each request is turned into the frames a socket peer would
 * send (REQUEST, ONEWAY, SUBSCRIBE, PING, CANCEL), and the node's answering frames into HTTP
 * answers. The body is streamed in as the frame's payload, so the connection's own limits apply
 * to it (max_frame_bytes: 413, frame_timeout_ms: 408). Requests are parsed by Debian's
 * http-parser and served one at a time, in order (pipelined ones wait). */
#include <cjson/cJSON.h>
#include <http_parser.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include "envelope.h"
#include "http_answer.h"

#define HEAD_MAX 16384     /* a request's headers (431 beyond), as TS and Python */
#define NET_HELD (64 << 10) /* unparsed bytes held while a request is answered: reading stops */
static const char WELL_KNOWN[] = "/.well-known/interop/";

enum header { H_HOST, H_ORIGIN, H_TYPE, H_AUTH, H_TIMEOUT, H_TRANSFER, H_COUNT, H_OTHER = H_COUNT };
static const char *const HEADER_NAMES[H_COUNT] = {"host", "origin", "content-type", "authorization", "interop-timeout-ms",
                                                  "transfer-encoding"};
/* Where the current request is: its headers (or between requests), begun, its body, complete. */
enum stage { S_HEAD, S_BEGIN, S_BODY, S_DONE };
enum route { R_NONE, R_HELLO, R_EXCHANGE, R_SUBSCRIBE };

struct http_link {
  http_parser parser;
  uv_timer_t deadline; /* the request's Interop-Timeout-Ms */
  interop_frame_decoder dec; /* frames from the node's connection */
  /* the request being parsed */
  char url[1024];
  size_t url_len, head_bytes;
  char name[32];
  size_t name_len;
  int header;
  bool in_value, too_big, later;
  char values[H_COUNT][600];
  bool present[H_COUNT];
  /* the connection */
  bool hello_sent, welcomed, has_token, ending, read_stopped;
  char token[512];
  uint32_t next_id;
  /* the request being served */
  enum stage stage;
  enum route route;
  bool hold;        /* waiting for the WELCOME before the request can go on */
  bool answered, streaming, oversized, cancel_due, sse;
  uint8_t kind, codec;
  uint32_t id, timeout_ms;
  char target[260];
  interop_buf hello; /* POST …/hello: the peer's HELLO */
};

/* ---- frames to the node's connection ---- */

static void send_frame(ws_link *w, uint8_t kind, uint8_t codec, uint32_t id, const char *target, const uint8_t *p, size_t n) {
  interop_frame f = {kind, codec, 0, id, 0, target, strlen(target), p, n};
  interop_buf b = INTEROP_BUF_INIT;
  interop_error err;
  if (interop_frame_encode(&b, &f, &err) == INTEROP_OK && !b.failed) ws_local_write(w, b.data, b.len);
  interop_buf_free(&b);
}

/* This side is the node's caller (docs/wire.md §6): a deadline passed or the client hung up. A
 * CANCEL cannot cut into a frame, so one due while the body streams goes after it. */
static void cancel(ws_link *w) {
  http_link *h = w->http;
  if (h->id == 0 || h->kind != INTEROP_FRAME_REQUEST) return;
  if (h->stage != S_DONE) {
    h->cancel_due = true;
    return;
  }
  send_frame(w, INTEROP_FRAME_CANCEL, INTEROP_CODEC_NONE, h->id, "", NULL, 0);
  h->id = 0;
}

static void answered(ws_link *w) {
  http_link *h = w->http;
  h->answered = true;
  uv_timer_stop(&h->deadline);
}

static void refuse(ws_link *w, int status, interop_code code, const char *message) {
  http_answer_error(w, status, code, message, INTEROP_CODEC_JSON, w->http->ending);
  answered(w);
}

/* ---- the request ---- */

static const char *bearer(const char *authorization, char *out, size_t cap) {
  if (strncasecmp(authorization, "Bearer ", 7) != 0) return NULL;
  const char *t = authorization + 7;
  while (*t == ' ') t++;
  size_t n = strcspn(t, " \t");
  if (n == 0 || t[n + strspn(t + n, " \t")] != '\0' || n >= cap) return NULL;
  snprintf(out, cap, "%.*s", (int)n, t);
  return out;
}

/* The HELLO made for a client that did not send its own: every codec, protocol 1, its token. */
static void send_hello(ws_link *w, const char *token) {
  interop_buf b = INTEROP_BUF_INIT;
  interop_buf_str(&b, "{\"codecs\":[\"json\",\"msgpack\",\"protobuf\",\"flatbuffers\"],\"compat\":{},\"node\":\"http client\",\"offers\":{},\"protocol\":[1],\"wants\":{}");
  if (token != NULL) {
    interop_buf_str(&b, ",\"token\":");
    interop_json_put_string(&b, token, strlen(token));
  }
  interop_buf_byte(&b, '}');
  if (!b.failed) send_frame(w, INTEROP_FRAME_HELLO, INTEROP_CODEC_JSON, 0, "", b.data, b.len);
  interop_buf_free(&b);
}

/* The node's connection for this HTTP connection, made at its first interop request. */
static bool make_conn(ws_link *w) {
  if (w->open) return true;
  if (ws_accept_conn(w) == 0) return true;
  w->http->ending = true;
  refuse(w, 503, INTEROP_UNAVAILABLE, "cannot open a connection to the node");
  return false;
}

/* "/example.chat/post" → "example.chat.post"; false for another shape. */
static bool target_of_path(const char *path, char *out, size_t cap) {
  const char *slash = strrchr(path, '/');
  if (path[0] != '/' || slash == path || (size_t)(slash - path) + strlen(slash) >= cap) return false;
  bool start = true;
  for (const char *p = path + 1; p < slash; p++) {
    bool letter = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_';
    if (*p == '.' && !start) start = true;
    else if (letter || (!start && *p >= '0' && *p <= '9')) start = false;
    else return false;
  }
  const char *m = slash + 1;
  bool member = strcmp(m, "*") == 0 || (m[0] != '\0' && strspn(m, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789") == strlen(m) &&
                                        !(m[0] >= '0' && m[0] <= '9'));
  if (start || !member) return false;
  snprintf(out, cap, "%.*s.%s", (int)(slash - path - 1), path + 1, m);
  return true;
}

/* The kind of a function this node hosts (call, one-way, stream); 0 when it hosts no such one:
 * the request then goes as a call, and the node answers why it cannot serve it. */
static uint32_t function_kind(interop_node *node, const char *target) {
  const char *member;
  size_t member_len;
  hosted *h = node_hosted_by_target(node, target, strlen(target), &member, &member_len);
  if (h == NULL) return 0;
  const interop_module *m = h->impl->module;
  for (uint32_t i = 0; i < m->functions_count; i++)
    if (strlen(m->functions[i].name) == member_len && memcmp(m->functions[i].name, member, member_len) == 0) return m->functions[i].kind;
  return 0;
}

static int codec_of_type(const char *type) {
  char t[128];
  size_t n = strcspn(type, ";");
  while (n > 0 && (type[n - 1] == ' ' || type[n - 1] == '\t')) n--;
  while (n > 0 && (*type == ' ' || *type == '\t')) type++, n--;
  snprintf(t, sizeof t, "%.*s", (int)n, type);
  if (t[0] == '\0' || !strcasecmp(t, "application/json") || !strcasecmp(t, "application/x-www-form-urlencoded") || !strcasecmp(t, "text/plain"))
    return INTEROP_CODEC_JSON;
  if (!strcasecmp(t, "application/msgpack") || !strcasecmp(t, "application/x-msgpack") || !strcasecmp(t, "application/vnd.msgpack"))
    return INTEROP_CODEC_MSGPACK;
  if (!strcasecmp(t, "application/x-protobuf") || !strcasecmp(t, "application/protobuf") || !strcasecmp(t, "application/proto"))
    return INTEROP_CODEC_PROTOBUF;
  if (!strcasecmp(t, "application/x-flatbuffers")) return INTEROP_CODEC_FLATBUFFERS;
  return -1;
}

static void on_deadline(uv_timer_t *t);

/* The request goes to the node: its frame's head now, its body as the parser reads it. */
static void start_exchange(ws_link *w) {
  http_link *h = w->http;
  http_parser *p = &h->parser;
  char why[700];
  if (h->route == R_SUBSCRIBE) {
    h->id = h->next_id++;
    h->kind = INTEROP_FRAME_SUBSCRIBE;
    return send_frame(w, INTEROP_FRAME_SUBSCRIBE, INTEROP_CODEC_JSON, h->id, h->target, NULL, 0);
  }
  if (h->kind == INTEROP_FRAME_REQUEST && h->target[0] != '\0' && strncmp(h->target, "interop.control.", 16) != 0) {
    uint32_t kind = function_kind(w->node, h->target);
    if (kind == INTEROP_FUNCTION_STREAM) {
      snprintf(why, sizeof why, "%s is a stream function: streams are not carried over HTTP; call it over ws:// (or another transport)", h->target);
      return refuse(w, 501, INTEROP_UNIMPLEMENTED, why);
    }
    if (kind == INTEROP_FUNCTION_ONEWAY) h->kind = INTEROP_FRAME_ONEWAY;
  }
  int codec = INTEROP_CODEC_NONE;
  if (h->kind != INTEROP_FRAME_PING && (codec = codec_of_type(h->present[H_TYPE] ? h->values[H_TYPE] : "")) < 0) {
    snprintf(why, sizeof why, "Content-Type \"%s\" is not a codec: send application/json, application/msgpack, application/x-protobuf or application/x-flatbuffers", h->values[H_TYPE]);
    return refuse(w, 415, INTEROP_INVALID_ARGUMENT, why);
  }
  h->codec = (uint8_t)codec;
  if (h->kind == INTEROP_FRAME_REQUEST && h->present[H_TIMEOUT]) {
    const char *v = h->values[H_TIMEOUT];
    size_t n = strlen(v);
    long long ms = n >= 1 && n <= 10 && strspn(v, "0123456789") == n ? atoll(v) : 0;
    if (ms < 1 || ms > 2147483647) {
      snprintf(why, sizeof why, "Interop-Timeout-Ms: expected a whole number of milliseconds from 1 to 2147483647, got \"%s\"", v);
      return refuse(w, 400, INTEROP_INVALID_ARGUMENT, why);
    }
    h->timeout_ms = (uint32_t)ms;
  }
  bool has_length = p->content_length != ULLONG_MAX;
  if (!has_length && (h->present[H_TRANSFER] || (p->flags & F_CHUNKED)))
    return refuse(w, 411, INTEROP_INVALID_ARGUMENT, "send the body with a Content-Length (its size must be known before it is read, as a frame's is)");
  uint64_t length = has_length ? p->content_length : 0;
  /* An empty body is an empty parameter list, so that `curl -X POST` calls a function without any
     (in protobuf and flatbuffers that is no bytes at all: §3.6 reads it as the empty root table). */
  static const uint8_t EMPTY_JSON[] = "{}", EMPTY_MSGPACK[] = {0x80};
  bool empty = length == 0 && h->kind != INTEROP_FRAME_PING;
  if (empty) length = codec == INTEROP_CODEC_JSON ? 2 : codec == INTEROP_CODEC_MSGPACK ? 1 : 0;
  /* A body no frame can carry: its length stays over any max_frame_bytes (refused from the head,
   * 413) without wrapping the frame's u32 length field. */
  if (length > UINT32_MAX - 14 - strlen(h->target)) length = UINT32_MAX - 14 - strlen(h->target);
  h->id = h->kind == INTEROP_FRAME_ONEWAY ? 0 : h->next_id++;
  interop_frame f = {h->kind, h->codec, 0, h->id, h->timeout_ms, h->target, strlen(h->target), NULL, (size_t)length};
  uint8_t head[INTEROP_FRAME_HEAD];
  interop_frame_head(head, &f);
  ws_local_write(w, head, sizeof head);
  ws_local_write(w, (const uint8_t *)h->target, f.target_len);
  h->oversized = 14 + f.target_len + length > w->node->limits.max_frame_bytes;
  h->streaming = !empty;
  if (empty && length > 0) ws_local_write(w, codec == INTEROP_CODEC_JSON ? EMPTY_JSON : EMPTY_MSGPACK, (size_t)length);
  if (h->timeout_ms > 0) uv_timer_start(&h->deadline, on_deadline, h->timeout_ms, 0);
}

/* Opens the node's connection for a request carrying its bearer token, or answers why not. */
static void open_and_start(ws_link *w) {
  http_link *h = w->http;
  char token[512];
  const char *t = h->present[H_AUTH] ? bearer(h->values[H_AUTH], token, sizeof token) : NULL;
  if (!h->hello_sent) {
    if (!make_conn(w)) return;
    h->hello_sent = h->hold = true;
    h->has_token = t != NULL;
    snprintf(h->token, sizeof h->token, "%s", t != NULL ? t : "");
    return send_hello(w, t);
  }
  if ((t != NULL) != h->has_token || (t != NULL && strcmp(t, h->token) != 0)) {
    h->ending = true; /* a refused token ends the connection, as a refused HELLO does */
    return refuse(w, 401, INTEROP_UNAUTHENTICATED,
                  "this HTTP connection was opened with another token: send the same Authorization header on every request of a connection");
  }
  if (h->ending) return refuse(w, 503, INTEROP_UNAVAILABLE, "this connection is closing: send the request again on a new connection");
  start_exchange(w);
}

/* The request's headers are in: check and route it (docs/transports.md, the table of requests). */
static void begin(ws_link *w) {
  http_link *h = w->http;
  int method = h->parser.method;
  char why[700], path[1024];
  h->stage = S_BODY;
  w->head_only = method == HTTP_HEAD;
  const char *refused = ws_refusal(w, h->present[H_HOST] ? h->values[H_HOST] : NULL, h->present[H_ORIGIN] ? h->values[H_ORIGIN] : NULL, why, sizeof why);
  if (refused != NULL)
    return refuse(w, strncmp(refused, "Host", 4) == 0 || strstr(refused, "no Host") != NULL ? 421 : 403, INTEROP_PERMISSION_DENIED, refused);
  const char *origin = h->present[H_ORIGIN] ? h->values[H_ORIGIN] : NULL;
  if (origin != NULL && strlen(origin) < 512 && ws_cross_origin_allowed(w, origin)) /* every answer to it carries them */
    snprintf(w->cors, sizeof w->cors, "Access-Control-Allow-Origin: %s\r\nVary: Origin\r\n", origin);
  if (method == HTTP_OPTIONS) {
    http_answer_preflight(w);
    return answered(w);
  }
  snprintf(path, sizeof path, "%.*s", (int)strcspn(h->url, "?"), h->url);
  const char *m = http_method_str(method);
  if (strncmp(path, WELL_KNOWN, sizeof WELL_KNOWN - 1) == 0) {
    const char *what = path + sizeof WELL_KNOWN - 1;
    h->route = R_EXCHANGE;
    if (method == HTTP_POST && strcmp(what, "hello") == 0) {
      if (h->hello_sent) return refuse(w, 400, INTEROP_PROTOCOL_ERROR, "the handshake must be the first request of its connection");
      h->route = R_HELLO;
      return;
    }
    if (method == HTTP_POST && strcmp(what, "ping") == 0) h->kind = INTEROP_FRAME_PING;
    else if (method == HTTP_GET && (strcmp(what, "manifest") == 0 || strcmp(what, "health") == 0))
      snprintf(h->target, sizeof h->target, "interop.control.%s", what);
    else {
      snprintf(why, sizeof why, "%s %s: not a well-known interop request (manifest, health: GET; hello, ping: POST)", m, path);
      return refuse(w, 404, INTEROP_NOT_FOUND, why);
    }
    return open_and_start(w);
  }
  bool named = target_of_path(path, h->target, sizeof h->target);
  if (named && (method == HTTP_POST || method == HTTP_GET)) {
    h->route = method == HTTP_POST ? R_EXCHANGE : R_SUBSCRIBE;
    return open_and_start(w);
  }
  if (named) {
    snprintf(why, sizeof why, "%s %s: POST calls a function, GET streams an event", m, path);
    http_answer_not_allowed(w, why, h->ending);
    return answered(w);
  }
  snprintf(why, sizeof why,
           "%s %s: nothing here; POST /<module>/<function> calls a function, GET /<module>/<event> streams an event, GET "
           "/.well-known/interop/manifest describes the node", m, path);
  refuse(w, 404, INTEROP_NOT_FOUND, why);
}

/* The whole body went to the node. */
static void complete(ws_link *w) {
  http_link *h = w->http;
  h->stage = S_DONE;
  if (h->route == R_HELLO && !h->answered) {
    if (h->hello.failed || h->hello.len > w->node->limits.max_frame_bytes) {
      char why[96];
      snprintf(why, sizeof why, "body larger than max_frame_bytes %u", w->node->limits.max_frame_bytes);
      h->ending = true;
      return refuse(w, 413, INTEROP_RESOURCE_EXHAUSTED, why);
    }
    if (!make_conn(w)) return;
    cJSON *doc = cJSON_ParseWithLength((const char *)h->hello.data, h->hello.len);
    const cJSON *token = cJSON_GetObjectItemCaseSensitive(doc, "token");
    h->has_token = cJSON_IsString(token);
    snprintf(h->token, sizeof h->token, "%s", h->has_token ? token->valuestring : "");
    cJSON_Delete(doc);
    h->hello_sent = true;
    send_frame(w, INTEROP_FRAME_HELLO, INTEROP_CODEC_JSON, 0, "", h->hello.data, h->hello.len);
    interop_buf_free(&h->hello);
    return;
  }
  if (h->cancel_due) {
    h->cancel_due = false;
    cancel(w);
  }
  if (h->route == R_EXCHANGE && h->kind == INTEROP_FRAME_ONEWAY && !h->answered) {
    http_answer(w, 202, NULL, NULL, 0, h->ending);
    answered(w);
  }
}

/* ---- http-parser's callbacks ---- */

static ws_link *link_of(http_parser *p) { return p->data; }

static void on_header_timeout(uv_timer_t *t) {
  ws_link *w = t->data;
  if (w->finishing) return ws_link_close(w); /* the end of lingering after the answer */
  char why[96];
  snprintf(why, sizeof why, "headers not complete within %u ms (frame_timeout_ms)", w->node->limits.frame_timeout_ms);
  node_count(w->node, INTEROP_FRAME_TIMEOUTS);
  w->http->ending = true;
  refuse(w, 408, INTEROP_RESOURCE_EXHAUSTED, why);
}

static int on_message_begin(http_parser *p) {
  ws_link *w = link_of(p);
  http_link *h = w->http;
  h->url_len = h->head_bytes = h->name_len = 0;
  h->url[0] = '\0';
  h->header = H_OTHER;
  h->in_value = h->too_big = false;
  memset(h->present, 0, sizeof h->present);
  h->stage = S_HEAD;
  h->route = R_NONE;
  h->kind = INTEROP_FRAME_REQUEST;
  h->answered = h->streaming = h->oversized = h->cancel_due = h->sse = w->head_only = false;
  w->cors[0] = '\0';
  h->id = h->timeout_ms = 0;
  h->target[0] = '\0';
  /* A later request's headers must be complete within frame_timeout_ms of their first byte (the
   * first request's, within handshake_timeout_ms of the accept: ws.c). */
  if (h->later) uv_timer_start(&w->timer, on_header_timeout, w->node->limits.frame_timeout_ms, 0);
  h->later = true;
  return 0;
}

static int count_head(http_link *h, size_t n) {
  h->head_bytes += n;
  if (h->head_bytes <= HEAD_MAX) return 0;
  h->too_big = true;
  return 1;
}

static int on_url(http_parser *p, const char *at, size_t n) {
  http_link *h = link_of(p)->http;
  if (count_head(h, n) != 0) return 1;
  size_t room = sizeof h->url - 1 - h->url_len;
  memcpy(h->url + h->url_len, at, n < room ? n : room);
  h->url_len += n < room ? n : room;
  h->url[h->url_len] = '\0';
  return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t n) {
  http_link *h = link_of(p)->http;
  if (count_head(h, n) != 0) return 1;
  if (h->in_value) h->name_len = 0, h->in_value = false;
  size_t room = sizeof h->name - 1 - h->name_len;
  memcpy(h->name + h->name_len, at, n < room ? n : room);
  h->name_len += n < room ? n : room;
  h->name[h->name_len] = '\0';
  return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n) {
  http_link *h = link_of(p)->http;
  if (count_head(h, n) != 0) return 1;
  if (!h->in_value) { /* the first piece of a value: which header it is */
    h->in_value = true;
    h->header = H_OTHER;
    for (int i = 0; i < H_COUNT; i++)
      if (strcasecmp(h->name, HEADER_NAMES[i]) == 0) h->header = i;
    if (h->header != H_OTHER) {
      h->present[h->header] = true;
      h->values[h->header][0] = '\0';
    }
  }
  if (h->header == H_OTHER) return 0;
  char *v = h->values[h->header];
  size_t len = strlen(v), room = sizeof h->values[0] - 1 - len;
  memcpy(v + len, at, n < room ? n : room);
  v[len + (n < room ? n : room)] = '\0';
  return 0;
}

static int on_headers_complete(http_parser *p) {
  ws_link *w = link_of(p);
  uv_timer_stop(&w->timer);
  w->http->stage = S_BEGIN;
  http_parser_pause(p, 1); /* drive() routes the request before the body is read */
  return 0;
}

static int on_body(http_parser *p, const char *at, size_t n) {
  ws_link *w = link_of(p);
  http_link *h = w->http;
  if (h->streaming) ws_local_write(w, (const uint8_t *)at, n);
  else if (h->route == R_HELLO && !h->answered && h->hello.len <= w->node->limits.max_frame_bytes) interop_buf_put(&h->hello, at, n);
  return 0;
}

static int on_message_complete(http_parser *p) {
  ws_link *w = link_of(p);
  complete(w);
  http_parser_pause(p, 1); /* the next request waits for this one's answer */
  return 0;
}

static const http_parser_settings SETTINGS = {
    .on_message_begin = on_message_begin, .on_url = on_url, .on_header_field = on_header_field,
    .on_header_value = on_header_value, .on_headers_complete = on_headers_complete, .on_body = on_body,
    .on_message_complete = on_message_complete};

/* Parses what the client sent, one request at a time: a request waits for the previous answer. */
static void drive(ws_link *w) {
  http_link *h = w->http;
  while (!w->closing && !w->finishing && !h->hold) {
    if (h->stage == S_DONE) {
      if (!h->answered || h->sse) break;
      if (h->ending) return ws_finish(w);
      h->stage = S_HEAD;
    }
    if (w->net_pos >= w->net.len) break;
    size_t n = http_parser_execute(&h->parser, &SETTINGS, (const char *)w->net.data + w->net_pos, w->net.len - w->net_pos);
    w->net_pos += n;
    enum http_errno e = HTTP_PARSER_ERRNO(&h->parser);
    if (e == HPE_PAUSED) {
      http_parser_pause(&h->parser, 0);
      if (h->stage == S_BEGIN) begin(w);
      continue;
    }
    if (e != HPE_OK || h->parser.upgrade) {
      char why[160];
      snprintf(why, sizeof why, "bad HTTP request: %s",
               h->too_big ? "headers over 16 KiB" : e != HPE_OK ? http_errno_description(e) : "an upgrade must be the first request of its connection");
      h->ending = true;
      refuse(w, h->too_big ? 431 : 400, INTEROP_PROTOCOL_ERROR, why);
      return ws_finish(w);
    }
  }
  if (w->net_pos == w->net.len) w->net_pos = w->net.len = 0;
  bool stop = w->net.len - w->net_pos > NET_HELD;
  if (stop != h->read_stopped && !w->closing) {
    h->read_stopped = stop;
    ws_read_net(w, !stop);
  }
}

void http_on_net(ws_link *w, bool end) {
  if (!end) return drive(w);
  cancel(w); /* the client hung up: the handler is cancelled, then the connection closes */
  ws_link_close(w);
}

/* ---- frames from the node ---- */

static void on_deadline(uv_timer_t *t) {
  ws_link *w = t->data;
  http_link *h = w->http;
  if (h->answered) return;
  char why[400];
  snprintf(why, sizeof why, "%s: deadline of %u ms exceeded", h->target, h->timeout_ms);
  cancel(w);
  http_answer_error(w, 504, INTEROP_DEADLINE_EXCEEDED, why, h->codec, h->ending);
  answered(w);
  drive(w);
}

/* A connection-level ERROR: the refused handshake, or the end of the connection (a body over
 * max_frame_bytes: 413, one slower than frame_timeout_ms: 408). */
static void on_connection_error(ws_link *w, const interop_frame *f) {
  http_link *h = w->http;
  h->ending = true;
  h->hold = false;
  if (h->answered || h->stage == S_HEAD) return;
  int status = h->welcomed && h->streaming && h->stage != S_DONE ? (h->oversized ? 413 : 408) : 0;
  http_answer_frame(w, f, status, true);
  answered(w);
}

static void on_frame(ws_link *w, const interop_frame *f) {
  http_link *h = w->http;
  switch (f->kind) {
  case INTEROP_FRAME_WELCOME:
    h->welcomed = true;
    if (h->route == R_HELLO && !h->answered) {
      http_answer(w, 200, "application/json", f->payload, f->payload_len, h->ending);
      return answered(w);
    }
    h->hold = false;
    return start_exchange(w);
  case INTEROP_FRAME_ERROR:
    if (f->correlation == 0) return on_connection_error(w, f);
    /* fall through */
  case INTEROP_FRAME_RESPONSE:
  case INTEROP_FRAME_PONG:
    if (f->correlation != h->id || h->answered) return; /* an answer after the deadline's */
    h->id = 0;
    if (h->route == R_SUBSCRIBE && f->kind == INTEROP_FRAME_RESPONSE) {
      h->sse = true;
      http_answer_sse_start(w, h->target);
      return answered(w);
    }
    http_answer_frame(w, f, 0, h->ending);
    return answered(w);
  case INTEROP_FRAME_EVENT:
    if (h->sse) http_answer_sse_event(w, h->target, f);
    return;
  case INTEROP_FRAME_GOODBYE:
    h->ending = true;
    return;
  case INTEROP_FRAME_REQUEST:
  case INTEROP_FRAME_SUBSCRIBE:
  case INTEROP_FRAME_PING: { /* the node cannot start an exchange with an HTTP client: nothing reaches it */
    interop_error e;
    interop_buf env = INTEROP_BUF_INIT;
    interop_error_set(&e, INTEROP_UNIMPLEMENTED, "the peer is an HTTP client: it cannot be called");
    uint8_t codec = f->codec == INTEROP_CODEC_MSGPACK ? INTEROP_CODEC_MSGPACK : INTEROP_CODEC_JSON;
    char target[260];
    snprintf(target, sizeof target, "%.*s", (int)(f->target_len < 259 ? f->target_len : 259), f->target);
    if (interop_envelope_encode(&e, (interop_codec)codec, 64, &env, &e) == INTEROP_OK)
      send_frame(w, INTEROP_FRAME_ERROR, codec, f->correlation, target, env.data, env.len);
    interop_buf_free(&env);
    return;
  }
  default:
    return;
  }
}

void http_on_local(ws_link *w, const uint8_t *p, size_t n, bool end) {
  http_link *h = w->http;
  if (end) { /* the node closed the connection: what is unanswered cannot be any more */
    w->local_open = false;
    if (h->sse) http_answer_sse_end(w);
    else if (!h->answered && h->stage != S_HEAD) {
      h->ending = true;
      refuse(w, 503, INTEROP_UNAVAILABLE, "the node closed the connection");
    }
    return ws_finish(w);
  }
  interop_frame_decoder_push(&h->dec, p, n);
  interop_frame f;
  interop_error err;
  while (!w->closing && interop_frame_decoder_next(&h->dec, &f, &err) == 1) on_frame(w, &f);
  drive(w);
}

/* ---- the link ---- */

int http_start(ws_link *w) {
  http_link *h = calloc(1, sizeof *h);
  if (h == NULL) return -1;
  http_parser_init(&h->parser, HTTP_REQUEST);
  h->parser.data = w;
  h->next_id = 1;
  h->stage = S_HEAD;
  interop_frame_decoder_init(&h->dec, UINT32_MAX); /* the node's own frames: not a peer's limits */
  uv_timer_init(w->node->loop, &h->deadline);
  h->deadline.data = w;
  w->handles++;
  w->http = h;
  uv_timer_stop(&w->timer); /* the first request arrived within handshake_timeout_ms */
  return 0;
}

/* Called by ws.c when the link closes (its handles, this timer included, are closing). */
void http_close(ws_link *w) { uv_close((uv_handle_t *)&w->http->deadline, ws_handle_closed); }

void http_free(ws_link *w) {
  interop_frame_decoder_free(&w->http->dec);
  interop_buf_free(&w->http->hello);
  free(w->http);
  w->http = NULL;
}
