/* Frames (docs/wire.md §1): the 18-byte little-endian header, and a decoder that reassembles
 * frames from any chunking without allocating a frame's length before its bytes arrive. */
#ifndef INTEROP_FRAME_H
#define INTEROP_FRAME_H

#include "buf.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum interop_frame_kind {
  INTEROP_FRAME_HELLO = 1,
  INTEROP_FRAME_WELCOME = 2,
  INTEROP_FRAME_REQUEST = 3,
  INTEROP_FRAME_RESPONSE = 4,
  INTEROP_FRAME_ERROR = 5,
  INTEROP_FRAME_ONEWAY = 6,
  INTEROP_FRAME_EVENT = 7,
  INTEROP_FRAME_SUBSCRIBE = 8,
  INTEROP_FRAME_UNSUBSCRIBE = 9,
  INTEROP_FRAME_CANCEL = 10,
  INTEROP_FRAME_PING = 11,
  INTEROP_FRAME_PONG = 12,
  INTEROP_FRAME_GOODBYE = 13,
  INTEROP_FRAME_STREAM_ITEM = 14,
  INTEROP_FRAME_STREAM_END = 15,
  INTEROP_FRAME_STREAM_CREDIT = 16
} interop_frame_kind;

/** Bytes before the target: length (4) + the fixed header (14). */
#define INTEROP_FRAME_HEAD 18
/** docs/wire.md §5 defaults. */
#define INTEROP_DEFAULT_MAX_FRAME_BYTES 16777216u
#define INTEROP_DEFAULT_MAX_TARGET_BYTES 1024u

/** One frame. Decoded frames point into the decoder's buffer until its next call. */
typedef struct interop_frame {
  uint8_t kind;
  uint8_t codec;
  uint16_t flags;
  uint32_t correlation;
  uint32_t timeout_ms;
  const char *target; /* not NUL-terminated */
  size_t target_len;
  const uint8_t *payload;
  size_t payload_len;
} interop_frame;

/** "REQUEST" for 3, NULL for a kind version 1 does not know. */
const char *interop_frame_kind_name(uint32_t kind);

/**
 * Whether a complete frame's kind and codec are ones this version knows (docs/wire.md §1.4):
 * INTEROP_PROTOCOL_ERROR otherwise, answered with an ERROR for its correlation id while the
 * connection goes on.
 */
int interop_frame_check(const interop_frame *f, interop_error *err);

/** Writes the 18-byte head of a frame whose target and payload have these lengths. */
void interop_frame_head(uint8_t out[INTEROP_FRAME_HEAD], const interop_frame *f);
/** Appends the whole frame; INTEROP_RESOURCE_EXHAUSTED if it would not fit a u32 length. */
int interop_frame_encode(interop_buf *out, const interop_frame *f, interop_error *err);

typedef struct interop_frame_decoder {
  interop_buf buf;          /* bytes received, not yet consumed from `start` */
  size_t start;
  uint32_t max_frame_bytes; /* the `length` limit */
} interop_frame_decoder;

void interop_frame_decoder_init(interop_frame_decoder *d, uint32_t max_frame_bytes);
void interop_frame_decoder_free(interop_frame_decoder *d);
/** Appends received bytes; false when out of memory. */
bool interop_frame_decoder_push(interop_frame_decoder *d, const uint8_t *data, size_t n);
/**
 * The next complete frame: 1 with *f filled, 0 when more bytes are needed, or a framing error
 * (negative: -INTEROP_PROTOCOL_ERROR or -INTEROP_RESOURCE_EXHAUSTED, err filled) after which the
 * stream cannot be trusted: send one connection-level ERROR and close.
 */
int interop_frame_decoder_next(interop_frame_decoder *d, interop_frame *f, interop_error *err);
/** The stream ended: a framing error if it stopped inside a frame, else 0. */
int interop_frame_decoder_end(interop_frame_decoder *d, interop_error *err);
/** Bytes buffered that are not a complete frame yet. */
size_t interop_frame_decoder_pending(const interop_frame_decoder *d);

#ifdef __cplusplus
}
#endif
#endif
