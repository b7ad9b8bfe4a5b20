/* The C implementation of interop.conformance, written against the generated handlers table.
 * Shared by the conformance server and by the client for the direct transport (where the
 * client's own node hosts the module). `unimplemented` is left out on purpose. */
#include "conformance_impl.h"
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define ECHO_VALUE(name, ctype)                                                                                     \
  static int echo_##name(void *impl, interop_call *call, ctype v, ctype *result, interop_error *err) {       \
    (void)impl, (void)call, (void)err;                                                                       \
    *result = v;                                                                                             \
    return INTEROP_OK;                                                                                       \
  }
ECHO_VALUE(bool, bool)
ECHO_VALUE(i8, int8_t)
ECHO_VALUE(i16, int16_t)
ECHO_VALUE(i32, int32_t)
ECHO_VALUE(i64, int64_t)
ECHO_VALUE(u8, uint8_t)
ECHO_VALUE(u16, uint16_t)
ECHO_VALUE(u32, uint32_t)
ECHO_VALUE(u64, uint64_t)
ECHO_VALUE(f32, float)
ECHO_VALUE(f64, double)
ECHO_VALUE(string, interop_str)
ECHO_VALUE(bytes, interop_bytes)
ECHO_VALUE(level, interop_conformance_Level)
ECHO_VALUE(list, interop_list_string)
ECHO_VALUE(map, interop_conformance_map_string_i64)
ECHO_VALUE(maybe, interop_opt_i32)

#define ECHO_STRUCT(name, ctype)                                                                                \
  static int echo_##name(void *impl, interop_call *call, const ctype *v, ctype *result, interop_error *err) { \
    (void)impl, (void)call, (void)err;                                                                         \
    *result = *v;                                                                                              \
    return INTEROP_OK;                                                                                         \
  }
ECHO_STRUCT(scalars, interop_conformance_Scalars)
ECHO_STRUCT(containers, interop_conformance_Containers)
ECHO_STRUCT(optionals, interop_conformance_Optionals)
ECHO_STRUCT(shape, interop_conformance_Shape)
ECHO_STRUCT(everything, interop_conformance_Everything)

static int add(void *impl, interop_call *call, int64_t a, int64_t b, int64_t *result, interop_error *err) {
  (void)impl, (void)call, (void)err;
  *result = (int64_t)((uint64_t)a + (uint64_t)b);
  return INTEROP_OK;
}

static int nothing(void *impl, interop_call *call, interop_error *err) {
  (void)impl, (void)call, (void)err;
  return INTEROP_OK;
}

/* Raises a declared error: its value lives in the call's arena. */
static int raise_error(interop_call *call, const interop_type *type, const void *value, size_t size, interop_error *err) {
  void *detail = interop_arena_alloc(interop_call_arena(call), size, 8);
  if (detail == NULL) return INTEROP_RESOURCE_EXHAUSTED;
  memcpy(detail, value, size);
  interop_error_set(err, INTEROP_APPLICATION_ERROR, "%s", type->name);
  err->type = type;
  err->detail = detail;
  return INTEROP_APPLICATION_ERROR;
}

static bool is(interop_str s, const char *text) { return s.len == strlen(text) && memcmp(s.ptr, text, s.len) == 0; }

static int fail(void *impl, interop_call *call, interop_str kind, interop_str *result, interop_error *err) {
  (void)impl;
  if (is(kind, "not_found")) {
    interop_conformance_NotFound e = {INTEROP_STR("missing")};
    return raise_error(call, &interop_conformance_NotFound_type, &e, sizeof e, err);
  }
  if (is(kind, "invalid")) {
    interop_conformance_Invalid e = {INTEROP_STR("kind"), INTEROP_STR("bad"), {true, INT64_MIN}};
    return raise_error(call, &interop_conformance_Invalid_type, &e, sizeof e, err);
  }
  if (is(kind, "busy")) {
    interop_conformance_Busy e = {UINT32_MAX};
    return raise_error(call, &interop_conformance_Busy_type, &e, sizeof e, err);
  }
  if (is(kind, "internal")) return interop_error_set(err, INTEROP_INTERNAL, "a plain C failure");
  *result = kind;
  return INTEROP_OK;
}

/* slow: answers after `ms` from a timer on the node's loop; a cancel stops the timer. */
typedef struct slow_call {
  uv_timer_t timer;
  interop_call *call;
  uint32_t ms;
  uint32_t *result;
  conformance_state *state;
} slow_call;

static void slow_closed(uv_handle_t *h) { free(h->data); }

static void slow_fire(uv_timer_t *t) {
  slow_call *s = t->data;
  *s->result = s->ms;
  interop_call_finish(s->call, INTEROP_OK, NULL);
  uv_close((uv_handle_t *)&s->timer, slow_closed);
}

static void slow_cancel(void *arg) {
  slow_call *s = arg;
  s->state->slow_cancels++;
  uv_timer_stop(&s->timer);
  interop_error e;
  interop_error_set(&e, INTEROP_CANCELLED, "cancelled");
  interop_call_finish(s->call, INTEROP_CANCELLED, &e);
  uv_close((uv_handle_t *)&s->timer, slow_closed);
}

static int slow(void *impl, interop_call *call, uint32_t ms, uint32_t *result, interop_error *err) {
  conformance_state *st = impl;
  slow_call *s = calloc(1, sizeof *s);
  if (s == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  s->call = call, s->ms = ms, s->result = result, s->state = st;
  uv_timer_init(interop_node_loop(st->node), &s->timer);
  s->timer.data = s;
  uv_timer_start(&s->timer, slow_fire, ms, 0);
  interop_call_on_cancel(call, slow_cancel, s);
  return INTEROP_PENDING;
}

static int next_count(void *impl, interop_call *call, uint64_t *result, interop_error *err) {
  (void)call, (void)err;
  conformance_state *st = impl;
  *result = ++st->count;
  return INTEROP_OK;
}

static int note(void *impl, interop_call *call, interop_str text, interop_error *err) {
  (void)call, (void)err;
  conformance_state *st = impl;
  free(st->last_note.ptr == NULL ? NULL : (void *)st->last_note.ptr);
  char *copy = malloc(text.len + 1);
  if (copy == NULL) return INTEROP_RESOURCE_EXHAUSTED;
  memcpy(copy, text.ptr, text.len);
  st->last_note = (interop_str){copy, text.len};
  return INTEROP_OK;
}

static int last_note(void *impl, interop_call *call, interop_str *result, interop_error *err) {
  (void)call, (void)err;
  conformance_state *st = impl;
  *result = st->last_note.ptr != NULL ? st->last_note : INTEROP_STR("");
  return INTEROP_OK;
}

static int publish(void *impl, interop_call *call, uint32_t count, interop_str text, interop_error *err) {
  (void)call;
  conformance_state *st = impl;
  if (st->publisher == NULL) return interop_error_set(err, INTEROP_INTERNAL, "no publisher");
  for (uint32_t n = 1; n <= count; n++) {
    interop_conformance_Tick tick = {n, text};
    int rc = interop_conformance_ticked_publish(st->publisher, &tick, err);
    if (rc != INTEROP_OK) return rc;
  }
  return interop_conformance_pinged_publish(st->publisher, err);
}

void conformance_server_init(interop_conformance_server *server, conformance_state *state) {
  static const interop_conformance_handlers handlers = {
      .echo_bool = echo_bool, .echo_i8 = echo_i8, .echo_i16 = echo_i16, .echo_i32 = echo_i32,
      .echo_i64 = echo_i64, .echo_u8 = echo_u8, .echo_u16 = echo_u16, .echo_u32 = echo_u32,
      .echo_u64 = echo_u64, .echo_f32 = echo_f32, .echo_f64 = echo_f64, .echo_string = echo_string,
      .echo_bytes = echo_bytes, .echo_level = echo_level, .echo_list = echo_list, .echo_map = echo_map,
      .echo_maybe = echo_maybe, .echo_scalars = echo_scalars, .echo_containers = echo_containers,
      .echo_optionals = echo_optionals, .echo_shape = echo_shape, .echo_everything = echo_everything,
      .add = add, .nothing = nothing, .fail = fail, .slow = slow, .next_count = next_count,
      .note = note, .last_note = last_note, .publish = publish,
      .upload = conformance_upload, .download = conformance_download, .ping_pong = conformance_ping_pong,
      .tick_stream = conformance_tick_stream, .flood = conformance_flood, .stream_stats = conformance_stream_stats,
      .die_mid_stream = conformance_die_mid_stream,
  };
  memset(state, 0, sizeof *state);
  interop_conformance_server_init(server, &handlers, state);
}

void conformance_state_free(conformance_state *state) { free((void *)state->last_note.ptr); }
