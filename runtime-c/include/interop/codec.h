/* Encoding, decoding and checking values by type descriptor (docs/wire.md §3): the canonical JSON,
 * msgpack, protobuf and FlatBuffers of every value, the same value checks in every path (socket or direct). */
#ifndef INTEROP_CODEC_H
#define INTEROP_CODEC_H

#include "arena.h"
#include "buf.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** docs/wire.md §1.2 */
typedef enum interop_codec {
  INTEROP_CODEC_NONE = 0,
  INTEROP_CODEC_JSON = 1,
  INTEROP_CODEC_MSGPACK = 2,
  INTEROP_CODEC_PROTOBUF = 3, /* §3.5: the messages of `interopc gen --lang proto` (ADR 0028) */
  INTEROP_CODEC_FLATBUFFERS = 4 /* §3.6: the tables of `interopc gen --lang fbs`, one canonical layout (ADR 0041) */
} interop_codec;

/** The default of docs/wire.md §5 `max_depth`. */
#define INTEROP_DEFAULT_MAX_DEPTH 64

/**
 * Appends the canonical encoding of `value` (a pointer to the C representation of `type`) to
 * `out`. Checks the value as a decoder would (valid UTF-8, a known union case, distinct map keys,
 * nesting within max_depth): INTEROP_INVALID_ARGUMENT or INTEROP_RESOURCE_EXHAUSTED otherwise,
 * with `out` left as it was. Returns the code (INTEROP_OK = 0).
 */
int interop_encode(const interop_type *type, const void *value, interop_codec codec, uint32_t max_depth,
                   interop_buf *out, interop_error *err);

/**
 * Decodes exactly one value of `type` from `data` into `*out` (type->size bytes, overwritten).
 * Everything the value points to is allocated in `arena`, and maps come out sorted by key (their
 * canonical order). Returns INTEROP_OK, INTEROP_INVALID_ARGUMENT or INTEROP_RESOURCE_EXHAUSTED.
 */
int interop_decode(const interop_type *type, const uint8_t *data, size_t len, interop_codec codec,
                   uint32_t max_depth, interop_arena *arena, void *out, interop_error *err);

/** The checks interop_encode makes, without encoding: what a direct call runs on its values. */
int interop_check(const interop_type *type, const void *value, uint32_t max_depth, interop_error *err);

/** "json", "msgpack", "protobuf", "flatbuffers", "none"; NULL for another value. */
const char *interop_codec_name(interop_codec codec);
/** The codec of a name, or -1. */
int interop_codec_from_name(const char *name);

#ifdef __cplusplus
}
#endif
#endif
