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

/* stream_call.c: a STREAM_ITEM, STREAM_CREDIT or STREAM_END with the CALLEE flag, for one of our
 * own stream calls. */
void stream_call_on_frame(conn *c, const interop_frame *f);
/* The peer answered the stream (RESPONSE or ERROR): its items received before the answer stay
 * readable, unlike when the exchange ends here (deadline, cancel, lost connection). */
void stream_call_answered_by_peer(struct interop_stream *s);

#endif
