/* The serving side of a connection (docs/wire.md §1.1, §5, §6): the peer's REQUESTs, ONEWAYs,
 * CANCELs, SUBSCRIBEs and UNSUBSCRIBEs, answered in the codec they came in, within max_in_flight. */
#include <stdlib.h>
#include "conn.h"

static void answer_error(conn *c, const interop_frame *f, uint32_t code, const char *fmt, const char *a) {
  interop_error e;
  interop_error_set(&e, code, fmt, a);
  conn_send_error(c, f->correlation, f->target, f->target_len, f->codec, &e);
}

static bool codec_ok(uint8_t codec) { return codec >= INTEROP_CODEC_JSON && codec <= INTEROP_CODEC_FLATBUFFERS; }

/* The frame's target as a C string in out (`size` bytes, cut there as snprintf would): a copy, not
 * a format string, on every request. */
static const char *frame_target(const interop_frame *f, char *out, size_t size) {
  size_t n = f->target_len < size - 1 ? f->target_len : size - 1;
  memcpy(out, f->target, n);
  out[n] = '\0';
  return out;
}

/* The function a target names, with its module's implementation; answers the problem if none. */
static const interop_function *resolve(conn *c, const interop_frame *f, hosted **out, uint32_t *index) {
  char target[300]; /* formatted only for an error: a found function costs no formatting */
  const char *member;
  size_t member_len;
  hosted *h = c->control_only ? NULL : node_hosted_by_target(c->node, f->target, f->target_len, &member, &member_len);
  if (h == NULL) {
    if (f->kind == INTEROP_FRAME_REQUEST)
      answer_error(c, f, INTEROP_NOT_FOUND, "no module serves %s on this connection", frame_target(f, target, sizeof target));
    return NULL;
  }
  const interop_module *m = h->impl->module;
  for (uint32_t i = 0; i < m->functions_count; i++) {
    if (strlen(m->functions[i].name) == member_len && memcmp(m->functions[i].name, member, member_len) == 0) {
      *out = h;
      *index = i;
      return &m->functions[i];
    }
  }
  if (f->kind == INTEROP_FRAME_REQUEST) answer_error(c, f, INTEROP_UNIMPLEMENTED, "unknown function %s", frame_target(f, target, sizeof target));
  return NULL;
}

static void unlink_served(served *s) {
  if (s->conn == NULL) return;
  for (served **p = &s->conn->served; *p != NULL; p = &(*p)->next) {
    if (*p == s) {
      *p = s->next;
      s->conn->served_count--;
      break;
    }
  }
  s->conn = NULL;
}

/* A handler's outcome: the RESPONSE or ERROR, unless the call was cancelled or the peer is gone. */
static void request_finished(interop_call *call) {
  served *s = call->owner;
  stream_serve_free(call);
  conn *c = s->conn;
  unlink_served(s);
  if (c != NULL && !call->cancelled && c->state != CONN_CLOSED) {
    interop_error err;
    if (call->rc == INTEROP_OK) {
      interop_buf payload = node_scratch_take(c->node);
      const uint8_t *answer = call->answer; /* encoded by a msgpack handler (ADR 0037), in the call's arena or its own (ADR 0045) */
      size_t answer_len = call->answer_len;
      int rc = INTEROP_OK;
      if (!call->answered_msgpack && call->fn->result != NULL) {
        rc = interop_encode(call->fn->result, call->result, (interop_codec)s->codec, c->node->limits.max_depth,
                            &payload, &err);
      }
      if (!call->answered_msgpack) answer = payload.data, answer_len = payload.len;
      if (rc == INTEROP_OK) {
        interop_frame r = {INTEROP_FRAME_RESPONSE, s->codec, 0, s->id, 0, s->target, strlen(s->target), answer, answer_len};
        conn_send(c, &r);
        node_count(c->node, INTEROP_REQUESTS_SERVED);
      } else {
        node_count(c->node, INTEROP_HANDLER_ERRORS);
        interop_error_set(&call->err, INTEROP_INTERNAL, "%s: result does not encode: %s", call->fn->name, err.message);
        conn_send_error(c, s->id, s->target, strlen(s->target), s->codec, &call->err);
      }
      node_scratch_give(c->node, &payload);
    } else {
      conn_send_error(c, s->id, s->target, strlen(s->target), s->codec, &call->err);
    }
  }
  free(s);
  if (c != NULL) conn_maybe_finish(c);
}

/* Decodes the parameters into the call's arena; answers (REQUEST) or counts (ONEWAY) a failure. */
static bool decode_params(conn *c, const interop_frame *f, const interop_function *fn, interop_call *call, void **params) {
  interop_error err;
  *params = interop_arena_alloc(&call->arena, fn->params->size, fn->params->align);
  if (*params != NULL && interop_decode(fn->params, f->payload, f->payload_len, (interop_codec)f->codec,
                                        c->node->limits.max_depth, &call->arena, *params, &err) == INTEROP_OK)
    return true;
  if (*params == NULL) interop_error_set(&err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  if (f->kind == INTEROP_FRAME_REQUEST) conn_send_error(c, f->correlation, f->target, f->target_len, f->codec, &err);
  return false;
}

/* The msgpack handler of a hosted function for this REQUEST (ADR 0037), or NULL: it serves only
 * call functions in msgpack, of an implementation that has them. */
static const interop_msgpack_handler *msgpack_handler(const interop_module_impl *impl, uint32_t index,
                                                      const interop_function *fn, uint8_t codec) {
  if (codec != INTEROP_CODEC_MSGPACK || fn->kind != INTEROP_FUNCTION_CALL ||
      !(impl->flags & INTEROP_IMPL_MSGPACK_HANDLERS) || impl->msgpack_handlers == NULL)
    return NULL;
  const interop_msgpack_handler *mh = &impl->msgpack_handlers[index];
  return mh->decode != NULL && mh->handler != NULL ? mh : NULL;
}

/* decode_params for a msgpack handler: its own decoder, the same error to the caller. */
static bool decode_msgpack(conn *c, const interop_frame *f, const interop_msgpack_handler *mh, interop_call *call,
                           void **params) {
  interop_error err;
  interop_error_clear(&err);
  *params = mh->decode(call, f->payload, f->payload_len, c->node->limits.max_depth, &err);
  if (*params != NULL) return true;
  if (err.code == INTEROP_OK) interop_error_set(&err, INTEROP_INTERNAL, "%s: the params decoder failed without an error", call->fn->name);
  conn_send_error(c, f->correlation, f->target, f->target_len, f->codec, &err);
  return false;
}

void serve_request(conn *c, const interop_frame *f) {
  if (f->target_len > 16 && memcmp(f->target, "interop.control.", 16) == 0) {
    if (control_serve(c, f)) return;
  }
  if (!codec_ok(f->codec)) return answer_error(c, f, INTEROP_PROTOCOL_ERROR, "a REQUEST needs a codec (json, msgpack, protobuf or flatbuffers)%s", "");
  hosted *h;
  uint32_t index;
  const interop_function *fn = resolve(c, f, &h, &index);
  if (fn == NULL) return;
  if (fn->kind == INTEROP_FUNCTION_ONEWAY) return answer_error(c, f, INTEROP_UNIMPLEMENTED, "%s is a one-way function", fn->name);
  if (c->served_count >= c->node->limits.max_in_flight) {
    node_count(c->node, INTEROP_REJECTED_REQUESTS);
    return answer_error(c, f, INTEROP_RESOURCE_EXHAUSTED, "more than max_in_flight requests%s", "");
  }
  interop_handler handler = h->impl->handlers[index];
  if (handler == NULL) return answer_error(c, f, INTEROP_UNIMPLEMENTED, "%s has no implementation", fn->name);
  served *s = calloc(1, sizeof *s);
  interop_call *call = s != NULL ? call_new(c->node, fn, c->peer, request_finished, s) : NULL;
  if (call == NULL) {
    free(s);
    return answer_error(c, f, INTEROP_RESOURCE_EXHAUSTED, "out of memory%s", "");
  }
  *s = (served){NULL, c, f->correlation, f->codec, {0}, call};
  frame_target(f, s->target, sizeof s->target);
  void *params;
  const interop_msgpack_handler *mh = msgpack_handler(h->impl, index, fn, f->codec);
  if (mh != NULL) handler = mh->handler;
  /* A stream's directions must be the function's; its input is granted its window (§1.5). */
  if (!stream_serve_open(c, s, f) || !(mh != NULL ? decode_msgpack(c, f, mh, call, &params) : decode_params(c, f, fn, call, &params))) {
    direct_call_free(call);
    free(s);
    return;
  }
  s->next = c->served;
  c->served = s;
  c->served_count++;
  stream_serve_accepted(call);
  call_run(call, handler, h->impl->impl, params, f->timeout_ms, false);
}

static void oneway_finished(interop_call *call) {
  served *s = call->owner;
  conn *c = s->conn;
  unlink_served(s);
  free(s);
  if (c != NULL) conn_maybe_finish(c);
}

void serve_oneway(conn *c, const interop_frame *f) {
  hosted *h;
  uint32_t index;
  const interop_function *fn = codec_ok(f->codec) ? resolve(c, f, &h, &index) : NULL;
  if (fn == NULL || fn->kind != INTEROP_FUNCTION_ONEWAY || h->impl->handlers[index] == NULL ||
      c->served_count >= c->node->limits.max_in_flight) {
    node_count(c->node, INTEROP_DROPPED_ONEWAYS);
    return;
  }
  served *s = calloc(1, sizeof *s);
  interop_call *call = s != NULL ? call_new(c->node, fn, c->peer, oneway_finished, s) : NULL;
  void *params;
  if (call == NULL || !decode_params(c, f, fn, call, &params)) {
    node_count(c->node, INTEROP_DROPPED_ONEWAYS);
    if (call != NULL) direct_call_free(call);
    free(s);
    return;
  }
  *s = (served){c->served, c, 0, f->codec, {0}, call};
  c->served = s;
  c->served_count++;
  call_run(call, h->impl->handlers[index], h->impl->impl, params, 0, false);
}

void serve_cancel(conn *c, const interop_frame *f) {
  for (served *s = c->served; s != NULL; s = s->next) {
    if (s->id == f->correlation && s->id != 0) {
      call_cancel(s->call, INTEROP_CANCELLED, "cancelled by the caller");
      return;
    }
  }
  for (peer_sub **p = &c->peer_subs; *p != NULL; p = &(*p)->next) {
    if ((*p)->id == f->correlation) {
      peer_sub *gone = *p;
      *p = gone->next;
      conn_free_peer_sub(c, gone, false);
      return;
    }
  }
  node_count(c->node, INTEROP_LATE_CANCELS);
}

/* Whether a subscription target ("m.ev" or "m.*") covers module m's event ev. */
static bool covers(const char *target, const char *module, const char *event) {
  size_t n = strlen(module);
  if (strncmp(target, module, n) != 0 || target[n] != '.') return false;
  return strcmp(target + n + 1, "*") == 0 || strcmp(target + n + 1, event) == 0;
}

void serve_subscribe(conn *c, const interop_frame *f) {
  if (!codec_ok(f->codec)) return answer_error(c, f, INTEROP_PROTOCOL_ERROR, "a SUBSCRIBE needs a codec%s", "");
  const char *member;
  size_t member_len;
  hosted *h = c->control_only ? NULL : node_hosted_by_target(c->node, f->target, f->target_len, &member, &member_len);
  char target[256];
  snprintf(target, sizeof target, "%.*s", (int)(f->target_len < 255 ? f->target_len : 255), f->target);
  bool found = h != NULL && member_len == 1 && member[0] == '*';
  for (uint32_t i = 0; h != NULL && !found && i < h->impl->module->events_count; i++)
    found = covers(target, h->impl->module->name, h->impl->module->events[i].name);
  if (!found) return answer_error(c, f, INTEROP_NOT_FOUND, "no event %s here", target);
  /* The latest SUBSCRIBE for a target takes it over (docs/wire.md §1.1). */
  peer_sub *s = c->peer_subs;
  while (s != NULL && strcmp(s->target, target) != 0) s = s->next;
  if (s == NULL) {
    s = calloc(1, sizeof *s);
    if (s == NULL) return answer_error(c, f, INTEROP_RESOURCE_EXHAUSTED, "out of memory%s", "");
    snprintf(s->target, sizeof s->target, "%s", target);
    s->conn = c;
    s->next = c->peer_subs;
    c->peer_subs = s;
  }
  s->id = f->correlation;
  s->codec = f->codec;
  interop_frame r = {INTEROP_FRAME_RESPONSE, f->codec, 0, f->correlation, 0, f->target, f->target_len, NULL, 0};
  conn_send(c, &r);
}

void serve_unsubscribe(conn *c, const interop_frame *f) {
  for (peer_sub **p = &c->peer_subs; *p != NULL; p = &(*p)->next) {
    if (strlen((*p)->target) == f->target_len && memcmp((*p)->target, f->target, f->target_len) == 0) {
      peer_sub *gone = *p;
      *p = gone->next;
      conn_free_peer_sub(c, gone, false);
      return;
    }
  }
}

void serve_publish(interop_node *node, const interop_module *module, uint32_t event, const void *payload) {
  const interop_event *ev = &module->events[event];
  char target[300];
  snprintf(target, sizeof target, "%s.%s", module->name, ev->name);
  for (conn *c = node->conns; c != NULL; c = c->next) {
    if (c->state != CONN_OPEN) continue;
    for (peer_sub *s = c->peer_subs; s != NULL; s = s->next) {
      if (!covers(s->target, module->name, ev->name)) continue;
      interop_buf payload_buf = INTEROP_BUF_INIT;
      interop_error err;
      if (ev->payload != NULL && interop_encode(ev->payload, payload, (interop_codec)s->codec, node->limits.max_depth,
                                                &payload_buf, &err) != INTEROP_OK) {
        node_count(node, INTEROP_UNENCODABLE_EVENTS);
      } else {
        interop_frame f = {INTEROP_FRAME_EVENT, s->codec, 0, 0, 0, target, strlen(target), payload_buf.data, payload_buf.len};
        conn_send_event(c, s, &f);
      }
      interop_buf_free(&payload_buf);
    }
  }
}

void serve_close(conn *c) {
  while (c->served != NULL) {
    served *s = c->served;
    c->served = s->next;
    s->conn = NULL;
    call_cancel(s->call, INTEROP_UNAVAILABLE, "the connection closed");
  }
  c->served_count = 0;
  while (c->peer_subs != NULL) {
    peer_sub *s = c->peer_subs;
    c->peer_subs = s->next;
    conn_free_peer_sub(c, s, true); /* events queued on a lost connection count as dropped */
  }
}
