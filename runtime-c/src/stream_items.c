/* The inbox and credit frames both sides of a stream use (streams.h). */
#include <stdlib.h>
#include "streams.h"

void inbox_push(inbox *q, inbox_item *it) {
  it->next = NULL;
  if (q->tail != NULL) q->tail->next = it;
  else q->head = it;
  q->tail = it;
}

inbox_item *inbox_pop(inbox *q) {
  inbox_item *it = q->head;
  if (it == NULL) return NULL;
  q->head = it->next;
  if (q->head == NULL) q->tail = NULL;
  return it;
}

void inbox_drop(inbox *q) {
  inbox_item *it;
  while ((it = inbox_pop(q)) != NULL) {
    interop_arena_free(&it->arena);
    free(it);
  }
}

inbox_item *inbox_item_decode(const interop_type *type, const interop_frame *f, uint32_t max_depth, interop_error *err) {
  inbox_item *it = calloc(1, sizeof *it);
  void *value = it != NULL ? interop_arena_alloc(&it->arena, type->size, type->align) : NULL;
  if (value == NULL) {
    interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  } else if (interop_decode(type, f->payload, f->payload_len, (interop_codec)f->codec, max_depth, &it->arena, value, err) == INTEROP_OK) {
    it->value = value;
    return it;
  }
  if (it != NULL) interop_arena_free(&it->arena);
  free(it);
  return NULL;
}

inbox_item *inbox_item_copy(const interop_type *type, const void *value, uint32_t max_depth, interop_error *err) {
  if (interop_check(type, value, max_depth, err) != INTEROP_OK) return NULL;
  inbox_item *it = calloc(1, sizeof *it);
  void *copy = it != NULL ? interop_arena_alloc(&it->arena, type->size, type->align) : NULL;
  if (copy != NULL && interop_copy(type, value, copy, &it->arena) == INTEROP_OK) {
    it->value = copy;
    return it;
  }
  if (it != NULL) interop_arena_free(&it->arena);
  free(it);
  interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  return NULL;
}

uint32_t stream_credit_of(const interop_frame *f) {
  if (f->payload_len != 4) return 0;
  return (uint32_t)f->payload[0] | (uint32_t)f->payload[1] << 8 | (uint32_t)f->payload[2] << 16 | (uint32_t)f->payload[3] << 24;
}

void stream_send_credit(conn *c, uint32_t id, uint16_t flags, uint32_t n) {
  uint8_t payload[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
  interop_frame f = {INTEROP_FRAME_STREAM_CREDIT, INTEROP_CODEC_NONE, flags, id, 0, "", 0, payload, 4};
  conn_send(c, &f);
}
