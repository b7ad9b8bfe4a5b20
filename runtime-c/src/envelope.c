/* The error envelope (docs/wire.md §4): {1: code u32, 2: message string, 3: type?: string,
 * 4: detail?: <the declared error>}, in the codec of the request. Its descriptor is built per use
 * so `detail` is encoded and decoded as the declared error type, nested, not as bytes; in
 * FlatBuffers (§3.6) `detail` is a `[ubyte]` holding the error's own FlatBuffer. */
#include "envelope.h"
#include "flatbuffers.h"

typedef struct envelope {
  uint32_t code;
  interop_str message;
  interop_opt_string type;
  void *detail; /* optional by pointer */
} envelope;

static const interop_type opt_string = {
    .kind = INTEROP_KIND_OPTIONAL, .size = sizeof(interop_opt_string), .align = _Alignof(interop_opt_string),
    .value_offset = offsetof(interop_opt_string, value), .elem = &interop_type_string};

/* The envelope's descriptor; `detail_type` NULL leaves field 4 out (it is then skipped). */
static void describe(interop_field fields[4], interop_type *opt_detail, interop_type *t, const interop_type *detail_type) {
  fields[0] = (interop_field){1, offsetof(envelope, code), "code", &interop_type_u32, NULL};
  fields[1] = (interop_field){2, offsetof(envelope, message), "message", &interop_type_string, NULL};
  fields[2] = (interop_field){3, offsetof(envelope, type), "type", &opt_string, NULL};
  *opt_detail = (interop_type){.kind = INTEROP_KIND_OPTIONAL, .flags = INTEROP_TYPE_BY_POINTER,
                               .size = sizeof(void *), .align = _Alignof(void *), .elem = detail_type};
  fields[3] = (interop_field){4, offsetof(envelope, detail), "detail", opt_detail, NULL};
  *t = (interop_type){.kind = INTEROP_KIND_STRUCT, .size = sizeof(envelope), .align = _Alignof(envelope),
                      .count = detail_type != NULL ? 4 : 3, .name = "interop error envelope", .fields = fields};
}

int interop_envelope_encode(const interop_error *e, interop_codec codec, uint32_t max_depth, interop_buf *out,
                            interop_error *err) {
  interop_field fields[4];
  interop_type opt_detail, t;
  bool app = e->code == INTEROP_APPLICATION_ERROR;
  describe(fields, &opt_detail, &t, app ? e->type : NULL);
  envelope v = {e->code, {e->message, strlen(e->message)}, {false, {NULL, 0}}, NULL};
  if (app && e->type_name[0] != '\0') v.type = (interop_opt_string){true, {e->type_name, strlen(e->type_name)}};
  if (app && e->type != NULL) v.detail = e->detail;
  if (codec != INTEROP_CODEC_FLATBUFFERS || v.detail == NULL) return interop_encode(&t, &v, codec, max_depth, out, err);
  interop_buf nested = INTEROP_BUF_INIT;
  int rc = interop_encode(e->type, e->detail, codec, max_depth, &nested, err);
  if (rc == INTEROP_OK) {
    interop_bytes bytes = {nested.data, nested.len};
    describe(fields, &opt_detail, &t, &interop_flatbuffers_nested);
    v.detail = &bytes;
    rc = interop_encode(&t, &v, codec, max_depth, out, err);
  }
  interop_buf_free(&nested);
  return rc;
}

int interop_envelope_decode(const uint8_t *p, size_t n, interop_codec codec, uint32_t max_depth,
                            const interop_type *const *declared, uint32_t declared_count, interop_arena *arena,
                            interop_error *out, interop_error *err) {
  interop_field fields[4];
  interop_type opt_detail, t;
  bool fb = codec == INTEROP_CODEC_FLATBUFFERS;
  describe(fields, &opt_detail, &t, fb ? &interop_flatbuffers_nested : NULL);
  envelope v;
  int rc = interop_decode(&t, p, n, codec, max_depth, arena, &v, err);
  if (rc != INTEROP_OK) return rc;
  interop_error_clear(out);
  out->code = v.code == 0 ? INTEROP_UNKNOWN : v.code;
  snprintf(out->message, sizeof out->message, "%.*s", (int)(v.message.len < 255 ? v.message.len : 255), v.message.ptr);
  if (!v.type.has) return INTEROP_OK;
  snprintf(out->type_name, sizeof out->type_name, "%.*s", (int)(v.type.value.len < 127 ? v.type.value.len : 127),
           v.type.value.ptr);
  for (uint32_t i = 0; i < declared_count; i++) {
    if (strcmp(declared[i]->name, out->type_name) != 0) continue;
    if (fb) { /* the detail is the error's own FlatBuffer */
      const interop_bytes *nested = v.detail;
      if (nested == NULL) break;
      void *detail = interop_arena_alloc(arena, declared[i]->size, declared[i]->align);
      if (detail == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
      if ((rc = interop_decode(declared[i], nested->ptr, nested->len, codec, max_depth, arena, detail, err)) != INTEROP_OK) return rc;
      v.detail = detail;
    } else {
      /* A declared error: decode again with `detail` typed as that error. */
      describe(fields, &opt_detail, &t, declared[i]);
      if ((rc = interop_decode(&t, p, n, codec, max_depth, arena, &v, err)) != INTEROP_OK) return rc;
    }
    if (v.detail == NULL) break; /* no detail: reported as a plain error with the type's name */
    out->type = declared[i];
    out->detail = v.detail;
    break;
  }
  return INTEROP_OK;
}
