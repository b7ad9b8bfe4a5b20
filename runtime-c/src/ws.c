/* WebSocket (ws://) for runtime-c (docs/transports.md "WebSocket", ADR 0024): one frame per binary
 * message, as in TS and Python. wslay (Debian's libwslay) does the RFC 6455 framing: masking,
 * fragments, ping/pong and the closing handshake; this file does the opening handshake (HTTP/1.1
 * upgrade, the Host and Origin checks of a web listener) and moves bytes.
 *
 * A WebSocket connection is a "ws link": the network socket on one side, and on the other one end
 * of a socketpair whose other end is an ordinary connection (conn.c), which therefore reads and
 * writes a plain stream of frames, as over unix: and tcp://. The link cuts that stream into one
 * message per frame (the 4-byte length says where a frame ends), and passes the payload bytes of
 * the binary messages it receives into the stream as they arrive, unbuffered, so the connection's
 * own checks apply as over TCP: max_frame_bytes on a frame's length, frame_timeout_ms on a frame
 * that trickles in. Either side closing closes the other.
 *
 * The listener is a web listener, for ws:// and http:// addresses alike: a connection whose first
 * request is not an upgrade becomes an HTTP link (http.c) with the same plumbing. With wss:// and
 * https://, what goes over the TCP socket is encrypted and decrypted by tls.c (ADR 0031), below
 * everything else here. */
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <wslay/wslay.h>
#include "transport.h"
#include "ws.h"

#define HEAD_MAX 16384             /* request or response headers, as TS and Python (431 beyond) */
#define WRITE_HIGH (4u << 20)      /* bytes queued to the network before the connection's side waits */
static const char GUID[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

typedef struct ws_write {
  uv_write_t req;
  ws_link *w;
  uint8_t data[];
} ws_write;

bool ws_is_address(const char *a) { return strncmp(a, "ws://", 5) == 0 || strncmp(a, "wss://", 6) == 0; }
bool http_is_address(const char *a) { return strncmp(a, "http://", 7) == 0 || strncmp(a, "https://", 8) == 0; }
bool ws_is_tls_address(const char *a) { return strncmp(a, "wss://", 6) == 0 || strncmp(a, "https://", 8) == 0; }

static void resume_local(ws_link *w);

/* ---- teardown ---- */

void ws_handle_closed(uv_handle_t *h) {
  ws_link *w = h->data;
  if (--w->handles > 0) return;
  if (w->ws != NULL) wslay_event_context_free(w->ws);
  if (w->http != NULL) http_free(w);
  tls_conn_free(w->tls);
  interop_buf_free(&w->head);
  interop_buf_free(&w->net);
  interop_buf_free(&w->frames);
  free(w);
}

/* Closes the network side, the connection's side (which then sees end of stream) and the timer. */
void ws_link_close(ws_link *w) {
  if (w->closing) return;
  w->closing = true;
  uv_timer_stop(&w->timer);
  uv_close((uv_handle_t *)&w->timer, ws_handle_closed);
  uv_close((uv_handle_t *)&w->tcp, ws_handle_closed);
  if (w->http != NULL) http_close(w);
  if (w->local_open) uv_close((uv_handle_t *)&w->local, ws_handle_closed);
  w->local_open = false;
}

/* A dial that did not open: the waiting connection fails its calls with UNAVAILABLE (as tcp://). */
static void dial_failed(ws_link *w, const char *why) {
  conn *c = w->dialing;
  w->dialing = NULL;
  if (c != NULL) {
    c->in_stream->data = c;
    node_add_conn(c->node, c);
    interop_error e;
    interop_error_set(&e, INTEROP_UNAVAILABLE, "%s", why);
    if (c->on_open != NULL) c->on_open(c, INTEROP_UNAVAILABLE, &e);
    c->on_open = NULL;
    conn_close(c, why);
  }
  ws_link_close(w);
}

static void on_handshake_timeout(uv_timer_t *t);

static void on_shutdown(uv_shutdown_t *req, int status) {
  (void)status;
  ws_link *w = req->data;
  free(req);
  if (!w->closing && (w->server ? !w->open || w->http != NULL : w->open)) {
    /* A server's refusal, or a client's close frame: the peer closes the TCP connection, as
     * RFC 6455 §7.1.1 has it. Read (and drop) what it still sends until then, for at most
     * handshake_timeout_ms, so that closing with unread bytes does not reset the connection
     * before the peer has read our answer. HTTP answers linger likewise (a 413 before the body). */
    uv_timer_start(&w->timer, on_handshake_timeout, w->node->limits.handshake_timeout_ms, 0);
    return;
  }
  ws_link_close(w);
}

/* After the close frame or a refusal went out: let the queued bytes leave, then close. */
void ws_finish(ws_link *w) {
  if (w->finishing || w->closing) return;
  w->finishing = true;
  uv_timer_stop(&w->timer);
  if (w->tls != NULL) tls_conn_close_notify(w->tls);
  uv_shutdown_t *req = malloc(sizeof *req);
  if (req == NULL) return ws_link_close(w);
  req->data = w;
  if (uv_shutdown(req, (uv_stream_t *)&w->tcp, on_shutdown) != 0) {
    free(req);
    ws_link_close(w);
  }
}

/* ---- writing to the network ---- */

static void on_net_written(uv_write_t *req, int status) {
  ws_write *wr = (ws_write *)req;
  ws_link *w = wr->w;
  free(wr);
  if (status != 0) return ws_link_close(w);
  /* The connection's side waits while too much is queued for a slow peer (its flow control). */
  if (w->local_paused && w->local_open && w->tcp.write_queue_size < WRITE_HIGH / 2) {
    w->local_paused = false;
    resume_local(w);
  }
}

/* Bytes to the TCP socket as they are (ciphertext, with TLS). */static int raw_write(ws_link *w, const void *p, size_t n) {
  ws_write *wr = malloc(sizeof *wr + n);
  if (wr == NULL) return -1;
  memcpy(wr->data, p, n);
  wr->w = w;
  uv_buf_t b = uv_buf_init((char *)wr->data, (unsigned)n);
  if (uv_write(&wr->req, (uv_stream_t *)&w->tcp, &b, 1, on_net_written) != 0) {
    free(wr);
    return -1;
  }
  return 0;
}

static int tls_send(void *w, const void *p, size_t n) { return raw_write(w, p, n); }

int ws_net_write(ws_link *w, const void *p, size_t n) { return w->tls != NULL ? tls_conn_write(w->tls, p, n) : raw_write(w, p, n); }

/* An HTTP answer with an error envelope (docs/wire.md §4) as its JSON body, then close. */
static void refuse(ws_link *w, int status, const char *reason, interop_code code, const char *message) {
  interop_error e;
  interop_error_set(&e, code, "%s", message);
  interop_buf body = INTEROP_BUF_INIT, out = INTEROP_BUF_INIT;
  interop_error err;
  interop_envelope_encode(&e, INTEROP_CODEC_JSON, 64, &body, &err);
  char head[256];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                   status, reason, body.len);
  interop_buf_put(&out, head, (size_t)n);
  interop_buf_put(&out, body.data, body.len);
  if (!out.failed) ws_net_write(w, out.data, out.len);
  interop_buf_free(&body);
  interop_buf_free(&out);
  ws_finish(w);
}

/* ---- wslay's callbacks ---- */

static ssize_t on_ws_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user) {
  (void)flags;
  ws_link *w = user;
  size_t n = w->net.len - w->net_pos;
  if (n == 0) {
    wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
    return -1;
  }
  if (n > len) n = len;
  memcpy(buf, w->net.data + w->net_pos, n);
  w->net_pos += n;
  return (ssize_t)n;
}

static ssize_t on_ws_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *user) {
  (void)flags;
  if (ws_net_write(user, data, len) != 0) {
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
  }
  return (ssize_t)len;
}

static int on_ws_genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user) {
  (void)ctx, (void)user;
  return uv_random(NULL, NULL, buf, len, 0, NULL) == 0 ? 0 : -1;
}

static void on_local_written(uv_write_t *req, int status) {
  (void)status; /* a connection that is gone shows as the end of the stream */
  free(req);
}

void ws_local_write(ws_link *w, const uint8_t *p, size_t n) {
  ws_write *wr = malloc(sizeof *wr + n);
  if (wr == NULL) return ws_link_close(w);
  memcpy(wr->data, p, n);
  wr->w = w;
  uv_buf_t b = uv_buf_init((char *)wr->data, (unsigned)n);
  if (uv_write(&wr->req, (uv_stream_t *)&w->local, &b, 1, on_local_written) != 0) free(wr);
}

static void on_ws_frame_start(wslay_event_context_ptr ctx, const struct wslay_event_on_frame_recv_start_arg *f, void *user) {
  ws_link *w = user;
  w->control = (f->opcode & 0x8) != 0;
  if (w->control || f->opcode == WSLAY_CONTINUATION_FRAME) return;
  w->opcode = f->opcode;
  if (f->opcode != WSLAY_BINARY_FRAME && !wslay_event_get_close_sent(ctx)) {
    /* Frames travel in binary messages only: a text message is refused as a bad frame (as TS). */
    node_count(w->node, INTEROP_REJECTED_FRAMES);
    static const char why[] = "frames travel in binary messages";
    wslay_event_queue_close(ctx, WSLAY_CODE_UNSUPPORTED_DATA, (const uint8_t *)why, sizeof why - 1);
  }
}

static void on_ws_chunk(wslay_event_context_ptr ctx, const struct wslay_event_on_frame_recv_chunk_arg *chunk, void *user) {
  ws_link *w = user;
  if (!w->control && w->opcode == WSLAY_BINARY_FRAME && w->local_open && !wslay_event_get_close_sent(ctx))
    ws_local_write(w, chunk->data, chunk->data_length);
}

static const struct wslay_event_callbacks CALLBACKS = {on_ws_recv, on_ws_send, on_ws_genmask, on_ws_frame_start, on_ws_chunk, NULL, NULL};

/* The settings of both sides: messages streamed through, at most 4 + max_frame_bytes each. */
static void configure(ws_link *w) {
  wslay_event_config_set_no_buffering(w->ws, 1);
  wslay_event_config_set_max_recv_msg_length(w->ws, 4 + (uint64_t)w->node->limits.max_frame_bytes);
}

/* After bytes moved either way: send what wslay queued, and close once the WebSocket is closed. */
static void pump(ws_link *w) {
  if (w->closing) return;
  if (wslay_event_want_write(w->ws) && wslay_event_send(w->ws) != 0) return ws_link_close(w);
  if (!w->counted_big && wslay_event_get_status_code_sent(w->ws) == WSLAY_CODE_MESSAGE_TOO_BIG) {
    w->counted_big = true; /* a message over 4 + max_frame_bytes, refused before it was buffered */
    node_count(w->node, INTEROP_REJECTED_FRAMES);
  }
  bool peer_done = wslay_event_get_close_received(w->ws) || !wslay_event_get_read_enabled(w->ws);
  if (peer_done && w->local_open) { /* the connection sees the end of its stream */
    w->local_open = false;
    uv_close((uv_handle_t *)&w->local, ws_handle_closed);
  }
  if (wslay_event_get_close_sent(w->ws) && !wslay_event_want_write(w->ws)) ws_finish(w);
}

/* ---- the connection's side ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
  (void)h;
  b->base = malloc(suggested);
  b->len = b->base == NULL ? 0 : suggested;
}

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static void on_local_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b) {
  ws_link *w = s->data;
  if (w->http != NULL) { /* frames from the connection become HTTP answers */
    if (nread > 0) http_on_local(w, (const uint8_t *)b->base, (size_t)nread, false);
    free(b->base);
    if (nread < 0 && w->local_open) {
      w->local_open = false;
      uv_close((uv_handle_t *)&w->local, ws_handle_closed);
      http_on_local(w, NULL, 0, true);
    }
    return;
  }
  if (nread < 0) { /* the connection closed: close the WebSocket */
    free(b->base);
    if (w->local_open) {
      w->local_open = false;
      uv_close((uv_handle_t *)&w->local, ws_handle_closed);
    }
    if (!w->closing && !wslay_event_get_close_sent(w->ws)) wslay_event_queue_close(w->ws, WSLAY_CODE_NORMAL_CLOSURE, NULL, 0);
    return pump(w);
  }
  interop_buf_put(&w->frames, b->base, (size_t)nread);
  free(b->base);
  size_t at = 0;
  while (w->frames.len - at >= 4 && w->frames.len - at >= 4 + (size_t)rd32(w->frames.data + at)) {
    size_t n = 4 + (size_t)rd32(w->frames.data + at);
    struct wslay_event_msg msg = {WSLAY_BINARY_FRAME, w->frames.data + at, n};
    if (wslay_event_queue_msg(w->ws, &msg) != 0) break;
    at += n;
  }
  memmove(w->frames.data, w->frames.data + at, w->frames.len - at);
  w->frames.len -= at;
  pump(w);
  if (!w->closing && w->local_open && w->tcp.write_queue_size > WRITE_HIGH) {
    w->local_paused = true;
    uv_read_stop((uv_stream_t *)&w->local);
  }
}

static void resume_local(ws_link *w) { uv_read_start((uv_stream_t *)&w->local, on_alloc, on_local_read); }

static void on_net_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);

void ws_read_net(ws_link *w, bool on) {
  if (on) uv_read_start((uv_stream_t *)&w->tcp, on_alloc, on_net_read);
  else uv_read_stop((uv_stream_t *)&w->tcp);
}

/* The WebSocket is open: make the socketpair, give one end to `c`, start it, and read both sides. */
static int open_link(ws_link *w, conn *c) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return -1;
  uv_pipe_init(w->node->loop, &w->local, 0);
  w->local.data = w;
  w->handles++;
  w->local_open = true;
  if (uv_pipe_open(&w->local, sv[1]) != 0 || uv_pipe_open(&c->h.pipe, sv[0]) != 0) return -1;
  w->open = true;
  uv_timer_stop(&w->timer);
  conn_start(c);
  uv_read_start((uv_stream_t *)&w->local, on_alloc, on_local_read);
  return 0;
}

/* ---- the opening handshake ---- */

/* The value of header `name` in `head` (CRLF lines), copied into out; false when absent. */
bool ws_header(const char *head, const char *name, char *out, size_t cap) {
  size_t n = strlen(name);
  for (const char *p = strstr(head, "\r\n"); p != NULL && p[2] != '\r'; p = strstr(p + 2, "\r\n")) {
    const char *line = p + 2;
    if (strncasecmp(line, name, n) != 0 || line[n] != ':') continue;
    const char *v = line + n + 1, *end = strstr(v, "\r\n");
    while (*v == ' ' || *v == '\t') v++;
    size_t len = (size_t)(end - v);
    while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t')) len--;
    if (len >= cap) len = cap - 1;
    memcpy(out, v, len);
    out[len] = '\0';
    return true;
  }
  return false;
}

/* Whether a comma-separated header value lists `token` (without case). */
static bool has_token(const char *list, const char *token) {
  size_t n = strlen(token);
  for (const char *p = list; *p != '\0';) {
    while (*p == ' ' || *p == ',') p++;
    size_t len = strcspn(p, ", ");
    if (len == n && strncasecmp(p, token, n) == 0) return true;
    p += len;
  }
  return false;
}

static void accept_value(const char *key, char out[32]) {
  char text[128];
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  snprintf(text, sizeof text, "%s%s", key, GUID);
  EVP_Digest(text, strlen(text), digest, &n, EVP_sha1(), NULL);
  interop_buf b = INTEROP_BUF_INIT;
  interop_base64_encode(&b, digest, n);
  snprintf(out, 32, "%.*s", (int)b.len, (const char *)b.data);
  interop_buf_free(&b);
}

/* The connection of an accepted web link (a WebSocket, or an HTTP connection's first interop
 * request): a responder of the listener, counted against its max_connections. */
int ws_accept_conn(ws_link *w) {
  conn *c = conn_new(w->node, false);
  if (c == NULL) return -1;
  listener *l = w->l;
  c->control_only = l->control_only;
  uv_pipe_init(w->node->loop, &c->h.pipe, 0);
  c->in_stream = (uv_stream_t *)&c->h.pipe;
  c->listener = l;
  l->open++;
  if (open_link(w, c) != 0) {
    conn_start(c);
    conn_close(c, "cannot make the connection's socketpair");
    return -1;
  }
  return 0;
}

static void server_handshake(ws_link *w, const char *head) {
  char upgrade[64] = "", connection[256] = "", version[16] = "", key[64] = "", why[700];
  ws_header(head, "Upgrade", upgrade, sizeof upgrade);
  ws_header(head, "Connection", connection, sizeof connection);
  ws_header(head, "Sec-WebSocket-Version", version, sizeof version);
  ws_header(head, "Sec-WebSocket-Key", key, sizeof key);
  listener *l = w->l;
  if (l->open >= w->node->limits.max_connections) {
    node_count(w->node, INTEROP_REJECTED_CONNECTIONS);
    snprintf(why, sizeof why, "listener %s has max_connections (%u) connections open", l->address, w->node->limits.max_connections);
    return refuse(w, 503, "Service Unavailable", INTEROP_RESOURCE_EXHAUSTED, why);
  }
  if (upgrade[0] == '\0') { /* HTTP requests: http.c checks each (Host, Origin, the rest) */
    if (http_start(w) != 0) ws_link_close(w);
    return;
  }
  char host[256], origin[512];
  bool has_origin = ws_header(head, "Origin", origin, sizeof origin);
  const char *refused = ws_refusal(w, ws_header(head, "Host", host, sizeof host) ? host : NULL, has_origin ? origin : NULL, why, sizeof why);
  if (refused != NULL) return refuse(w, 403, "Forbidden", INTEROP_PERMISSION_DENIED, refused);
  size_t klen = strlen(key);
  bool key_ok = klen == 24 && strcmp(key + 22, "==") == 0 && strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") == 22;
  if (strncmp(head, "GET ", 4) != 0 || strcasecmp(upgrade, "websocket") != 0 || !has_token(connection, "upgrade") ||
      strcmp(version, "13") != 0 || !key_ok) {
    node_count(w->node, INTEROP_REJECTED_HANDSHAKES);
    return refuse(w, 400, "Bad Request", INTEROP_PROTOCOL_ERROR, "not a WebSocket version 13 upgrade");
  }
  char accept[32], answer[256];
  accept_value(key, accept);
  int n = snprintf(answer, sizeof answer,
                   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
  if (wslay_event_context_server_init(&w->ws, &CALLBACKS, w) != 0 || ws_net_write(w, answer, (size_t)n) != 0) return ws_link_close(w);
  configure(w);
  if (ws_accept_conn(w) != 0) ws_link_close(w);
}

static void client_handshake(ws_link *w, const char *head) {
  char accept[64] = "", expected[32], why[400];
  if (strncmp(head, "HTTP/1.1 101", 12) != 0) {
    const char *eol = strstr(head, "\r\n"), *body = strstr(head, "\r\n\r\n") + 4;
    size_t extra = w->head.len - (size_t)((const uint8_t *)body - w->head.data);
    snprintf(why, sizeof why, "WebSocket handshake refused: %.*s%s%.*s", (int)(eol - head), head, extra > 0 ? ": " : "",
             (int)(extra > 200 ? 200 : extra), body);
    return dial_failed(w, why);
  }
  accept_value(w->key, expected);
  if (!ws_header(head, "Sec-WebSocket-Accept", accept, sizeof accept) || strcmp(accept, expected) != 0)
    return dial_failed(w, "WebSocket handshake: the server's Sec-WebSocket-Accept does not match the key");
  if (wslay_event_context_client_init(&w->ws, &CALLBACKS, w) != 0) return dial_failed(w, "out of memory");
  configure(w);
  conn *c = w->dialing;
  w->dialing = NULL;
  if (open_link(w, c) != 0) {
    w->dialing = c;
    dial_failed(w, "cannot make the connection's socketpair");
  }
}

/* Bytes from the network (plaintext: decrypted first with TLS), in `base`, which this frees. */
static void on_net_bytes(ws_link *w, ssize_t nread, char *base) {
  if (w->http != NULL) { /* HTTP requests (http.c); dropped while the answer is lingering out */
    if (nread > 0 && !w->finishing) interop_buf_put(&w->net, base, (size_t)nread);
    free(base);
    if (nread < 0) return w->finishing ? ws_link_close(w) : http_on_net(w, true);
    if (!w->finishing) http_on_net(w, false);
    return;
  }
  if (nread < 0) {
    free(base);
    if (!w->open) return w->server ? ws_link_close(w) : dial_failed(w, "the server closed the connection during the WebSocket handshake");
    return ws_link_close(w); /* the peer is gone (with or without a close frame): the connection ends too */
  }
  if (w->open) {
    if (w->net_pos == w->net.len) w->net_pos = w->net.len = 0;
    interop_buf_put(&w->net, base, (size_t)nread);
    free(base);
    if (wslay_event_recv(w->ws) != 0) return ws_link_close(w);
    return pump(w);
  }
  if (w->answered) return free(base); /* refused: only the answer is left to send */
  interop_buf_put(&w->head, base, (size_t)nread);
  free(base);
  interop_buf_byte(&w->head, 0); /* a C string while searching; removed below */
  w->head.len--;
  const char *text = (const char *)w->head.data, *end = strstr(text, "\r\n\r\n");
  size_t used = end != NULL ? (size_t)(end + 4 - text) : w->head.len;
  if (used > HEAD_MAX) { /* complete or not */
    if (!w->server) return dial_failed(w, "WebSocket handshake: the answer's headers are over 16 KiB");
    w->answered = true;
    return refuse(w, 431, "Request Header Fields Too Large", INTEROP_PROTOCOL_ERROR, "bad HTTP request: headers over 16 KiB");
  }
  if (end == NULL) return;
  w->answered = true;
  if (w->server) server_handshake(w, text);
  else client_handshake(w, text);
  if (w->http != NULL && !w->closing) { /* the HTTP parser reads the request from its first byte */
    interop_buf_put(&w->net, w->head.data, w->head.len);
    return http_on_net(w, false);
  }
  if (w->open && w->head.len > used) { /* bytes after the headers are the WebSocket's */
    interop_buf_put(&w->net, w->head.data + used, w->head.len - used);
    if (wslay_event_recv(w->ws) != 0) return ws_link_close(w);
    pump(w);
  }
}

/* A TLS handshake (or record) that failed: an untrusted certificate, a plaintext peer. */
static void tls_failed(ws_link *w, const char *why) {
  if (!w->server && !w->open) return dial_failed(w, why);
  if (w->server && !w->answered) node_count(w->node, INTEROP_REJECTED_HANDSHAKES);
  ws_link_close(w);
}

static void on_net_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b) {
  ws_link *w = s->data;
  if (w->tls == NULL || nread <= 0) return on_net_bytes(w, nread, b->base);
  char *plain, why[400];
  ssize_t n = tls_conn_read(w->tls, b->base, (size_t)nread, &plain, why, sizeof why);
  free(b->base);
  if (n == TLS_FAILED) return tls_failed(w, why);
  if (n == TLS_CLOSED) return on_net_bytes(w, UV_EOF, NULL);
  if (n > 0) on_net_bytes(w, n, plain);
}

static void on_handshake_timeout(uv_timer_t *t) {
  ws_link *w = t->data;
  if (w->finishing) return ws_link_close(w); /* the end of lingering after a refusal or a close */
  if (w->server) {
    node_count(w->node, INTEROP_REJECTED_HANDSHAKES);
    return ws_link_close(w);
  }
  dial_failed(w, "WebSocket handshake: no answer within handshake_timeout_ms");
}

static ws_link *link_new(interop_node *node) {
  ws_link *w = calloc(1, sizeof *w);
  if (w == NULL) return NULL;
  w->node = node;
  uv_tcp_init(node->loop, &w->tcp);
  uv_timer_init(node->loop, &w->timer);
  w->tcp.data = w->timer.data = w;
  w->handles = 2;
  uv_timer_start(&w->timer, on_handshake_timeout, node->limits.handshake_timeout_ms, 0);
  return w;
}

/* ---- listening ---- */

static void on_ws_connection(uv_stream_t *server, int status) {
  listener *l = server->data;
  if (status != 0) return;
  ws_link *w = link_new(l->node);
  if (w == NULL) return;
  w->server = true;
  w->l = l;
  if (uv_accept(server, (uv_stream_t *)&w->tcp) != 0) return ws_link_close(w);
  if (l->tls != NULL && (w->tls = tls_conn_new(l->tls, true, NULL, tls_send, w)) == NULL) return ws_link_close(w);
  uv_tcp_nodelay(&w->tcp, 1);
  uv_read_start((uv_stream_t *)&w->tcp, on_alloc, on_net_read);
}

/* ws://host:port[/path] → a socket address (numeric hosts, and localhost) and the "/path". */
int ws_parse_address(const char *address, struct sockaddr_storage *sa, char *hostport, size_t hcap, const char **path) {
  const char *hp = strstr(address, "://") + 3, *slash = strchr(hp, '/');
  size_t n = slash != NULL ? (size_t)(slash - hp) : strlen(hp);
  *path = slash != NULL ? slash : "/";
  if (n == 0 || n >= hcap) return UV_EINVAL;
  snprintf(hostport, hcap, "%.*s", (int)n, hp);
  char host[256];
  const char *colon = strrchr(hostport, ':');
  if (colon == NULL || (hostport[0] == '[' && colon < strchr(hostport, ']'))) return UV_EINVAL;
  ws_host_name(hostport, host, sizeof host);
  int port = atoi(colon + 1);
  if (host[0] == '\0' || strcmp(host, "localhost") == 0) strcpy(host, "127.0.0.1");
  if (strchr(host, ':') != NULL) return uv_ip6_addr(host, port, (struct sockaddr_in6 *)sa);
  return uv_ip4_addr(host, port, (struct sockaddr_in *)sa);
}

/* A peer that vanishes while we write must not end the process: libuv writes with write(2), which
 * raises SIGPIPE then. Ignored (unless the program handles it itself), as gRPC and nginx do. */
static void ignore_sigpipe(void) {
  struct sigaction now;
  if (sigaction(SIGPIPE, NULL, &now) == 0 && now.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
}

static void free_listener(uv_handle_t *h) {
  listener *l = h->data;
  tls_ctx_free(l->tls);
  free(l);
}

int ws_listen(interop_node *node, const char *address, bool control_only, interop_error *err) {
  ignore_sigpipe();
  struct sockaddr_storage sa;
  char hostport[512], scheme[8], why[700];
  const char *path;
  snprintf(scheme, sizeof scheme, "%.*s", (int)(strstr(address, "://") - address), address);
  if (ws_parse_address(address, &sa, hostport, sizeof hostport, &path) != 0 || strcmp(path, "/") != 0)
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s: expected %s://host:port with a numeric host and no path", address, scheme);
  tls_ctx *tls = NULL;
  if (ws_is_tls_address(address)) {
    if (node->tls_cert[0] == '\0')
      return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s needs a certificate: add \"tls\": {\"cert\": \"cert.pem\", \"key\": \"key.pem\"} to the node config", address);
    if ((tls = tls_server_ctx(node->tls_cert, node->tls_key, why, sizeof why)) == NULL) return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s", why);
  }
  listener *l = calloc(1, sizeof *l);
  if (l == NULL) return tls_ctx_free(tls), interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  l->node = node;
  l->tls = tls;
  l->control_only = control_only;
  uv_tcp_init(node->loop, &l->h.tcp);
  l->h.tcp.data = l;
  int rc = uv_tcp_bind(&l->h.tcp, (const struct sockaddr *)&sa, 0);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&l->h.tcp, 511, on_ws_connection);
  if (rc != 0) {
    uv_close((uv_handle_t *)&l->h.tcp, free_listener);
    return interop_error_set(err, INTEROP_UNAVAILABLE, "cannot listen on %s: %s", address, uv_strerror(rc));
  }
  struct sockaddr_storage bound;
  int len = sizeof bound;
  char ip[64];
  uv_tcp_getsockname(&l->h.tcp, (struct sockaddr *)&bound, &len);
  if (bound.ss_family == AF_INET6) {
    uv_ip6_name((struct sockaddr_in6 *)&bound, ip, sizeof ip);
    snprintf(l->address, sizeof l->address, "%s://[%s]:%d", scheme, ip, ntohs(((struct sockaddr_in6 *)&bound)->sin6_port));
  } else {
    uv_ip4_name((struct sockaddr_in *)&bound, ip, sizeof ip);
    snprintf(l->address, sizeof l->address, "%s://%s:%d", scheme, ip, ntohs(((struct sockaddr_in *)&bound)->sin_port));
  }
  l->next = node->listeners;
  node->listeners = l;
  return INTEROP_OK;
}

/* ---- dialing ---- */

typedef struct ws_connect {
  uv_connect_t req;
  ws_link *w;
} ws_connect;

static void on_connected(uv_connect_t *req, int status) {
  ws_link *w = ((ws_connect *)req)->w;
  free(req);
  if (w->closing) return;
  if (status != 0) {
    char why[128];
    snprintf(why, sizeof why, "cannot connect: %s", uv_strerror(status));
    return dial_failed(w, why);
  }
  uv_tcp_nodelay(&w->tcp, 1);
  uint8_t nonce[16];
  uv_random(NULL, NULL, nonce, sizeof nonce, 0, NULL);
  interop_buf k = INTEROP_BUF_INIT;
  interop_base64_encode(&k, nonce, sizeof nonce);
  snprintf(w->key, sizeof w->key, "%.*s", (int)k.len, (const char *)k.data);
  interop_buf_free(&k);
  char request[1024];
  const char *path = w->target + strlen(w->target) + 1;
  int n = snprintf(request, sizeof request,
                   "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   path, w->target, w->key);
  if (ws_net_write(w, request, (size_t)n) != 0) return dial_failed(w, "cannot send the WebSocket handshake");
  uv_read_start((uv_stream_t *)&w->tcp, on_alloc, on_net_read);
}

const char *ws_dial(interop_node *node, const char *address, conn *c) {
  struct sockaddr_storage sa;
  char hostport[300], host[256];
  const char *path;
  if (ws_parse_address(address, &sa, hostport, sizeof hostport, &path) != 0) return "not a ws://host:port[/path] address with a numeric host";
  if (strlen(path) >= 290) return "the path of the ws:// address is too long";
  bool failed;
  tls_ctx *tls = ws_dial_tls(node, address, c, &failed);
  if (failed) return node->dial_why;
  ignore_sigpipe();
  ws_link *w = link_new(node);
  ws_connect *req = calloc(1, sizeof *req);
  ws_host_name(hostport, host, sizeof host);
  if (w != NULL && tls != NULL) w->tls = tls_conn_new(tls, false, host, tls_send, w);
  tls_ctx_free(tls); /* each connection holds its own reference */
  if (w == NULL || req == NULL || (tls != NULL && w->tls == NULL)) {
    free(req);
    if (w != NULL) ws_link_close(w);
    return "out of memory";
  }
  /* The connection's end of the socketpair, opened when the WebSocket is: closable before that. */
  uv_pipe_init(node->loop, &c->h.pipe, 0);
  c->in_stream = (uv_stream_t *)&c->h.pipe;
  w->dialing = c;
  snprintf(w->target, sizeof w->target, "%s", hostport);
  snprintf(w->target + strlen(hostport) + 1, sizeof w->target - strlen(hostport) - 1, "%s", path);
  req->w = w;
  int rc = uv_tcp_connect(&req->req, &w->tcp, (const struct sockaddr *)&sa, on_connected);
  if (rc != 0) {
    free(req);
    w->dialing = NULL;
    ws_link_close(w);
    return uv_strerror(rc);
  }
  return NULL;
}
