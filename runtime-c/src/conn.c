/* Connection life cycle: reading frames (reassembled by the frame decoder, never allocating a
 * length before its bytes arrive), dispatching them by kind, writing frames, closing. A framing
 * error closes this connection only, after one connection-level ERROR. */
#include <stdlib.h>
#include "shm.h"

static void time_partial_frame(conn *c, bool completed);
static void read_frames(conn *c);

static void on_handle_closed(uv_handle_t *h) {
  conn *c = h->data;
  if (--c->handles_open > 0) return;
  interop_frame_decoder_free(&c->dec);
  versions_free(c);
  shm_free(c->shm);
  free(c);
}

conn *conn_new(interop_node *node, bool initiator) {
  conn *c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  c->node = node;
  c->initiator = initiator;
  c->next_id = 1;
  interop_frame_decoder_init(&c->dec, node->limits.max_frame_bytes);
  uv_timer_init(node->loop, &c->handshake_timer);
  uv_timer_init(node->loop, &c->frame_timer);
  uv_timer_init(node->loop, &c->idle_timer);
  c->handshake_timer.data = c->frame_timer.data = c->idle_timer.data = c;
  c->handles_open = 3;
  return c;
}

void conn_discard(conn *c) {
  uv_close((uv_handle_t *)&c->handshake_timer, on_handle_closed);
  uv_close((uv_handle_t *)&c->frame_timer, on_handle_closed);
  uv_close((uv_handle_t *)&c->idle_timer, on_handle_closed);
}

void conn_send_error(conn *c, uint32_t id, const char *target, size_t target_len, uint8_t codec, const interop_error *e) {
  interop_buf payload = INTEROP_BUF_INIT;
  interop_error err;
  if (id == 0) codec = INTEROP_CODEC_JSON, target_len = 0; /* connection level: JSON, no target */
  if (codec < INTEROP_CODEC_JSON || codec > INTEROP_CODEC_FLATBUFFERS) codec = INTEROP_CODEC_JSON;
  if (interop_envelope_encode(e, (interop_codec)codec, c->node->limits.max_depth, &payload, &err) != INTEROP_OK) {
    interop_error plain;
    interop_error_set(&plain, INTEROP_INTERNAL, "error does not encode: %s", err.message);
    interop_buf_free(&payload);
    interop_envelope_encode(&plain, (interop_codec)codec, c->node->limits.max_depth, &payload, &err);
  }
  interop_frame f = {INTEROP_FRAME_ERROR, codec, 0, id, 0, target, target_len, payload.data, payload.len};
  conn_send(c, &f);
  interop_buf_free(&payload);
}

/* The peer starts nothing new: neither do we; a link dials a new connection for its next call. */
static void on_goodbye(conn *c) {
  c->peer_goodbye = true;
  c->state = CONN_CLOSING;
  interop_error e;
  interop_error_set(&e, INTEROP_UNAVAILABLE, "%s said goodbye", c->peer[0] ? c->peer : "the peer");
  calls_fail_waiting(c, &e);
  if (c->link != NULL && c->link->conn == c && !c->link->parent) c->link->conn = NULL;
  conn_maybe_finish(c);
}

void conn_maybe_finish(conn *c) {
  if (c->peer_goodbye && c->state == CONN_CLOSING && c->pending == NULL && c->served == NULL)
    conn_close_after_flush(c, "the peer said goodbye");
}

void conn_goodbye_now(conn *c, const char *reason) {
  if (c->state != CONN_OPEN) return;
  uint8_t frame[INTEROP_FRAME_HEAD + 64];
  size_t n = strlen(reason) < 64 ? strlen(reason) : 64;
  interop_frame bye = {INTEROP_FRAME_GOODBYE, 0, 0, 0, 0, "", 0, (const uint8_t *)reason, n};
  interop_frame_head(frame, &bye);
  memcpy(frame + INTEROP_FRAME_HEAD, reason, n);
  uv_buf_t buf = uv_buf_init((char *)frame, (unsigned)(INTEROP_FRAME_HEAD + n));
  /* the connection closes right after: no queued write */
  if (c->shm != NULL) {
    if (c->shm_head == NULL) shm_put(c, frame, buf.len);
  } else {
    uv_try_write(c->out_stream, &buf, 1);
  }
  c->state = CONN_CLOSING;
}

static void dispatch(conn *c, const interop_frame *f) {
  interop_error err;
  if (c->state == CONN_HANDSHAKE) return handshake_on_frame(c, f);
  if (f->kind == INTEROP_FRAME_HELLO || f->kind == INTEROP_FRAME_WELCOME) {
    node_count(c->node, INTEROP_REJECTED_FRAMES);
    return;
  }
  if (interop_frame_check(f, &err) != INTEROP_OK || f->target_len > c->node->limits.max_target_bytes) {
    node_count(c->node, INTEROP_REJECTED_FRAMES);
    if (err.code == INTEROP_OK)
      interop_error_set(&err, INTEROP_RESOURCE_EXHAUSTED, "target of %zu bytes exceeds max_target_bytes %u",
                        f->target_len, c->node->limits.max_target_bytes);
    bool answer = f->kind == INTEROP_FRAME_REQUEST || f->kind == INTEROP_FRAME_SUBSCRIBE || f->kind == INTEROP_FRAME_PING ||
                  interop_frame_kind_name(f->kind) == NULL;
    if (answer && f->correlation != 0) conn_send_error(c, f->correlation, f->target, f->target_len, INTEROP_CODEC_JSON, &err);
    return;
  }
  switch (f->kind) {
    case INTEROP_FRAME_REQUEST: return serve_request(c, f);
    case INTEROP_FRAME_ONEWAY: return serve_oneway(c, f);
    case INTEROP_FRAME_CANCEL: return serve_cancel(c, f);
    case INTEROP_FRAME_SUBSCRIBE: return serve_subscribe(c, f);
    case INTEROP_FRAME_UNSUBSCRIBE: return serve_unsubscribe(c, f);
    case INTEROP_FRAME_PING: {
      interop_frame pong = {INTEROP_FRAME_PONG, 0, 0, f->correlation, 0, "", 0, f->payload, f->payload_len};
      return conn_send(c, &pong);
    }
    case INTEROP_FRAME_RESPONSE:
    case INTEROP_FRAME_ERROR:
    case INTEROP_FRAME_PONG:
    case INTEROP_FRAME_EVENT: return calls_on_answer(c, f);
    case INTEROP_FRAME_GOODBYE: return on_goodbye(c);
    case INTEROP_FRAME_STREAM_ITEM:
    case INTEROP_FRAME_STREAM_END:
    case INTEROP_FRAME_STREAM_CREDIT: return stream_on_frame(c, f);
    default: return;
  }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  static _Thread_local char scratch[65536];
  (void)suggested;
  *buf = uv_buf_init(scratch, sizeof scratch); /* copied into the decoder at once */
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  conn *c = s->data;
  if (n < 0) return conn_peer_gone(c, n == UV_EOF ? "the peer closed the connection" : uv_strerror((int)n));
  conn_received(c, (const uint8_t *)buf->base, (size_t)n);
}

void conn_peer_gone(conn *c, const char *why) {
  interop_error err;
  if (interop_frame_decoder_end(&c->dec, &err) != 0) node_count(c->node, INTEROP_REJECTED_FRAMES);
  conn_close(c, why);
}

/* Bytes from the peer (shm: already in the decoder, n == 0). */
void conn_received(conn *c, const uint8_t *p, size_t n) {
  if (n > 0) {
    c->active = true;
    if (!interop_frame_decoder_push(&c->dec, p, n)) return conn_close(c, "out of memory");
  }
  read_frames(c);
}

/* Reading the peer starts and stops by transport. */
static void read_on(conn *c, bool on) {
  if (c->shm != NULL) return shm_read(c, on);
  if (on) uv_read_start(c->in_stream, on_alloc, on_read);
  else uv_read_stop(c->in_stream);
}

/* Dispatches the complete frames received, until reading is paused: the rest wait in the decoder
 * (so a full `block` queue takes no more than the frame that filled it). */
static void read_frames(conn *c) {
  bool completed = false;
  while (c->paused == 0) {
    interop_frame f;
    interop_error err;
    int got = interop_frame_decoder_next(&c->dec, &f, &err);
    if (got == 0) return time_partial_frame(c, completed);
    completed = true;
    if (got < 0) {
      node_count(c->node, INTEROP_REJECTED_FRAMES);
      if (c->state == CONN_HANDSHAKE && !c->initiator) node_count(c->node, INTEROP_REJECTED_HANDSHAKES);
      conn_send_error(c, 0, "", 0, INTEROP_CODEC_JSON, &err);
      return conn_close(c, err.message);
    }
    dispatch(c, &f);
    if (c->state == CONN_CLOSED) return;
  }
}

void conn_pause_reading(conn *c, unsigned why) {
  if ((c->paused & why) || c->state == CONN_CLOSED || c->flushing) return;
  c->paused |= why;
  if (c->paused != why) return; /* already paused for another reason */
  node_count(c->node, INTEROP_PAUSED_READS);
  read_on(c, false);
  if (c->frame_timing) uv_timer_stop(&c->frame_timer); /* paused time does not count (§5.1) */
  c->frame_timing = false;
}

void conn_resume_reading(conn *c, unsigned why) {
  if (!(c->paused & why)) return;
  c->paused &= ~why;
  if (c->paused != 0 || c->state == CONN_CLOSED || c->flushing) return;
  read_on(c, true);
  if (c->state != CONN_CLOSED) read_frames(c); /* those received before the pause; a partial frame's clock starts again */
}

static void on_frame_timeout(uv_timer_t *t) {
  conn *c = t->data;
  interop_error e;
  interop_error_set(&e, INTEROP_RESOURCE_EXHAUSTED, "frame not complete within %u ms (frame_timeout_ms)",
                    c->node->limits.frame_timeout_ms);
  node_count(c->node, INTEROP_FRAME_TIMEOUTS);
  conn_send_error(c, 0, "", 0, INTEROP_CODEC_JSON, &e);
  conn_close_after_flush(c, e.message);
}

/* After the handshake, a partial frame must be complete within frame_timeout_ms of its first byte:
 * the clock starts with a frame's first bytes and stops when no partial frame is left. */
static void time_partial_frame(conn *c, bool completed) {
  if (c->state != CONN_OPEN || interop_frame_decoder_pending(&c->dec) == 0) {
    if (c->frame_timing) uv_timer_stop(&c->frame_timer);
    c->frame_timing = false;
    return;
  }
  if (c->frame_timing && !completed) return;
  c->frame_timing = true;
  uv_timer_start(&c->frame_timer, on_frame_timeout, c->node->limits.frame_timeout_ms, 0);
}

static void on_goodbye_grace_over(uv_timer_t *t) { conn_close(t->data, "idle; the peer did not close"); }

/* An accepted connection with nothing going on since the last check is closed with GOODBYE. */
void conn_idle_check(uv_timer_t *t) {
  conn *c = t->data;
  if (c->active || c->state != CONN_OPEN || c->pending != NULL || c->served != NULL || c->peer_subs != NULL ||
      c->congested || c->paused != 0 || interop_frame_decoder_pending(&c->dec) > 0) {
    c->active = false;
    return;
  }
  char reason[64];
  int n = snprintf(reason, sizeof reason, "idle for %u ms", c->node->limits.idle_timeout_ms);
  interop_frame bye = {INTEROP_FRAME_GOODBYE, 0, 0, 0, 0, "", 0, (const uint8_t *)reason, (size_t)n};
  conn_send(c, &bye);
  node_count(c->node, INTEROP_IDLE_TIMEOUTS);
  /* The peer closes (docs/wire.md §5.1), so a REQUEST it sent before reading the GOODBYE is still
   * answered; after handshake_timeout_ms we close ourselves. */
  c->state = CONN_CLOSING;
  uv_timer_stop(&c->idle_timer);
  uv_timer_start(&c->handshake_timer, on_goodbye_grace_over, c->node->limits.handshake_timeout_ms, 0);
}

static void on_handshake_timeout(uv_timer_t *t) {
  conn *c = t->data;
  if (c->state != CONN_HANDSHAKE) return;
  if (!c->initiator) node_count(c->node, INTEROP_REJECTED_HANDSHAKES);
  interop_error e;
  interop_error_set(&e, INTEROP_DEADLINE_EXCEEDED, "no handshake within handshake_timeout_ms %u",
                    c->node->limits.handshake_timeout_ms);
  if (c->on_open != NULL) c->on_open(c, (int)e.code, &e);
  c->on_open = NULL;
  conn_close(c, e.message);
}

void conn_start(conn *c) {
  if (c->shm == NULL) {
    if (c->out_stream == NULL) c->out_stream = c->in_stream;
    c->in_stream->data = c;
  }
  node_add_conn(c->node, c);
  uv_timer_start(&c->handshake_timer, on_handshake_timeout, c->node->limits.handshake_timeout_ms, 0);
  if (c->initiator) handshake_send_hello(c);
  if (c->state != CONN_CLOSED) read_on(c, true);
}

typedef struct flush_req {
  uv_shutdown_t req;
  conn *c;
} flush_req;

static void on_flushed(uv_shutdown_t *req, int status) {
  (void)status;
  flush_req *f = (flush_req *)req;
  conn_close(f->c, "closed after its last frame");
  free(f);
}

void conn_close_after_flush(conn *c, const char *why) {
  if (c->state == CONN_CLOSED || c->flushing) return;
  c->flushing = true;
  if (c->shm != NULL) { /* closed by outbound.c once its last queued byte is in the ring */
    c->state = CONN_CLOSING;
    shm_read(c, false);
    uv_timer_stop(&c->idle_timer);
    uv_timer_stop(&c->frame_timer);
    if (c->shm_head == NULL) conn_close(c, why);
    return;
  }
  flush_req *f = calloc(1, sizeof *f);
  if (f == NULL || uv_shutdown(&f->req, c->out_stream, on_flushed) != 0) {
    free(f);
    return conn_close(c, why);
  }
  f->c = c;
  c->state = CONN_CLOSING;
  uv_read_stop(c->in_stream);
  uv_timer_stop(&c->idle_timer);
  uv_timer_stop(&c->frame_timer);
}

void conn_close(conn *c, const char *why) {
  (void)why;
  if (c->state == CONN_CLOSED) return;
  c->state = CONN_CLOSED;
  uv_timer_stop(&c->handshake_timer);
  if (c->on_open != NULL) {
    interop_error e;
    interop_error_set(&e, INTEROP_UNAVAILABLE, "connection closed during the handshake: %s", why);
    c->on_open(c, (int)e.code, &e);
    c->on_open = NULL;
  }
  calls_close(c);
  serve_close(c);
  node_remove_conn(c->node, c);
  if (c->listener != NULL) c->listener->open--;
  c->listener = NULL;
  if (c->on_close != NULL) c->on_close(c);
  uv_close((uv_handle_t *)&c->handshake_timer, on_handle_closed);
  uv_close((uv_handle_t *)&c->frame_timer, on_handle_closed);
  uv_close((uv_handle_t *)&c->idle_timer, on_handle_closed);
  if (c->shm != NULL) {
    conn_shm_drop(c);
    return shm_close(c, on_handle_closed);
  }
  if (c->in_stream == NULL) return; /* never had a stream (out of memory while accepting) */
  c->in_stream->data = c;
  c->handles_open++;
  uv_close((uv_handle_t *)c->in_stream, on_handle_closed);
  if (c->split) {
    c->out.data = c;
    c->handles_open++;
    uv_close((uv_handle_t *)&c->out, on_handle_closed);
  }
}
