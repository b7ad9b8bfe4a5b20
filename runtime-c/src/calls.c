/* Our exchanges on a connection (docs/wire.md §1.1, §5, §6): REQUESTs with their deadline and
 * CANCEL; RESPONSE and ERROR decoded into the caller's arena; late answers counted; every pending
 * call failed with UNAVAILABLE when the connection closes. At most max_in_flight are written and
 * outstanding: the others wait, in order and within their deadline, for a free slot and for a
 * connection that is not congested; one that never went out needs no CANCEL. */
#include <stdio.h>
#include <stdlib.h>
#include "links.h"
#include "streams.h"

static void pending_closed(uv_handle_t *h) { free(h->data); }

static void unlink_pending(conn *c, pending *p) {
  for (pending **q = &c->pending; *q != NULL; q = &(*q)->next) {
    if (*q == p) {
      *q = p->next;
      break;
    }
  }
  if (p->written) {
    c->in_flight--;
    return;
  }
  pending *before = NULL;
  for (pending *w = c->waiting; w != NULL && w != p; w = w->next_waiting) before = w;
  if (before != NULL) before->next_waiting = p->next_waiting;
  else if (c->waiting == p) c->waiting = p->next_waiting;
  if (c->waiting_tail == p) c->waiting_tail = before;
  interop_buf_free(&p->frame);
}

bool calls_can_write(conn *c) { return !c->congested && c->in_flight < c->node->limits.max_in_flight; }

/* Registers an exchange and writes its frame now, or keeps it until it may be written. */
static void send_or_wait(conn *c, pending *p, const interop_frame *f) {
  p->next = c->pending;
  c->pending = p;
  interop_error err;
  if (c->waiting == NULL && calls_can_write(c)) {
    p->written = true;
    c->in_flight++;
    return conn_send(c, f);
  }
  if (interop_frame_encode(&p->frame, f, &err) != INTEROP_OK) return;
  if (c->waiting_tail != NULL) c->waiting_tail->next_waiting = p;
  else c->waiting = p;
  c->waiting_tail = p;
}

void calls_pump(conn *c) {
  while (c->waiting != NULL && calls_can_write(c) && c->state != CONN_CLOSED) {
    pending *p = c->waiting;
    c->waiting = p->next_waiting;
    if (c->waiting == NULL) c->waiting_tail = NULL;
    p->written = true;
    c->in_flight++;
    conn_send_bytes(c, p->frame.data, p->frame.len);
    interop_buf_free(&p->frame);
  }
}

static void finish(pending *p, int rc, const interop_error *err) {
  uv_timer_stop(&p->timer);
  interop_done done = p->done;
  p->done = NULL;
  interop_error ok;
  if (err == NULL) interop_error_clear(&ok), err = &ok;
  if (done != NULL) done(p->user, rc, err);
  uv_close((uv_handle_t *)&p->timer, pending_closed);
}

void calls_fail_waiting(conn *c, const interop_error *err) {
  while (c->waiting != NULL) {
    pending *p = c->waiting;
    unlink_pending(c, p);
    finish(p, (int)err->code, err);
  }
}

static void on_deadline(uv_timer_t *t) {
  pending *p = t->data;
  conn *c = p->conn;
  unlink_pending(c, p);
  if (p->written) {
    interop_frame cancel = {INTEROP_FRAME_CANCEL, 0, 0, p->id, 0, "", 0, NULL, 0};
    conn_send(c, &cancel);
  }
  interop_error err;
  interop_error_set(&err, INTEROP_DEADLINE_EXCEEDED, "%s: deadline exceeded", p->fn != NULL ? p->fn->name : "ping");
  finish(p, INTEROP_DEADLINE_EXCEEDED, &err);
  calls_pump(c);
  conn_maybe_finish(c);
}

void calls_abort(conn *c, pending *p, int rc, const interop_error *err, bool cancel) {
  unlink_pending(c, p);
  if (cancel && p->written) {
    interop_frame f = {INTEROP_FRAME_CANCEL, 0, 0, p->id, 0, "", 0, NULL, 0};
    conn_send(c, &f);
  }
  finish(p, rc, err);
  calls_pump(c);
  conn_maybe_finish(c);
}

static void on_refused(uv_timer_t *t) {
  pending *p = t->data;
  finish(p, p->fail_rc, &p->fail_err);
}

static uint32_t next_id(conn *c) {
  for (;;) {
    uint32_t id = c->next_id++;
    if (c->next_id == 0) c->next_id = 1;
    bool used = false;
    for (pending *p = c->pending; p != NULL && !used; p = p->next) used = p->id == id;
    if (!used && id != 0) return id;
  }
}

/* "module.member", a frame's target, into out (CALL_TARGET_MAX bytes, cut there as snprintf would):
 * two copies, not a format string, on every call. */
#define CALL_TARGET_MAX 300
static size_t call_target(char *out, const char *module, const char *member) {
  size_t m = strlen(module), n = strlen(member);
  if (m > CALL_TARGET_MAX - 1) m = CALL_TARGET_MAX - 1;
  memcpy(out, module, m);
  size_t len = m;
  if (len < CALL_TARGET_MAX - 1) out[len++] = '.';
  if (n > CALL_TARGET_MAX - 1 - len) n = CALL_TARGET_MAX - 1 - len;
  memcpy(out + len, member, n);
  len += n;
  out[len] = '\0';
  return len;
}

uint8_t calls_send_codec(conn *c, const char *module, const char *member) {
  const node_link *l = c->link;
  size_t n = module != NULL && member != NULL ? strlen(module) : 0;
  for (size_t i = 0; l != NULL && n > 0 && i < l->member_codecs_count; i++) {
    const char *t = l->member_codecs[i].target;
    if (strncmp(t, module, n) == 0 && t[n] == '.' && strcmp(t + n + 1, member) == 0 &&
        (c->peer_codecs & (1u << l->member_codecs[i].codec)))
      return (uint8_t)l->member_codecs[i].codec;
  }
  uint8_t want = l != NULL ? (uint8_t)l->codec : INTEROP_CODEC_MSGPACK;
  if (c->peer_codecs & (1u << want)) return want;
  static const uint8_t ours[] = {INTEROP_CODEC_MSGPACK, INTEROP_CODEC_JSON, INTEROP_CODEC_PROTOBUF, INTEROP_CODEC_FLATBUFFERS};
  for (size_t i = 0; i < sizeof ours; i++)
    if (c->peer_codecs & (1u << ours[i])) return ours[i];
  return INTEROP_CODEC_JSON; /* not reached: the handshake refused a peer without a common codec */
}

int calls_start(conn *c, const interop_module *m, const interop_function *fn, const void *params, void *result,
                const interop_answer_decoder *decoder, interop_arena *arena, const interop_call_options *opts,
                interop_done done, void *user) {
  interop_error err;
  uint8_t codec = calls_send_codec(c, m->name, fn->name);
  pending *p = calloc(1, sizeof *p);
  if (p == NULL) return INTEROP_RESOURCE_EXHAUSTED;
  interop_buf payload = node_scratch_take(c->node);
  p->fn = fn, p->result = result, p->arena = arena, p->done = done, p->user = user, p->conn = c;
  if (decoder != NULL) p->decoder = *decoder;
  uv_timer_init(c->node->loop, &p->timer);
  p->timer.data = p;
  if (versions_check(c, m, false, fn->name, &err) != INTEROP_OK) {
    /* The peer's version of the module cannot serve it (docs/wire.md §2.2): nothing is sent. */
    p->fail_rc = interop_error_set(&p->fail_err, err.code, "%s", err.message);
    node_scratch_give(c->node, &payload);
    uv_timer_start(&p->timer, on_refused, 0, 0);
    return INTEROP_OK;
  }
  if (interop_encode(fn->params, params, (interop_codec)codec, c->node->limits.max_depth, &payload, &err) != INTEROP_OK) {
    /* Refused before sending, as a direct call refuses it, and reported through `done`. */
    p->fail_rc = interop_error_set(&p->fail_err, err.code, "%s: %s", fn->name, err.message);
    node_scratch_give(c->node, &payload);
    uv_timer_start(&p->timer, on_refused, 0, 0);
    return INTEROP_OK;
  }
  uint32_t timeout = opts != NULL && opts->timeout_ms != 0 ? opts->timeout_ms : c->node->limits.default_deadline_ms;
  p->id = next_id(c);
  char target[CALL_TARGET_MAX];
  size_t tl = call_target(target, m->name, fn->name);
  interop_frame f = {INTEROP_FRAME_REQUEST, codec, 0, p->id, timeout, target, tl, payload.data, payload.len};
  send_or_wait(c, p, &f); /* the frame is copied: the buffer goes back */
  node_scratch_give(c->node, &payload);
  /* libuv timers count from the loop's cached time, which is stale when the loop has not turned
     for a while (a caller that blocked, a loaded machine): the deadline would expire early. */
  uv_update_time(c->node->loop);
  uv_timer_start(&p->timer, on_deadline, timeout, 0);
  return INTEROP_OK;
}

pending *calls_start_stream(conn *c, const interop_module *m, const interop_function *fn, const void *params,
                            const interop_call_options *opts, void *result, interop_arena *arena, interop_done done,
                            void *user, interop_error *err) {
  uint8_t codec = calls_send_codec(c, m->name, fn->name);
  interop_buf payload = INTEROP_BUF_INIT;
  if (versions_check(c, m, false, fn->name, err) != INTEROP_OK) return NULL;
  if (interop_encode(fn->params, params, (interop_codec)codec, c->node->limits.max_depth, &payload, err) != INTEROP_OK) {
    interop_buf_free(&payload);
    char why[INTEROP_MESSAGE_MAX];
    memcpy(why, err->message, sizeof why);
    interop_error_set(err, err->code, "%s: %s", fn->name, why); /* refused before sending, as a call's */
    return NULL;
  }
  pending *p = calloc(1, sizeof *p);
  if (p == NULL) {
    interop_buf_free(&payload);
    interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
    return NULL;
  }
  p->fn = fn, p->result = result, p->arena = arena, p->done = done, p->user = user, p->conn = c;
  uv_timer_init(c->node->loop, &p->timer);
  p->timer.data = p;
  uint32_t timeout = opts != NULL && opts->timeout_ms != 0 ? opts->timeout_ms : c->node->limits.default_deadline_ms;
  p->id = next_id(c);
  char target[CALL_TARGET_MAX];
  size_t tl = call_target(target, m->name, fn->name);
  uint16_t flags = (uint16_t)((fn->input != NULL ? 0x0002u : 0) | (fn->output != NULL ? 0x0004u : 0));
  interop_frame f = {INTEROP_FRAME_REQUEST, codec, flags, p->id, timeout, target, tl, payload.data, payload.len};
  send_or_wait(c, p, &f); /* written now: interop_stream_open waited for calls_can_write */
  interop_buf_free(&payload);
  uv_timer_start(&p->timer, on_deadline, timeout, 0);
  return p;
}

int calls_oneway(conn *c, const interop_module *m, const interop_function *fn, const void *params, interop_error *err) {
  uint8_t codec = calls_send_codec(c, m->name, fn->name);
  interop_buf payload = node_scratch_take(c->node);
  int rc = versions_check(c, m, false, fn->name, err);
  if (rc == INTEROP_OK && conn_oneways_full(c)) /* one-way calls cannot wait (docs/wire.md §5) */
    rc = interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "%s.%s: %zu one-way calls already wait for %s to read", m->name,
                           fn->name, c->held_oneways, c->peer[0] ? c->peer : "the peer");
  if (rc == INTEROP_OK) rc = interop_encode(fn->params, params, (interop_codec)codec, c->node->limits.max_depth, &payload, err);
  if (rc == INTEROP_OK) {
    char target[CALL_TARGET_MAX];
    size_t tl = call_target(target, m->name, fn->name);
    interop_frame f = {INTEROP_FRAME_ONEWAY, codec, 0, 0, 0, target, tl, payload.data, payload.len};
    conn_send(c, &f);
  }
  node_scratch_give(c->node, &payload);
  return rc;
}

static void on_answer(conn *c, pending *p, const interop_frame *f) {
  interop_error err;
  interop_error_clear(&err);
  int rc;
  if (f->kind == INTEROP_FRAME_RESPONSE) {
    rc = INTEROP_OK;
    if (p->fn->result != NULL && p->decoder.decode != NULL)
      rc = p->decoder.decode(p->decoder.user, f->payload, f->payload_len, (interop_codec)f->codec,
                             c->node->limits.max_depth, &err);
    else if (p->fn->result != NULL)
      rc = interop_decode(p->fn->result, f->payload, f->payload_len, (interop_codec)f->codec, c->node->limits.max_depth,
                          p->arena, p->result, &err);
  } else if (f->kind == INTEROP_FRAME_ERROR) {
    rc = interop_envelope_decode(f->payload, f->payload_len, (interop_codec)f->codec, c->node->limits.max_depth,
                                 p->fn->throws, p->fn->throws_count, p->arena, &err, &err);
    if (rc == INTEROP_OK) rc = (int)err.code;
  } else {
    rc = interop_error_set(&err, INTEROP_PROTOCOL_ERROR, "a PONG answered a call");
  }
  finish(p, rc, rc == INTEROP_OK ? NULL : &err);
}

void calls_on_answer(conn *c, const interop_frame *f) {
  if (f->kind == INTEROP_FRAME_EVENT) return link_on_event(c, f);
  for (pending *p = c->pending; p != NULL; p = p->next) {
    if (p->id != f->correlation || !p->written) continue; /* one not written yet has no answer */
    unlink_pending(c, p);
    if (p->ping) {
      interop_error err;
      interop_arena a = INTEROP_ARENA_INIT;
      int rc = INTEROP_OK;
      if (f->kind == INTEROP_FRAME_ERROR) {
        rc = interop_envelope_decode(f->payload, f->payload_len, (interop_codec)f->codec, 64, NULL, 0, &a, &err, &err);
        if (rc == INTEROP_OK) rc = (int)err.code;
      }
      finish(p, rc, &err);
      interop_arena_free(&a);
    } else {
      if (p->stream != NULL) stream_call_answered_by_peer(p->stream);
      on_answer(c, p, f);
    }
    calls_pump(c); /* a slot is free */
    return conn_maybe_finish(c);
  }
  node_count(c->node, INTEROP_LATE_RESPONSES);
}

static void subscribed(void *user, int rc, const interop_error *err) {
  if (rc != INTEROP_OK) fprintf(stderr, "interop: SUBSCRIBE %s refused: %s\n", (const char *)user, err->message);
  free(user);
}

void calls_subscribe(conn *c, const char *target) {
  pending *p = calloc(1, sizeof *p);
  char *name = malloc(strlen(target) + 1);
  if (p == NULL || name == NULL) {
    free(p), free(name);
    return;
  }
  strcpy(name, target);
  p->ping = true; /* answered by an empty RESPONSE, like a PONG: nothing to decode */
  p->done = subscribed, p->user = name, p->conn = c;
  uv_timer_init(c->node->loop, &p->timer);
  p->timer.data = p;
  p->id = next_id(c);
  /* An event's own codec (module.event; a module.* subscription takes the link's): the publisher
     sends the EVENTs of this subscription in the SUBSCRIBE's codec. */
  const char *dot = strrchr(target, '.');
  char module[256];
  snprintf(module, sizeof module, "%.*s", dot != NULL ? (int)(dot - target) : 0, target);
  uint8_t codec = calls_send_codec(c, module, dot != NULL && strcmp(dot, ".*") != 0 ? dot + 1 : NULL);
  interop_frame f = {INTEROP_FRAME_SUBSCRIBE, codec, 0, p->id, 0, target, strlen(target), NULL, 0};
  send_or_wait(c, p, &f);
  uv_timer_start(&p->timer, on_deadline, c->node->limits.default_deadline_ms, 0);
}

void calls_close(conn *c) {
  interop_error err;
  interop_error_set(&err, INTEROP_UNAVAILABLE, "the connection to %s closed", c->peer[0] ? c->peer : "the peer");
  while (c->pending != NULL) {
    pending *p = c->pending;
    unlink_pending(c, p);
    finish(p, INTEROP_UNAVAILABLE, &err);
  }
}
