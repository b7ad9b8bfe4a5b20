/* Error codes by name (docs/wire.md §4.1) and filling interop_error. */
#include <stdio.h>
#include <string.h>
#include "internal.h"

static const struct {
  uint32_t code;
  const char *name;
} CODES[] = {
    {INTEROP_OK, "OK"},
    {INTEROP_CANCELLED, "CANCELLED"},
    {INTEROP_UNKNOWN, "UNKNOWN"},
    {INTEROP_INVALID_ARGUMENT, "INVALID_ARGUMENT"},
    {INTEROP_DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED"},
    {INTEROP_NOT_FOUND, "NOT_FOUND"},
    {INTEROP_PERMISSION_DENIED, "PERMISSION_DENIED"},
    {INTEROP_RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED"},
    {INTEROP_UNIMPLEMENTED, "UNIMPLEMENTED"},
    {INTEROP_INTERNAL, "INTERNAL"},
    {INTEROP_UNAVAILABLE, "UNAVAILABLE"},
    {INTEROP_UNAUTHENTICATED, "UNAUTHENTICATED"},
    {INTEROP_SCHEMA_MISMATCH, "SCHEMA_MISMATCH"},
    {INTEROP_APPLICATION_ERROR, "APPLICATION_ERROR"},
    {INTEROP_PROTOCOL_ERROR, "PROTOCOL_ERROR"},
};

const char *interop_code_name(uint32_t code) {
  for (size_t i = 0; i < sizeof CODES / sizeof CODES[0]; i++)
    if (CODES[i].code == code) return CODES[i].name;
  return "UNKNOWN";
}

uint32_t interop_code_from_name(const char *name) {
  for (size_t i = 1; i < sizeof CODES / sizeof CODES[0]; i++)
    if (strcmp(CODES[i].name, name) == 0) return CODES[i].code;
  return 0;
}

void interop_error_clear(interop_error *err) {
  err->code = INTEROP_OK;
  err->message[0] = '\0';
  err->type_name[0] = '\0';
  err->type = NULL;
  err->detail = NULL;
}

int interop_error_vset(interop_error *err, uint32_t code, const char *fmt, va_list ap) {
  if (err == NULL) return (int)code;
  interop_error_clear(err);
  err->code = code;
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  return (int)code;
}

int interop_error_set(interop_error *err, uint32_t code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  interop_error_vset(err, code, fmt, ap);
  va_end(ap);
  return (int)code;
}

void interop_path_init(interop_path *p) {
  p->start = sizeof p->buf - 1;
  p->buf[p->start] = '\0';
}

static void path_prepend(interop_path *p, const char *text, size_t n) {
  if (n > p->start) {
    p->start = 0; /* too deep to show in full: keep the innermost part */
    return;
  }
  p->start -= n;
  memcpy(p->buf + p->start, text, n);
}

void interop_path_field(interop_path *p, const char *name) {
  if (p->buf[p->start] != '\0' && p->buf[p->start] != '[') path_prepend(p, ".", 1);
  path_prepend(p, name, strlen(name));
}

void interop_path_index(interop_path *p, size_t index) {
  char seg[32];
  int n = snprintf(seg, sizeof seg, "[%zu]", index);
  if (p->buf[p->start] != '\0' && p->buf[p->start] != '[') path_prepend(p, ".", 1);
  path_prepend(p, seg, (size_t)n);
}

void interop_path_apply(const interop_path *p, interop_error *err) {
  if (err == NULL || p->buf[p->start] == '\0') return;
  char old[INTEROP_MESSAGE_MAX];
  memcpy(old, err->message, sizeof old);
  snprintf(err->message, sizeof err->message, "%s: %s", p->buf + p->start, old);
}

const char *interop_codec_name(interop_codec codec) {
  switch (codec) {
    case INTEROP_CODEC_NONE: return "none";
    case INTEROP_CODEC_JSON: return "json";
    case INTEROP_CODEC_MSGPACK: return "msgpack";
    case INTEROP_CODEC_PROTOBUF: return "protobuf";
    case INTEROP_CODEC_FLATBUFFERS: return "flatbuffers";
  }
  return NULL;
}

int interop_codec_from_name(const char *name) {
  if (strcmp(name, "json") == 0) return INTEROP_CODEC_JSON;
  if (strcmp(name, "msgpack") == 0) return INTEROP_CODEC_MSGPACK;
  if (strcmp(name, "protobuf") == 0) return INTEROP_CODEC_PROTOBUF;
  if (strcmp(name, "flatbuffers") == 0) return INTEROP_CODEC_FLATBUFFERS;
  if (strcmp(name, "none") == 0) return INTEROP_CODEC_NONE;
  return -1;
}
