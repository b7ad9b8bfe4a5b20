/* HTTP answers of runtime-c's web listener (docs/transports.md "HTTP"), as TS and Python write
 * them: the status of each error code (google.rpc.Code's mapping, 422 for a declared error), the
 * body in the request's codec, events as Server-Sent Events in a chunked answer. */
#include <http_parser.h>
#include <stdio.h>
#include "envelope.h"
#include "http_answer.h"

static int status_of_code(uint32_t code) {
  switch (code) {
  case INTEROP_CANCELLED: return 499;
  case INTEROP_INVALID_ARGUMENT: case INTEROP_PROTOCOL_ERROR: return 400;
  case INTEROP_DEADLINE_EXCEEDED: return 504;
  case INTEROP_NOT_FOUND: return 404;
  case INTEROP_PERMISSION_DENIED: return 403;
  case INTEROP_RESOURCE_EXHAUSTED: return 429;
  case INTEROP_UNIMPLEMENTED: return 501;
  case INTEROP_UNAVAILABLE: return 503;
  case INTEROP_UNAUTHENTICATED: return 401;
  case INTEROP_SCHEMA_MISMATCH: return 409;
  case INTEROP_APPLICATION_ERROR: return 422;
  default: return 500; /* UNKNOWN, INTERNAL and codes this version does not know */
  }
}

static const char *reason(int status) {
  if (status == 499) return "Client Closed Request";
  if (status == 421) return "Misdirected Request";
  const char *r = http_status_str((enum http_status)status);
  return r[0] == '<' ? "Error" : r;
}

static const char *content_type(uint8_t codec) {
  return codec == INTEROP_CODEC_MSGPACK       ? "application/msgpack"
         : codec == INTEROP_CODEC_PROTOBUF    ? "application/x-protobuf"
         : codec == INTEROP_CODEC_FLATBUFFERS ? "application/x-flatbuffers"
                                              : "application/json";
}

static void write_head(ws_link *w, int status, const char *extra, bool close) {
  char head[1400];
  int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\n%s%s%s\r\n", status, reason(status), w->cors, extra, close ? "Connection: close\r\n" : "");
  ws_net_write(w, head, (size_t)n < sizeof head ? (size_t)n : sizeof head - 1);
}

void http_answer(ws_link *w, int status, const char *type, const uint8_t *body, size_t n, bool close) {
  char extra[256] = "";
  if (status != 204 && type != NULL) snprintf(extra, sizeof extra, "Content-Type: %s\r\nContent-Length: %zu\r\n", type, n);
  else if (status != 204) snprintf(extra, sizeof extra, "Content-Length: %zu\r\n", n);
  write_head(w, status, extra, close);
  if (n > 0 && status != 204 && !w->head_only) ws_net_write(w, body, n);
}

void http_answer_error(ws_link *w, int status, interop_code code, const char *message, uint8_t codec, bool close) {
  interop_error e, err;
  interop_error_set(&e, code, "%s", message);
  interop_buf body = INTEROP_BUF_INIT;
  if (codec < INTEROP_CODEC_MSGPACK || codec > INTEROP_CODEC_FLATBUFFERS) codec = INTEROP_CODEC_JSON;
  interop_envelope_encode(&e, (interop_codec)codec, 64, &body, &err);
  http_answer(w, status, content_type(codec), body.data, body.len, close || status == 413 || status == 408);
  interop_buf_free(&body);
}

void http_answer_not_allowed(ws_link *w, const char *message, bool close) {
  interop_error e, err;
  interop_error_set(&e, INTEROP_INVALID_ARGUMENT, "%s", message);
  interop_buf body = INTEROP_BUF_INIT;
  interop_envelope_encode(&e, INTEROP_CODEC_JSON, 64, &body, &err);
  char extra[128];
  snprintf(extra, sizeof extra, "Allow: GET, POST\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n", body.len);
  write_head(w, 405, extra, close);
  if (!w->head_only) ws_net_write(w, body.data, body.len);
  interop_buf_free(&body);
}

void http_answer_frame(ws_link *w, const interop_frame *f, int status, bool close) {
  uint8_t codec = f->codec >= INTEROP_CODEC_MSGPACK && f->codec <= INTEROP_CODEC_FLATBUFFERS ? f->codec : INTEROP_CODEC_JSON;
  if (f->kind == INTEROP_FRAME_ERROR) {
    if (status == 0) {
      interop_arena arena;
      interop_arena_init(&arena);
      interop_error env, err;
      status = interop_envelope_decode(f->payload, f->payload_len, (interop_codec)codec, w->node->limits.max_depth, NULL, 0, &arena, &env, &err) == INTEROP_OK
                   ? status_of_code(env.code)
                   : 500;
      interop_arena_free(&arena);
    }
    return http_answer(w, status, content_type(codec), f->payload, f->payload_len, close || status == 413 || status == 408);
  }
  if (f->payload_len == 0) return http_answer(w, 204, NULL, NULL, 0, close);
  http_answer(w, 200, f->kind == INTEROP_FRAME_PONG ? "application/octet-stream" : content_type(codec), f->payload, f->payload_len, close);
}

void http_answer_preflight(ws_link *w) {
  write_head(w, 204,
             "Access-Control-Allow-Methods: GET, POST\r\nAccess-Control-Allow-Headers: Content-Type, Authorization, interop-timeout-ms\r\n"
             "Access-Control-Max-Age: 600\r\n",
             false);
}

static void chunk(ws_link *w, const char *a, size_t an, const uint8_t *b, size_t bn, const char *c) {
  char size[24];
  size_t cn = strlen(c);
  int n = snprintf(size, sizeof size, "%zx\r\n", an + bn + cn);
  interop_buf out = INTEROP_BUF_INIT;
  interop_buf_put(&out, size, (size_t)n);
  interop_buf_put(&out, a, an);
  interop_buf_put(&out, b, bn);
  interop_buf_put(&out, c, cn);
  interop_buf_put(&out, "\r\n", 2);
  if (!out.failed) ws_net_write(w, out.data, out.len);
  interop_buf_free(&out);
}

void http_answer_sse_start(ws_link *w, const char *target) {
  write_head(w, 200,
             "Content-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\nX-Accel-Buffering: no\r\n"
             "Transfer-Encoding: chunked\r\n",
             false);
  char line[300];
  int n = snprintf(line, sizeof line, ": subscribed to %s\n\n", target);
  chunk(w, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1, NULL, 0, "");
}

void http_answer_sse_event(ws_link *w, const char *target, const interop_frame *f) {
  size_t dot = strlen(target) - 1; /* "module.event" or "module.*": the event's module must match */
  while (dot > 0 && target[dot] != '.') dot--;
  bool all = strcmp(target + dot, ".*") == 0;
  if (all ? f->target_len <= dot + 1 || memcmp(f->target, target, dot + 1) != 0 || memchr(f->target + dot + 1, '.', f->target_len - dot - 1) != NULL
          : f->target_len != strlen(target) || memcmp(f->target, target, f->target_len) != 0)
    return;
  char line[300];
  int n = snprintf(line, sizeof line, "event: %.*s\ndata: ", (int)(f->target_len - dot - 1), f->target + dot + 1);
  chunk(w, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1, f->payload, f->payload_len, "\n\n");
}

void http_answer_sse_end(ws_link *w) { ws_net_write(w, "0\r\n\r\n", 5); }
