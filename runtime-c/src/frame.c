/* Frame header encoding and the reassembling decoder (docs/wire.md §1). */
#include "interop/frame.h"
#include <string.h>

static const char *const KINDS[] = {NULL,          "HELLO",      "WELCOME",      "REQUEST", "RESPONSE",
                                    "ERROR",       "ONEWAY",     "EVENT",        "SUBSCRIBE", "UNSUBSCRIBE",
                                    "CANCEL",      "PING",       "PONG",         "GOODBYE", "STREAM_ITEM",
                                    "STREAM_END",  "STREAM_CREDIT"};

const char *interop_frame_kind_name(uint32_t kind) {
  return kind < sizeof KINDS / sizeof KINDS[0] ? KINDS[kind] : NULL;
}

int interop_frame_check(const interop_frame *f, interop_error *err) {
  if (interop_frame_kind_name(f->kind) == NULL)
    return interop_error_set(err, INTEROP_PROTOCOL_ERROR, "unknown frame kind %u", f->kind);
  if (f->codec > 4) /* flatbuffers, the last of interop/codec.h */ return interop_error_set(err, INTEROP_PROTOCOL_ERROR, "unknown or unsupported codec %u", f->codec);
  return INTEROP_OK;
}

static void le16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v) {
  le16(p, v);
  le16(p + 2, v >> 16);
}

static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | rd16(p + 2) << 16; }

void interop_frame_head(uint8_t out[INTEROP_FRAME_HEAD], const interop_frame *f) {
  le32(out, (uint32_t)(14 + f->target_len + f->payload_len));
  out[4] = f->kind;
  out[5] = f->codec;
  le16(out + 6, f->flags);
  le32(out + 8, f->correlation);
  le32(out + 12, f->timeout_ms);
  le16(out + 16, (uint32_t)f->target_len);
}

int interop_frame_encode(interop_buf *out, const interop_frame *f, interop_error *err) {
  if (f->target_len > 0xffff || f->payload_len > 0xffffffffu - 14 - f->target_len)
    return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "frame too large for a u32 length");
  uint8_t head[INTEROP_FRAME_HEAD];
  interop_frame_head(head, f);
  interop_buf_put(out, head, sizeof head);
  interop_buf_put(out, f->target, f->target_len);
  interop_buf_put(out, f->payload, f->payload_len);
  return out->failed ? interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory") : INTEROP_OK;
}

void interop_frame_decoder_init(interop_frame_decoder *d, uint32_t max_frame_bytes) {
  interop_buf_init(&d->buf);
  d->start = 0;
  d->max_frame_bytes = max_frame_bytes;
}

void interop_frame_decoder_free(interop_frame_decoder *d) { interop_buf_free(&d->buf); }

size_t interop_frame_decoder_pending(const interop_frame_decoder *d) { return d->buf.len - d->start; }

bool interop_frame_decoder_push(interop_frame_decoder *d, const uint8_t *data, size_t n) {
  if (d->start > 0 && (d->start == d->buf.len || d->start >= d->buf.cap / 2)) {
    /* Drop consumed bytes before growing, so the buffer holds at most one partial frame more. */
    memmove(d->buf.data, d->buf.data + d->start, d->buf.len - d->start);
    d->buf.len -= d->start;
    d->start = 0;
  }
  interop_buf_put(&d->buf, data, n);
  return !d->buf.failed;
}

int interop_frame_decoder_next(interop_frame_decoder *d, interop_frame *f, interop_error *err) {
  size_t avail = d->buf.len - d->start;
  if (avail < 4) return 0;
  const uint8_t *p = d->buf.data + d->start;
  uint32_t length = rd32(p);
  if (length < 14)
    return -interop_error_set(err, INTEROP_PROTOCOL_ERROR, "frame length %u is below the 14-byte header", length);
  if (length > d->max_frame_bytes)
    return -interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "frame length %u exceeds max_frame_bytes %u", length,
                              d->max_frame_bytes);
  if (avail < 4 + (size_t)length) return 0;
  size_t target_len = rd16(p + 16);
  if (target_len > length - 14)
    return -interop_error_set(err, INTEROP_PROTOCOL_ERROR, "target_len %zu runs past the frame (length %u)", target_len,
                              length);
  f->kind = p[4];
  f->codec = p[5];
  f->flags = (uint16_t)rd16(p + 6);
  f->correlation = rd32(p + 8);
  f->timeout_ms = rd32(p + 12);
  f->target = (const char *)p + INTEROP_FRAME_HEAD;
  f->target_len = target_len;
  f->payload = p + INTEROP_FRAME_HEAD + target_len;
  f->payload_len = length - 14 - target_len;
  d->start += 4 + (size_t)length;
  return 1;
}

int interop_frame_decoder_end(interop_frame_decoder *d, interop_error *err) {
  size_t left = d->buf.len - d->start;
  if (left == 0) return 0;
  return -interop_error_set(err, INTEROP_PROTOCOL_ERROR, "stream ended inside a frame (%zu bytes of it received)",
                            left);
}
