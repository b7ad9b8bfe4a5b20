/* The callee's side of streams over a connection (docs/wire.md §1.5): the caller's items, decoded
 * and handed to the handler in order, with credit granted back as the handler takes them
 * (`stream_window` at open, then ceil(window / 2) at a time); the handler's items, sent only
 * within the credit the caller granted (no credit: the handler is told to wait, nothing is
 * dropped); a stream frame that breaks the rules ends the exchange with ERROR. As
 * runtime-ts/src/node/stream-serve.ts. A direct stream's caller (stream_call.c) is in this node:
 * what would be frames are calls both ways, with the same credit. */
#include <stdlib.h>
#include "streams.h"

typedef struct stream_served {
  conn *conn;               /* NULL for a direct stream */
  struct interop_stream *direct; /* a direct stream's caller, until it is gone */
  served *served;
  interop_call *call;
  uint32_t id;
  uint8_t codec;
  /* output: the handler's items */
  uint64_t credit;          /* granted by the caller, not yet used */
  void (*on_ready)(void *arg);
  void *ready_arg;
  /* input: the caller's items */
  uint32_t outstanding;     /* granted and not yet received */
  uint32_t taken;           /* taken by the handler since the last grant */
  bool ended;               /* STREAM_END received */
  inbox items;
  void (*on_item)(void *arg, const void *item);
  void *item_arg;
  bool delivering;          /* in deliver(): freeing waits for it */
  bool over;                /* the exchange ended while delivering */
} stream_served;

static uint16_t directions(const interop_function *fn) {
  return (uint16_t)((fn->input != NULL ? STREAM_FLAG_IN : 0) | (fn->output != NULL ? STREAM_FLAG_OUT : 0));
}

static void send_credit(stream_served *st, uint32_t n) {
  if (st->conn != NULL) stream_send_credit(st->conn, st->id, STREAM_FLAG_CALLEE, n);
  else if (st->direct != NULL) stream_call_grant(st->direct, n);
  st->outstanding += n;
}

/* Whether the caller is still there to take items and credit. */
static bool caller_there(const stream_served *st) {
  return st->conn != NULL ? st->conn->state != CONN_CLOSED : st->direct != NULL;
}

bool stream_serve_open(conn *c, served *s, const interop_frame *f) {
  const interop_function *fn = s->call->fn;
  if (f->flags & (STREAM_FLAG_IN | STREAM_FLAG_OUT) ? fn->kind != INTEROP_FUNCTION_STREAM : fn->kind == INTEROP_FUNCTION_STREAM) {
    interop_error e;
    interop_error_set(&e, INTEROP_INVALID_ARGUMENT, "%s is a %s function, sent as %s", s->target,
                      fn->kind == INTEROP_FUNCTION_STREAM ? "stream" : "call", fn->kind == INTEROP_FUNCTION_STREAM ? "call" : "stream");
    conn_send_error(c, f->correlation, f->target, f->target_len, f->codec, &e);
    return false;
  }
  if (fn->kind != INTEROP_FUNCTION_STREAM) return true;
  if ((f->flags & (STREAM_FLAG_IN | STREAM_FLAG_OUT)) != directions(fn)) {
    interop_error e;
    interop_error_set(&e, INTEROP_INVALID_ARGUMENT, "%s: the REQUEST's stream directions do not match the function's", s->target);
    conn_send_error(c, f->correlation, f->target, f->target_len, f->codec, &e);
    return false;
  }
  stream_served *st = calloc(1, sizeof *st);
  if (st == NULL) return false;
  st->conn = c, st->served = s, st->call = s->call, st->id = s->id, st->codec = s->codec;
  s->call->stream = st;
  return true;
}

void stream_serve_accepted(interop_call *call) {
  stream_served *st = call->stream;
  if (st != NULL && call->fn->input != NULL) send_credit(st, st->conn->node->limits.stream_window);
}

void stream_serve_free(interop_call *call) {
  stream_served *st = call->stream;
  if (st == NULL) return;
  call->stream = NULL;
  inbox_drop(&st->items);
  if (st->delivering) st->over = true; /* deliver() frees it when the handler's callback returns */
  else free(st);
}

/* The caller broke the rules of §1.5: ERROR `code` ends the exchange, the handler is cancelled. */
static void broke_rules(stream_served *st, uint32_t code, const char *why) {
  conn *c = st->conn;
  served *s = st->served;
  interop_call *call = st->call;
  interop_error e;
  node_count(c->node, INTEROP_REJECTED_FRAMES);
  interop_error_set(&e, code, "%s: %s", s->target, why);
  conn_send_error(c, st->id, s->target, strlen(s->target), st->codec, &e);
  inbox_drop(&st->items);
  call_cancel(call, (int)code, why); /* nothing more is sent for this id */
}

/* Hands queued items to the handler while it takes them; grants credit back every half window. */
static void deliver(stream_served *st) {
  if (st->delivering || st->on_item == NULL) return;
  st->delivering = true;
  uint32_t half = (st->call->node->limits.stream_window + 1) / 2;
  while (st->items.head != NULL && !st->over && !st->call->handler_done && !st->call->cancelled) {
    inbox_item *it = inbox_pop(&st->items);
    bool end = it->value == NULL;
    st->on_item(st->item_arg, it->value);
    interop_arena_free(&it->arena);
    free(it);
    if (end || st->over) break;
    if (++st->taken >= half && !st->ended && caller_there(st)) {
      send_credit(st, st->taken);
      st->taken = 0;
    }
  }
  st->delivering = false;
  if (st->over) free(st);
}

static void push(stream_served *st, inbox_item *it) {
  inbox_push(&st->items, it);
  deliver(st);
}

static void on_item(stream_served *st, const interop_frame *f) {
  const interop_function *fn = st->call->fn;
  if (fn->input == NULL || st->ended)
    return broke_rules(st, INTEROP_PROTOCOL_ERROR, fn->input == NULL ? "an item for a stream without input" : "an item after STREAM_END");
  if (f->codec != st->codec) return broke_rules(st, INTEROP_PROTOCOL_ERROR, "an item in another codec than the REQUEST's");
  if (st->outstanding == 0) return broke_rules(st, INTEROP_RESOURCE_EXHAUSTED, "an item beyond the credit granted");
  st->outstanding--;
  interop_error err;
  inbox_item *it = inbox_item_decode(fn->input, f, st->conn->node->limits.max_depth, &err);
  if (it == NULL) {
    char why[INTEROP_MESSAGE_MAX];
    snprintf(why, sizeof why, "item does not decode: %s", err.message);
    return broke_rules(st, err.code, why);
  }
  push(st, it);
}

/* The caller granted n more output items: a handler waiting for credit goes on. */
static void granted(stream_served *st, uint32_t n) {
  st->credit += n;
  void (*ready)(void *) = st->on_ready;
  st->on_ready = NULL;
  if (ready != NULL && !st->call->cancelled && !st->call->handler_done) ready(st->ready_arg);
}

static void on_credit(stream_served *st, const interop_frame *f) {
  if (st->call->fn->output == NULL) return broke_rules(st, INTEROP_PROTOCOL_ERROR, "credit for a stream without output");
  uint32_t n = stream_credit_of(f);
  if (n == 0) return broke_rules(st, INTEROP_PROTOCOL_ERROR, "a malformed STREAM_CREDIT");
  if (st->credit + n > STREAM_MAX_CREDIT) return broke_rules(st, INTEROP_PROTOCOL_ERROR, "credit above 2^32 - 1");
  granted(st, n);
}

void stream_on_frame(conn *c, const interop_frame *f) {
  if (f->flags & STREAM_FLAG_CALLEE) return stream_call_on_frame(c, f); /* one of our own calls */
  served *s = c->served;
  while (s != NULL && s->id != f->correlation) s = s->next;
  if (s == NULL || s->call->cancelled || s->call->handler_done) {
    node_count(c->node, INTEROP_LATE_STREAM_FRAMES);
    return;
  }
  stream_served *st = s->call->stream;
  if (st == NULL) { /* a stream frame for a call: the call ends as a stream would */
    interop_error e;
    node_count(c->node, INTEROP_REJECTED_FRAMES);
    interop_error_set(&e, INTEROP_PROTOCOL_ERROR, "%s: a stream frame for an exchange that is not a stream", s->target);
    conn_send_error(c, s->id, s->target, strlen(s->target), s->codec, &e);
    call_cancel(s->call, INTEROP_PROTOCOL_ERROR, "a stream frame for a call");
    return;
  }
  if (f->kind == INTEROP_FRAME_STREAM_ITEM) return on_item(st, f);
  if (f->kind == INTEROP_FRAME_STREAM_CREDIT) return on_credit(st, f);
  if (st->call->fn->input == NULL || st->ended)
    return broke_rules(st, INTEROP_PROTOCOL_ERROR, st->ended ? "a second STREAM_END" : "a STREAM_END for a stream without input");
  st->ended = true;
  inbox_item *end = calloc(1, sizeof *end);
  if (end == NULL) return broke_rules(st, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  push(st, end);
}

/* The connection drained (outbound.c): handlers that wait to send go on, while it takes data. */
void stream_serve_drained(conn *c) {
  for (;;) {
    stream_served *st = NULL;
    for (served *s = c->served; s != NULL && st == NULL; s = s->next)
      if (s->call->stream != NULL && s->call->stream->on_ready != NULL && s->call->stream->credit > 0) st = s->call->stream;
    if (st == NULL || c->congested || c->state == CONN_CLOSED) return;
    granted(st, 0);
  }
}

/* ---- a direct stream: its caller is in this node (stream_call.c) ---- */

bool stream_serve_direct(interop_call *call, struct interop_stream *caller, uint32_t output_credit) {
  stream_served *st = calloc(1, sizeof *st);
  if (st == NULL) return false;
  st->direct = caller, st->call = call, st->credit = output_credit;
  call->stream = st;
  if (call->fn->input != NULL) send_credit(st, call->node->limits.stream_window);
  return true;
}

void stream_serve_grant(interop_call *call, uint32_t n) {
  if (call->stream != NULL) granted(call->stream, n);
}

void stream_serve_push(interop_call *call, inbox_item *it) {
  stream_served *st = call->stream;
  if (st == NULL || call->cancelled || call->handler_done) { /* over: as a late frame */
    interop_arena_free(&it->arena);
    free(it);
    return;
  }
  if (it->value == NULL) st->ended = true;
  else st->outstanding--;
  push(st, it);
}

void stream_serve_detach(interop_call *call) {
  if (call->stream != NULL) call->stream->direct = NULL;
}

/* An item of the handler's, checked as a codec would and copied to the caller. */
static int send_direct(stream_served *st, const void *item, interop_error *err) {
  interop_call *call = st->call;
  interop_error bad;
  inbox_item *it = inbox_item_copy(call->fn->output, item, call->node->limits.max_depth, &bad);
  if (it == NULL) {
    /* The handler's fault (docs/wire.md §3.4): INTERNAL to the caller, after the items before. */
    node_count(call->node, INTEROP_HANDLER_ERRORS);
    interop_error_set(err, INTEROP_INTERNAL, "%s: the handler sent an invalid item: %s", call->fn->name, bad.message);
    char why[INTEROP_MESSAGE_MAX];
    snprintf(why, sizeof why, "the handler sent an invalid item: %s", bad.message);
    stream_call_answered_by_peer(st->direct);
    call_cancel(call, INTEROP_INTERNAL, why);
    return INTEROP_INTERNAL;
  }
  st->credit--;
  stream_call_push(st->direct, it);
  return INTEROP_OK;
}

/* ---- what a stream's handler calls (module.h) ---- */

int interop_call_send_item(interop_call *call, const void *item, interop_error *err) {
  stream_served *st = call->stream;
  if (call->fn->output == NULL)
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s has no server stream", call->fn->name);
  if (st == NULL || call->cancelled || call->handler_done || !caller_there(st))
    return interop_error_set(err, INTEROP_CANCELLED, "%s: the stream is over", call->fn->name);
  /* No credit, or the connection is congested: the item waits with the handler (§5). */
  if (st->credit == 0 || (st->conn != NULL && st->conn->congested)) return INTEROP_PENDING;
  if (st->conn == NULL) return send_direct(st, item, err);
  interop_buf payload = INTEROP_BUF_INIT;
  interop_error bad;
  if (interop_encode(call->fn->output, item, (interop_codec)st->codec, st->conn->node->limits.max_depth, &payload, &bad) != INTEROP_OK) {
    /* The handler's fault (docs/wire.md §3.4): INTERNAL to the caller, after the items before. */
    interop_buf_free(&payload);
    node_count(st->conn->node, INTEROP_HANDLER_ERRORS);
    interop_error_set(err, INTEROP_INTERNAL, "%s: the handler sent an invalid item: %s", call->fn->name, bad.message);
    served *s = st->served;
    conn_send_error(st->conn, st->id, s->target, strlen(s->target), st->codec, err);
    call_cancel(call, INTEROP_INTERNAL, "the handler sent an invalid item");
    return INTEROP_INTERNAL;
  }
  interop_frame f = {INTEROP_FRAME_STREAM_ITEM, st->codec, STREAM_FLAG_CALLEE, st->id, 0, "", 0, payload.data, payload.len};
  conn_send(st->conn, &f);
  interop_buf_free(&payload);
  st->credit--;
  return INTEROP_OK;
}

void interop_call_on_ready(interop_call *call, void (*cb)(void *arg), void *arg) {
  if (call->stream == NULL) return;
  call->stream->on_ready = cb;
  call->stream->ready_arg = arg;
}

void interop_call_on_item(interop_call *call, void (*cb)(void *arg, const void *item), void *arg) {
  stream_served *st = call->stream;
  if (st == NULL) return;
  st->on_item = cb;
  st->item_arg = arg;
  deliver(st);
}
