/* The caller's side of streams (docs/wire.md §1.5, client.h): the REQUEST with its directions and
 * the output's window granted in the same turn; the callee's items decoded into an inbox and
 * taken by interop_stream_next, which grants ceil(window / 2) back each time that many were
 * taken; the input sent only within the callee's credit; a callee frame that breaks the rules
 * fails the stream with its code and sends CANCEL. The exchange is one pending call of the
 * connection (calls.c), so ids, the deadline and a lost connection work as for calls. A direct
 * stream (the module hosted in this node) is a direct call (direct.c) whose items, checked and
 * copied, and credit go straight to the callee's side (stream_serve.c), with the same numbers. */
#include <stdlib.h>
#include "links.h"
#include "streams.h"

struct interop_stream {
  interop_node *node;
  conn *conn;
  pending *p;               /* NULL once the exchange is over */
  interop_call *call;       /* direct: the callee's call; NULL once over */
  const interop_function *fn;
  uint32_t id;
  uint8_t codec;
  uint64_t credit;          /* input: granted by the callee, not yet used */
  bool input_ended;
  uint32_t outstanding;     /* output: granted, not yet received */
  uint32_t taken;           /* output: taken since the last grant */
  inbox items;
  bool over, from_peer;
  int rc;
  interop_error err;
  interop_arena answer_arena;
  void *result;             /* a client stream's answer */
};

static void answered(void *user, int rc, const interop_error *err) {
  interop_stream *s = user;
  if (s->call != NULL) { /* direct: the handler's answer, or a deadline here */
    if (!s->call->cancelled) s->from_peer = true;
    stream_serve_detach(s->call);
    s->call = NULL;
  }
  s->over = true;
  s->p = NULL;
  s->rc = rc;
  s->err = *err;
  if (!s->from_peer) inbox_drop(&s->items); /* a local end: items not taken are discarded */
}

void stream_call_answered_by_peer(interop_stream *s) { s->from_peer = true; }

void stream_call_grant(interop_stream *s, uint32_t n) { s->credit += n; }

void stream_call_push(interop_stream *s, inbox_item *it) {
  s->outstanding--;
  inbox_push(&s->items, it);
}

static void nobody_waits(void *user, int rc, const interop_error *err) { (void)user, (void)rc, (void)err; }

/* A direct stream ended by its caller (cancel, a bad item): the handler is told, as a CANCEL would. */
static void direct_abort(interop_stream *s, int rc, const interop_error *err) {
  interop_call *call = s->call;
  s->call = NULL;
  stream_serve_detach(call);
  call->caller_gone = true; /* the stream's storage goes with it */
  call->done = nobody_waits, call->user = NULL;
  s->over = true, s->p = NULL, s->rc = rc, s->err = *err;
  inbox_drop(&s->items);
  call_cancel(call, INTEROP_CANCELLED, "cancelled by the caller");
}

static int direct_open(interop_invoker *inv, const interop_function *f, const void *params,
                       const interop_call_options *opts, interop_stream **out, interop_error *err) {
  interop_stream *s = calloc(1, sizeof *s);
  if (s == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  s->node = inv->node, s->fn = f;
  if (f->result != NULL && (s->result = calloc(1, f->result->size)) == NULL) {
    free(s);
    return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  }
  interop_call *call = direct_stream_call(inv, f, params, s->result, &s->answer_arena, opts, answered, s, err);
  uint32_t window = inv->node->limits.stream_window;
  if (call == NULL && err->code == INTEROP_UNIMPLEMENTED) {
    /* Nothing implements it: the stream opens and its answer is the error, as over a connection. */
    s->over = true, s->from_peer = true, s->rc = (int)err->code, s->err = *err;
    *out = s;
    return INTEROP_OK;
  }
  if (call != NULL && !stream_serve_direct(call, s, f->output != NULL ? window : 0)) {
    direct_call_free(call);
    call = NULL;
    interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  }
  if (call == NULL) {
    free(s->result);
    free(s);
    return (int)err->code;
  }
  s->call = call;
  s->outstanding = f->output != NULL ? window : 0;
  *out = s;
  interop_call_run(call);
  return INTEROP_OK;
}

/* The callee broke the rules of §1.5: the stream fails with `code`, CANCEL tells the callee. */
static void broke_rules(interop_stream *s, uint32_t code, const char *why) {
  interop_error e;
  node_count(s->node, INTEROP_REJECTED_FRAMES);
  interop_error_set(&e, code, "%s: %s", s->fn->name, why);
  calls_abort(s->conn, s->p, (int)code, &e, true);
}

void stream_call_on_frame(conn *c, const interop_frame *f) {
  pending *p = c->pending;
  while (p != NULL && p->id != f->correlation) p = p->next;
  if (p == NULL || p->stream == NULL) {
    node_count(c->node, INTEROP_LATE_STREAM_FRAMES);
    return;
  }
  interop_stream *s = p->stream;
  if (f->kind == INTEROP_FRAME_STREAM_END) return broke_rules(s, INTEROP_PROTOCOL_ERROR, "a STREAM_END from the callee");
  if (f->kind == INTEROP_FRAME_STREAM_CREDIT) {
    uint32_t n = stream_credit_of(f);
    if (s->fn->input == NULL) return broke_rules(s, INTEROP_PROTOCOL_ERROR, "credit for a stream without input");
    if (n == 0) return broke_rules(s, INTEROP_PROTOCOL_ERROR, "a malformed STREAM_CREDIT");
    if (s->credit + n > STREAM_MAX_CREDIT) return broke_rules(s, INTEROP_PROTOCOL_ERROR, "credit above 2^32 - 1");
    s->credit += n;
    return;
  }
  if (s->fn->output == NULL) return broke_rules(s, INTEROP_PROTOCOL_ERROR, "an item for a stream without output");
  if (f->codec != s->codec) return broke_rules(s, INTEROP_PROTOCOL_ERROR, "an item in another codec than the REQUEST's");
  if (s->outstanding == 0) return broke_rules(s, INTEROP_RESOURCE_EXHAUSTED, "an item beyond the credit granted");
  s->outstanding--;
  interop_error err;
  inbox_item *it = inbox_item_decode(s->fn->output, f, c->node->limits.max_depth, &err);
  if (it == NULL) {
    char why[INTEROP_MESSAGE_MAX];
    snprintf(why, sizeof why, "item does not decode: %s", err.message);
    return broke_rules(s, err.code, why);
  }
  inbox_push(&s->items, it);
}

/* The link's connection, open: dialed (and waited for) when it is not. */
static conn *open_link(node_link *l, interop_error *err) {
  link_open(l);
  while (l->conn != NULL && l->conn->state == CONN_HANDSHAKE) uv_run(l->node->loop, UV_RUN_ONCE);
  if (l->conn != NULL && l->conn->state == CONN_OPEN) return l->conn;
  interop_error_set(err, INTEROP_UNAVAILABLE, "cannot reach %s", l->address[0] ? l->address : "the plugin");
  return NULL;
}

int interop_stream_open(interop_invoker *inv, const interop_module *module, uint32_t fn, const void *params,
                        const interop_call_options *opts, interop_stream **out, interop_error *err) {
  *out = NULL;
  if (strcmp(module->name, inv->module->name) != 0 || fn >= module->functions_count)
    return interop_error_set(err, INTEROP_NOT_FOUND, "%s has no function #%u on this invoker", module->name, fn);
  const interop_function *f = &module->functions[fn];
  if (f->kind != INTEROP_FUNCTION_STREAM) return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s is not a stream function", f->name);
  if (inv->link == NULL) return direct_open(inv, f, params, opts, out, err);
  conn *c = open_link(inv->link, err);
  if (c == NULL) return (int)err->code;
  /* The REQUEST and its credit go out together: wait for a slot and a connection that takes data
   * (docs/wire.md §5), within the deadline. */
  uint32_t timeout = opts != NULL && opts->timeout_ms != 0 ? opts->timeout_ms : inv->node->limits.default_deadline_ms;
  uv_update_time(inv->node->loop);
  uint64_t until = uv_now(inv->node->loop) + timeout;
  while ((c->waiting != NULL || !calls_can_write(c)) && c->state == CONN_OPEN && uv_now(inv->node->loop) < until)
    uv_run(inv->node->loop, UV_RUN_ONCE);
  if (c->state != CONN_OPEN) return interop_error_set(err, INTEROP_UNAVAILABLE, "%s: the connection closed", f->name);
  if (c->waiting != NULL || !calls_can_write(c)) return interop_error_set(err, INTEROP_DEADLINE_EXCEEDED, "%s: deadline exceeded", f->name);
  interop_stream *s = calloc(1, sizeof *s);
  if (s == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  s->node = inv->node, s->conn = c, s->fn = f;
  if (f->result != NULL && (s->result = calloc(1, f->result->size)) == NULL) {
    free(s);
    return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  }
  s->p = calls_start_stream(c, module, f, params, opts, s->result, &s->answer_arena, answered, s, err);
  if (s->p == NULL) {
    free(s->result);
    free(s);
    return (int)err->code;
  }
  s->p->stream = s;
  s->id = s->p->id;
  s->codec = calls_send_codec(c, module->name, f->name); /* the REQUEST's */
  if (f->output != NULL) { /* in the same turn as the REQUEST */
    s->outstanding = c->node->limits.stream_window;
    stream_send_credit(c, s->id, 0, s->outstanding);
  }
  *out = s;
  return INTEROP_OK;
}

/* Runs the loop once: the stream waits for the peer. */
static void wait_once(interop_stream *s) { uv_run(s->node->loop, UV_RUN_ONCE); }

static int outcome(interop_stream *s, interop_error *err) {
  if (s->rc == INTEROP_OK) return INTEROP_DONE;
  if (err != NULL) *err = s->err;
  return s->rc;
}

int interop_stream_send(interop_stream *s, const void *item, interop_error *err) {
  if (s->fn->input == NULL) return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s has no client stream", s->fn->name);
  if (s->input_ended) return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s: the input was ended", s->fn->name);
  /* The callee's credit, and a connection that takes data: the item waits here (§5). */
  while (!s->over && (s->credit == 0 || (s->conn != NULL && s->conn->congested))) wait_once(s);
  if (s->over) return outcome(s, err);
  if (s->call != NULL) {
    inbox_item *it = inbox_item_copy(s->fn->input, item, s->node->limits.max_depth, err);
    if (it == NULL) {
      char why[INTEROP_MESSAGE_MAX];
      snprintf(why, sizeof why, "%s", err->message);
      interop_error_set(err, err->code, "%s input: %s", s->fn->name, why);
      direct_abort(s, (int)err->code, err); /* the stream ends there (§3.4) */
      return (int)err->code;
    }
    s->credit--;
    stream_serve_push(s->call, it);
    return INTEROP_OK;
  }
  interop_buf payload = INTEROP_BUF_INIT;
  interop_error bad;
  if (interop_encode(s->fn->input, item, (interop_codec)s->codec, s->node->limits.max_depth, &payload, &bad) != INTEROP_OK) {
    interop_buf_free(&payload);
    interop_error_set(err, bad.code, "%s input: %s", s->fn->name, bad.message);
    calls_abort(s->conn, s->p, (int)err->code, err, true); /* the stream ends there (§3.4) */
    return (int)err->code;
  }
  interop_frame f = {INTEROP_FRAME_STREAM_ITEM, s->codec, 0, s->id, 0, "", 0, payload.data, payload.len};
  conn_send(s->conn, &f);
  interop_buf_free(&payload);
  s->credit--;
  return INTEROP_OK;
}

int interop_stream_end(interop_stream *s, interop_error *err) {
  if (s->fn->input == NULL) return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s has no client stream", s->fn->name);
  if (s->input_ended || s->over) return INTEROP_OK;
  s->input_ended = true;
  if (s->call != NULL) {
    inbox_item *end = calloc(1, sizeof *end);
    if (end == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
    stream_serve_push(s->call, end);
    return INTEROP_OK;
  }
  interop_frame f = {INTEROP_FRAME_STREAM_END, INTEROP_CODEC_NONE, 0, s->id, 0, "", 0, NULL, 0};
  conn_send(s->conn, &f);
  return INTEROP_OK;
}

int interop_stream_next(interop_stream *s, void *item, interop_arena *arena, interop_error *err) {
  if (s->fn->output == NULL) return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s has no server stream", s->fn->name);
  while (s->items.head == NULL && !s->over) wait_once(s);
  inbox_item *it = inbox_pop(&s->items);
  if (it == NULL) return outcome(s, err);
  memcpy(item, it->value, s->fn->output->size);
  interop_arena_adopt(arena, &it->arena);
  free(it);
  uint32_t half = (s->node->limits.stream_window + 1) / 2;
  if (++s->taken >= half && !s->over) {
    uint32_t n = s->taken;
    s->outstanding += n;
    s->taken = 0;
    if (s->call != NULL) stream_serve_grant(s->call, n); /* may send more items at once */
    else stream_send_credit(s->conn, s->id, 0, n);
  }
  return INTEROP_OK;
}

static void stream_free(interop_stream *s) {
  inbox_drop(&s->items);
  interop_arena_free(&s->answer_arena);
  free(s->result);
  free(s);
}

int interop_stream_finish(interop_stream *s, void *result, interop_arena *arena, interop_error *err) {
  if (s->fn->input != NULL) interop_stream_end(s, err);
  while (!s->over) wait_once(s);
  int rc = s->rc;
  if (rc != INTEROP_OK && err != NULL) *err = s->err;
  if (rc == INTEROP_OK && s->fn->result != NULL && result != NULL) {
    memcpy(result, s->result, s->fn->result->size);
    interop_arena_adopt(arena, &s->answer_arena);
  }
  stream_free(s);
  return rc;
}

void interop_stream_cancel(interop_stream *s) {
  if (!s->over) {
    interop_error e;
    interop_error_set(&e, INTEROP_CANCELLED, "%s: cancelled by the caller", s->fn->name);
    if (s->call != NULL) direct_abort(s, INTEROP_CANCELLED, &e);
    else calls_abort(s->conn, s->p, INTEROP_CANCELLED, &e, true);
  }
  stream_free(s);
}
