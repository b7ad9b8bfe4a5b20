/* Dialing http:// (docs/transports.md "Generated clients over http://", ADR 0023, ADR 0025), as
 * TS and Python do: the connection writes frames into a socketpair as over any transport, and this
 * side turns them into HTTP requests and the answers back into frames. HELLO is POSTed to
 * /.well-known/interop/hello on a connection of its own (the node answers with its WELCOME);
 * REQUEST, ONEWAY and PING are POSTs; SUBSCRIBE is a GET whose Server-Sent Events become EVENT
 * frames; CANCEL and UNSUBSCRIBE abort their request by closing its TCP connection. Requests go on
 * kept-alive TCP connections, one request at a time each (a pool grows as calls overlap); every
 * request carries the HELLO's token as `Authorization: Bearer`. A request that cannot reach the
 * node closes the connection, as a broken socket does: pending calls fail with UNAVAILABLE and the
 * link dials again. */
#include <cjson/cJSON.h>
#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include "envelope.h"
#include "ws.h"

typedef struct http_client http_client;

/* One TCP connection to the node, carrying one request at a time. */
typedef struct hconn {
  struct hconn *next; /* in the client's list */
  http_client *client;
  uv_tcp_t tcp;
  tls_conn *tls;       /* https:// */
  http_parser parser;
  interop_frame f;     /* the request it carries (target and payload copied into `req`) */
  interop_buf req;     /* the request's bytes, then (target) its frame's target */
  char target[260];
  bool busy, connected, closing, sse, after_value;
  uint8_t answer_codec; /* of the answer's Content-Type: 0 when not an interop answer */
  char field[16];
  interop_buf body;   /* the answer's body; for an event stream, its unread text */
  char event[128];    /* the event stream's current event name */
  interop_buf data;   /* and its data */
} hconn;

struct http_client {
  interop_node *node;
  uv_pipe_t local; /* our end of the socketpair; the connection has the other */
  interop_frame_decoder dec;
  hconn *conns;
  struct sockaddr_storage sa;
  tls_ctx *tls;    /* https://: the connect entry's certificate authorities */
  char scheme[8], host[256], hostport[300], prefix[300], token[512];
  bool has_token, closing;
  int handles;
};

/* The client goes with its last handle (the socketpair's end and each TCP connection). */
static void client_unref(http_client *cl) {
  if (--cl->handles > 0) return;
  interop_frame_decoder_free(&cl->dec);
  tls_ctx_free(cl->tls);
  free(cl);
}

static void client_freed(uv_handle_t *h) { client_unref(h->data); }

static void hconn_closed(uv_handle_t *h) {
  hconn *hc = h->data;
  http_client *cl = hc->client;
  interop_buf_free(&hc->req);
  interop_buf_free(&hc->body);
  interop_buf_free(&hc->data);
  tls_conn_free(hc->tls);
  free(hc);
  client_unref(cl);
}

static void hconn_close(hconn *hc) {
  if (hc->closing) return;
  hc->closing = true;
  http_client *cl = hc->client;
  for (hconn **p = &cl->conns; *p != NULL; p = &(*p)->next)
    if (*p == hc) {
      *p = hc->next;
      break;
    }
  uv_close((uv_handle_t *)&hc->tcp, hconn_closed);
}

/* The connection's side is gone, or the node cannot be reached: everything closes. */
static void client_close(http_client *cl) {
  if (cl->closing) return;
  cl->closing = true;
  while (cl->conns != NULL) hconn_close(cl->conns);
  uv_close((uv_handle_t *)&cl->local, client_freed);
}

static void on_written(uv_write_t *req, int status) {
  (void)status;
  free(req);
}

static void write_copy(uv_stream_t *s, const void *p, size_t n) {
  uv_write_t *req = malloc(sizeof *req + n);
  if (req == NULL) return;
  memcpy(req + 1, p, n);
  uv_buf_t b = uv_buf_init((char *)(req + 1), (unsigned)n);
  if (uv_write(req, s, &b, 1, on_written) != 0) free(req);
}

static int hconn_send(void *hc, const void *p, size_t n) {
  write_copy((uv_stream_t *)&((hconn *)hc)->tcp, p, n);
  return 0;
}

/* A request's bytes to its TCP connection (encrypted first, over https://). */
static void hconn_write(hconn *hc, const void *p, size_t n) {
  if (hc->tls != NULL) tls_conn_write(hc->tls, p, n);
  else hconn_send(hc, p, n);
}

/* A frame to the connection, as if the node had sent it. */
static void deliver(http_client *cl, uint8_t kind, uint8_t codec, uint32_t id, const char *target, const uint8_t *p, size_t n) {
  if (cl->closing) return;
  interop_frame f = {kind, codec, 0, id, 0, target, strlen(target), p, n};
  interop_buf b = INTEROP_BUF_INIT;
  interop_error err;
  if (interop_frame_encode(&b, &f, &err) == INTEROP_OK && !b.failed) write_copy((uv_stream_t *)&cl->local, b.data, b.len);
  interop_buf_free(&b);
}

static void deliver_error(http_client *cl, const hconn *hc, interop_code code, const char *message) {
  interop_error e, err;
  interop_error_set(&e, code, "%s", message);
  interop_buf env = INTEROP_BUF_INIT;
  interop_envelope_encode(&e, INTEROP_CODEC_JSON, 64, &env, &err);
  deliver(cl, INTEROP_FRAME_ERROR, INTEROP_CODEC_JSON, hc->f.correlation, hc->target, env.data, env.len);
  interop_buf_free(&env);
}

/* ---- answers ---- */

static hconn *of(http_parser *p) { return p->data; }

static int on_header_field(http_parser *p, const char *at, size_t n) {
  hconn *hc = of(p);
  if (hc->after_value) hc->field[0] = '\0', hc->after_value = false;
  size_t len = strlen(hc->field);
  snprintf(hc->field + len, sizeof hc->field - len, "%.*s", (int)n, at);
  return 0;
}

/* Content-Type says whether the answer is an interop one, and in which codec. */
static int on_header_value(http_parser *p, const char *at, size_t n) {
  hconn *hc = of(p);
  bool first = !hc->after_value;
  hc->after_value = true;
  if (!first || strcasecmp(hc->field, "content-type") != 0) return 0;
  size_t k = 0;
  while (k < n && at[k] != ';' && at[k] != ' ') k++;
  hc->answer_codec = k == 16 && strncasecmp(at, "application/json", 16) == 0       ? INTEROP_CODEC_JSON
                     : k == 19 && strncasecmp(at, "application/msgpack", 19) == 0 ? INTEROP_CODEC_MSGPACK
                     : k == 22 && strncasecmp(at, "application/x-protobuf", 22) == 0 ? INTEROP_CODEC_PROTOBUF
                     : k == 25 && strncasecmp(at, "application/x-flatbuffers", 25) == 0 ? INTEROP_CODEC_FLATBUFFERS
                                                                                   : 0;
  return 0;
}

static int on_headers_complete(http_parser *p) {
  hconn *hc = of(p);
  if (hc->f.kind == INTEROP_FRAME_SUBSCRIBE && p->status_code == 200) { /* subscribed: events follow */
    hc->sse = true;
    deliver(hc->client, INTEROP_FRAME_RESPONSE, INTEROP_CODEC_JSON, hc->f.correlation, hc->target, NULL, 0);
  }
  return 0;
}

/* One line of text/event-stream (the WHATWG format): `event:` and `data:`, an event per blank line. */
static void sse_line(hconn *hc, const char *line, size_t n) {
  if (n == 0) {
    if (hc->data.len > 0 || hc->event[0] != '\0') {
      char target[400];
      size_t dot = strlen(hc->target);
      while (dot > 0 && hc->target[dot - 1] != '.') dot--;
      snprintf(target, sizeof target, "%.*s%s", (int)dot, hc->target, hc->event[0] != '\0' ? hc->event : "message");
      deliver(hc->client, INTEROP_FRAME_EVENT, INTEROP_CODEC_JSON, 0, target, hc->data.data, hc->data.len);
    }
    hc->event[0] = '\0';
    hc->data.len = 0;
    return;
  }
  if (line[0] == ':') return;
  const char *colon = memchr(line, ':', n);
  size_t name = colon != NULL ? (size_t)(colon - line) : n;
  const char *v = colon != NULL ? colon + 1 : line + n;
  if (v < line + n && *v == ' ') v++;
  size_t vn = (size_t)(line + n - v);
  if (name == 5 && memcmp(line, "event", 5) == 0) snprintf(hc->event, sizeof hc->event, "%.*s", (int)vn, v);
  else if (name == 4 && memcmp(line, "data", 4) == 0) {
    if (hc->data.len > 0) interop_buf_byte(&hc->data, '\n');
    interop_buf_put(&hc->data, v, vn);
  }
}

static int on_body(http_parser *p, const char *at, size_t n) {
  hconn *hc = of(p);
  interop_buf_put(&hc->body, at, n);
  if (hc->body.len > 4 + (size_t)hc->client->node->limits.max_frame_bytes) return 1; /* the connection closes */
  if (!hc->sse) return 0;
  size_t start = 0;
  for (size_t i = 0; i < hc->body.len; i++) {
    if (hc->body.data[i] != '\n') continue;
    size_t end = i > start && hc->body.data[i - 1] == '\r' ? i - 1 : i;
    sse_line(hc, (const char *)hc->body.data + start, end - start);
    start = i + 1;
  }
  memmove(hc->body.data, hc->body.data + start, hc->body.len - start);
  hc->body.len -= start;
  return 0;
}

static int on_message_complete(http_parser *p) {
  hconn *hc = of(p);
  http_client *cl = hc->client;
  unsigned status = p->status_code;
  const interop_frame *f = &hc->f;
  if (hc->sse) return 1; /* the node ended the event stream: it went away */
  if (f->kind == INTEROP_FRAME_ONEWAY) {
    /* 202, or a refusal the node counted */
  } else if (status >= 200 && status < 300) {
    uint8_t kind = f->kind == INTEROP_FRAME_HELLO ? INTEROP_FRAME_WELCOME : f->kind == INTEROP_FRAME_PING ? INTEROP_FRAME_PONG : INTEROP_FRAME_RESPONSE;
    uint8_t codec = kind == INTEROP_FRAME_WELCOME ? INTEROP_CODEC_JSON : kind == INTEROP_FRAME_PONG ? INTEROP_CODEC_NONE : status == 204 || hc->answer_codec == 0 ? f->codec : hc->answer_codec;
    deliver(cl, kind, codec, f->correlation, hc->target, hc->body.data, hc->body.len);
  } else if (hc->answer_codec != 0) {
    deliver(cl, INTEROP_FRAME_ERROR, hc->answer_codec, f->correlation, hc->target, hc->body.data, hc->body.len);
  } else { /* not an interop answer (a proxy's page, say): its status in words */
    char why[300];
    size_t line = 0; /* its first line, at most 200 bytes */
    while (line < hc->body.len && line < 200 && hc->body.data[line] != '\r' && hc->body.data[line] != '\n') line++;
    snprintf(why, sizeof why, "HTTP %u %s%s%.*s", status, http_status_str((enum http_status)status), line > 0 ? ": " : "", (int)line,
             line > 0 ? (const char *)hc->body.data : "");
    interop_code code = status == 401 ? INTEROP_UNAUTHENTICATED : status == 403 ? INTEROP_PERMISSION_DENIED : status == 404 ? INTEROP_NOT_FOUND
                        : status == 413 ? INTEROP_RESOURCE_EXHAUSTED : status == 429 || (status >= 502 && status <= 504) ? INTEROP_UNAVAILABLE : INTEROP_UNKNOWN;
    deliver_error(cl, hc, code, why);
  }
  hc->busy = false;
  hc->body.len = 0;
  if (f->kind == INTEROP_FRAME_HELLO || !http_should_keep_alive(p)) hconn_close(hc);
  return 0;
}

static const http_parser_settings SETTINGS = {.on_header_field = on_header_field, .on_header_value = on_header_value,
                                              .on_headers_complete = on_headers_complete, .on_body = on_body,
                                              .on_message_complete = on_message_complete};

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
  (void)h;
  b->base = malloc(suggested);
  b->len = b->base == NULL ? 0 : suggested;
}

/* A request's connection failed or ended early: for the HELLO its answer, else the connection's end. */
static void hconn_failed(hconn *hc, const char *why) {
  http_client *cl = hc->client;
  bool was_busy = hc->busy;
  if (hc->f.kind == INTEROP_FRAME_HELLO && was_busy) {
    char message[400];
    snprintf(message, sizeof message, "cannot connect to %s://%s: %s", cl->scheme, cl->hostport, why);
    deliver_error(cl, hc, INTEROP_UNAVAILABLE, message);
  }
  hconn_close(hc);
  if (was_busy && hc->f.kind != INTEROP_FRAME_ONEWAY) client_close(cl);
}

static void on_net_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b) {
  hconn *hc = s->data;
  if (nread == 0) return free(b->base); /* nothing read (EAGAIN): a length of 0 would tell the parser "end" */
  if (nread < 0) {
    free(b->base);
    http_parser_execute(&hc->parser, &SETTINGS, NULL, 0);
    return hconn_failed(hc, uv_strerror((int)nread));
  }
  char *plain = b->base, why[400];
  if (hc->tls != NULL) { /* https://: the answer's bytes once decrypted */
    nread = tls_conn_read(hc->tls, b->base, (size_t)nread, &plain, why, sizeof why);
    free(b->base);
    if (nread == TLS_FAILED) return hconn_failed(hc, why);
    if (nread == TLS_CLOSED) {
      http_parser_execute(&hc->parser, &SETTINGS, NULL, 0);
      return hconn_failed(hc, uv_strerror(UV_EOF));
    }
    if (nread == 0) return;
  }
  size_t used = http_parser_execute(&hc->parser, &SETTINGS, plain, (size_t)nread);
  free(plain);
  if (hc->closing) return;
  if (used != (size_t)nread || HTTP_PARSER_ERRNO(&hc->parser) != HPE_OK) hconn_failed(hc, "the node's answer did not parse");
}

static void on_connected(uv_connect_t *req, int status) {
  hconn *hc = req->data;
  free(req);
  if (hc->closing) return;
  if (status != 0) return hconn_failed(hc, uv_strerror(status));
  hc->connected = true;
  uv_tcp_nodelay(&hc->tcp, 1);
  if (hc->client->tls != NULL && (hc->tls = tls_conn_new(hc->client->tls, false, hc->client->host, hconn_send, hc)) == NULL)
    return hconn_failed(hc, "out of memory");
  uv_read_start((uv_stream_t *)&hc->tcp, on_alloc, on_net_read);
  hconn_write(hc, hc->req.data, hc->req.len);
}

/* Sends the frame `f` as its request on an idle kept-alive connection, or a new one. */
static void send_request(http_client *cl, const interop_frame *f) {
  hconn *hc = NULL;
  if (f->kind != INTEROP_FRAME_HELLO)
    for (hconn *c = cl->conns; c != NULL && hc == NULL; c = c->next)
      if (!c->busy && c->connected && c->f.kind != INTEROP_FRAME_HELLO) hc = c;
  if (hc == NULL) {
    hc = calloc(1, sizeof *hc);
    uv_connect_t *req = malloc(sizeof *req);
    if (hc == NULL || req == NULL) return free(hc), free(req), client_close(cl);
    hc->client = cl;
    uv_tcp_init(cl->node->loop, &hc->tcp);
    hc->tcp.data = hc;
    cl->handles++;
    hc->next = cl->conns;
    cl->conns = hc;
    req->data = hc;
    if (uv_tcp_connect(req, &hc->tcp, (const struct sockaddr *)&cl->sa, on_connected) != 0) {
      free(req);
      hc->busy = true;
      hc->f = *f;
      snprintf(hc->target, sizeof hc->target, "%.*s", (int)(f->target_len < 259 ? f->target_len : 259), f->target);
      return hconn_failed(hc, "cannot connect");
    }
  }
  http_parser_init(&hc->parser, HTTP_RESPONSE);
  hc->parser.data = hc;
  hc->busy = true;
  hc->sse = hc->after_value = false;
  hc->field[0] = '\0';
  hc->answer_codec = 0;
  hc->f = *f;
  snprintf(hc->target, sizeof hc->target, "%.*s", (int)(f->target_len < 259 ? f->target_len : 259), f->target);
  hc->f.target = hc->target;
  hc->f.payload = NULL;
  char head[2048], path[600];
  const char *type = f->codec == INTEROP_CODEC_MSGPACK    ? "application/msgpack"
                     : f->codec == INTEROP_CODEC_PROTOBUF ? "application/x-protobuf"
                     : f->codec == INTEROP_CODEC_FLATBUFFERS ? "application/x-flatbuffers"
                                                          : "application/json";
  if (f->kind == INTEROP_FRAME_HELLO) snprintf(path, sizeof path, "/.well-known/interop/hello");
  else if (f->kind == INTEROP_FRAME_PING) snprintf(path, sizeof path, "/.well-known/interop/ping"), type = "application/octet-stream";
  else {
    size_t dot = strlen(hc->target);
    while (dot > 0 && hc->target[dot - 1] != '.') dot--;
    snprintf(path, sizeof path, "/%.*s/%s", dot > 0 ? (int)dot - 1 : 0, hc->target, hc->target + dot);
  }
  char auth[600] = "", deadline[48] = "";
  if (cl->has_token) snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", cl->token);
  if (f->timeout_ms > 0) snprintf(deadline, sizeof deadline, "Interop-Timeout-Ms: %u\r\n", f->timeout_ms);
  int n = f->kind == INTEROP_FRAME_SUBSCRIBE
              ? snprintf(head, sizeof head, "GET %s%s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n%s\r\n", cl->prefix, path, cl->hostport, auth)
              : snprintf(head, sizeof head, "POST %s%s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s%s%s\r\n", cl->prefix,
                         path, cl->hostport, type, f->payload_len, deadline, auth, f->kind == INTEROP_FRAME_HELLO ? "Connection: close\r\n" : "");
  hc->req.len = 0;
  interop_buf_put(&hc->req, head, (size_t)n < sizeof head ? (size_t)n : sizeof head - 1);
  if (f->kind != INTEROP_FRAME_SUBSCRIBE) interop_buf_put(&hc->req, f->payload, f->payload_len);
  if (hc->connected) hconn_write(hc, hc->req.data, hc->req.len);
}

/* Aborts the request of exchange `id` (CANCEL), or the event stream of `target` (UNSUBSCRIBE). */
static void abort_request(http_client *cl, uint32_t id, const interop_frame *unsub) {
  for (hconn *hc = cl->conns; hc != NULL; hc = hc->next) {
    if (!hc->busy) continue;
    bool match = unsub != NULL ? hc->sse && strlen(hc->target) == unsub->target_len && memcmp(hc->target, unsub->target, unsub->target_len) == 0
                               : hc->f.correlation == id && hc->f.kind == INTEROP_FRAME_REQUEST;
    if (match) {
      hc->busy = false;
      return hconn_close(hc);
    }
  }
}

static void on_frame(http_client *cl, const interop_frame *f) {
  switch (f->kind) {
  case INTEROP_FRAME_HELLO: {
    cJSON *doc = cJSON_ParseWithLength((const char *)f->payload, f->payload_len);
    const cJSON *token = cJSON_GetObjectItemCaseSensitive(doc, "token");
    cl->has_token = cJSON_IsString(token);
    snprintf(cl->token, sizeof cl->token, "%s", cl->has_token ? token->valuestring : "");
    cJSON_Delete(doc);
    return send_request(cl, f);
  }
  case INTEROP_FRAME_REQUEST:
    if (f->flags != 0) { /* a stream: answered here, before anything is sent (ADR 0023) */
      char why[400], target[260];
      snprintf(target, sizeof target, "%.*s", (int)(f->target_len < 259 ? f->target_len : 259), f->target);
      snprintf(why, sizeof why, "%s is a stream function: streams are not carried over HTTP; call it over ws:// (or another transport)", target);
      hconn fake = {.f = *f};
      snprintf(fake.target, sizeof fake.target, "%s", target);
      return deliver_error(cl, &fake, INTEROP_UNIMPLEMENTED, why);
    }
    /* fall through */
  case INTEROP_FRAME_ONEWAY:
  case INTEROP_FRAME_PING:
  case INTEROP_FRAME_SUBSCRIBE:
    return send_request(cl, f);
  case INTEROP_FRAME_CANCEL:
    return abort_request(cl, f->correlation, NULL);
  case INTEROP_FRAME_UNSUBSCRIBE:
    return abort_request(cl, 0, f);
  case INTEROP_FRAME_GOODBYE:
    return client_close(cl);
  default:
    return; /* a stream's items and credit: its REQUEST was refused above */
  }
}

static void on_local_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b) {
  http_client *cl = s->data;
  if (nread > 0) interop_frame_decoder_push(&cl->dec, (const uint8_t *)b->base, (size_t)nread);
  free(b->base);
  if (nread < 0) return client_close(cl);
  interop_frame f;
  interop_error err;
  while (!cl->closing && interop_frame_decoder_next(&cl->dec, &f, &err) == 1) on_frame(cl, &f);
}

const char *http_dial(interop_node *node, const char *address, conn *c) {
  http_client *cl = calloc(1, sizeof *cl);
  if (cl == NULL) return "out of memory";
  const char *path;
  if (ws_parse_address(address, &cl->sa, cl->hostport, sizeof cl->hostport, &path) != 0) {
    free(cl);
    return "not an http://host:port[/path] address with a numeric host";
  }
  bool failed;
  if ((cl->tls = ws_dial_tls(node, address, c, &failed)), failed) {
    free(cl);
    return node->dial_why;
  }
  snprintf(cl->scheme, sizeof cl->scheme, "%s", cl->tls != NULL ? "https" : "http");
  ws_host_name(cl->hostport, cl->host, sizeof cl->host); /* the name or address the certificate must be for */
  snprintf(cl->prefix, sizeof cl->prefix, "%s", strcmp(path, "/") == 0 ? "" : path);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    tls_ctx_free(cl->tls);
    free(cl);
    return "cannot make the connection's socketpair";
  }
  cl->node = node;
  interop_frame_decoder_init(&cl->dec, UINT32_MAX); /* this node's own frames: not a peer's limits */
  uv_pipe_init(node->loop, &cl->local, 0);
  cl->local.data = cl;
  cl->handles = 1;
  uv_pipe_open(&cl->local, sv[1]);
  uv_pipe_init(node->loop, &c->h.pipe, 0);
  c->in_stream = (uv_stream_t *)&c->h.pipe;
  uv_pipe_open(&c->h.pipe, sv[0]);
  uv_read_start((uv_stream_t *)&cl->local, on_alloc, on_local_read);
  conn_start(c); /* its HELLO is the first request: nothing to dial before */
  return NULL;
}
