/* What both sides of a stream share (docs/wire.md §1.5): the frame flags, STREAM_CREDIT's payload,
 * and the inbox of items received and not yet taken. Not installed. */
#ifndef INTEROP_STREAMS_H
#define INTEROP_STREAMS_H

#include "conn.h"

#define STREAM_FLAG_CALLEE 0x0001u
#define STREAM_FLAG_IN 0x0002u
#define STREAM_FLAG_OUT 0x0004u
#define STREAM_MAX_CREDIT 0xFFFFFFFFu

/* An item received and not yet taken; a NULL value marks the caller's STREAM_END. */
typedef struct inbox_item {
  struct inbox_item *next;
  interop_arena arena;
  void *value;
} inbox_item;

typedef struct inbox {
  inbox_item *head, *tail;
} inbox;

void inbox_push(inbox *q, inbox_item *it);
inbox_item *inbox_pop(inbox *q);
void inbox_drop(inbox *q);
/* Decodes a STREAM_ITEM's payload as `type` into a new item; NULL with err set when it does not
 * decode (INVALID_ARGUMENT, RESOURCE_EXHAUSTED). */
inbox_item *inbox_item_decode(const interop_type *type, const interop_frame *f, uint32_t max_depth, interop_error *err);

/* The n of a STREAM_CREDIT (0 when its payload is not 4 bytes, or is 0: both malformed). */
uint32_t stream_credit_of(const interop_frame *f);
/* Sends STREAM_CREDIT n for exchange `id`, with `flags` (CALLEE when the callee grants). */
void stream_send_credit(conn *c, uint32_t id, uint16_t flags, uint32_t n);

/* A direct stream (docs/wire.md §8 "direct"): both ends in this node, no frames. Items are
 * checked as a codec would check them and copied, credit is the same numbers as on a connection,
 * and each side calls the other's functions where a frame would go. */
/* stream_items.c: a checked copy of an item; NULL with err set when it is not a value of `type`. */
inbox_item *inbox_item_copy(const interop_type *type, const void *value, uint32_t max_depth, interop_error *err);
/* stream_call.c, for the callee: n more input items granted; one output item. */
void stream_call_grant(struct interop_stream *s, uint32_t n);
void stream_call_push(struct interop_stream *s, inbox_item *it);
/* The callee ended its output with an answer: the items before it stay readable. */
void stream_call_answered_by_peer(struct interop_stream *s);
/* stream_serve.c, for the caller: the callee's side, with its output credit (the caller's window)
 * and its input window granted; n more output items granted; one input item (value NULL: the
 * end); the caller is gone (it ended the stream, or took the answer): nothing reaches it again. */
bool stream_serve_direct(interop_call *call, struct interop_stream *caller, uint32_t output_credit);
void stream_serve_grant(interop_call *call, uint32_t n);
void stream_serve_push(interop_call *call, inbox_item *it);
void stream_serve_detach(interop_call *call);

/* stream_serve.c: the connection drained: handlers waiting to send are called back. */
void stream_serve_drained(conn *c);

/* stream_call.c: a STREAM_ITEM, STREAM_CREDIT or STREAM_END with the CALLEE flag, for one of our
 * own stream calls. */
void stream_call_on_frame(conn *c, const interop_frame *f);
/* (Over a connection: the peer answered with RESPONSE or ERROR. Unlike when the exchange ends
 * here, deadline, cancel, lost connection, the items received before stay readable.) */

#endif
