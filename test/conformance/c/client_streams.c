/* The stream cases of the C conformance client (test/conformance/README.md, kinds client_stream,
 * server_stream, ping_pong, ticks, cancel_by_caller, flood, refused_stream), through the generated stream calls
 * (docs/c.md "Calling a stream"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "client_streams.h"

static double wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)(ts.tv_nsec / 1000000);
}

static double num(cJSON *c, const char *key) { return cJSON_GetObjectItem(c, key)->valuedouble; }

static uint8_t *chunk(size_t size) {
  uint8_t *data = malloc(size > 0 ? size : 1);
  for (size_t i = 0; i < size; i++) data[i] = (uint8_t)(i % 251);
  return data;
}

static void fail_err(outcome *o, const char *what, const interop_error *err) {
  char msg[INTEROP_MESSAGE_MAX + 32];
  snprintf(msg, sizeof msg, "%s: %s", interop_code_name(err->code), err->message);
  failf(o, "%s: %s", what, msg);
}

/* Opens the case's function with its decoded args (and timeout_ms); NULL on failure. */
static interop_stream *open_case(cJSON *c, interop_arena *arena, outcome *o) {
  const interop_function *f = &M->functions[fn_index(cJSON_GetObjectItem(c, "function")->valuestring)];
  const char *args = cJSON_GetObjectItem(c, "args")->valuestring;
  interop_error err;
  void *params = interop_arena_alloc(arena, f->params->size, 8);
  if (interop_decode(f->params, (const uint8_t *)args, strlen(args), INTEROP_CODEC_JSON, 64, arena, params, &err) != INTEROP_OK) {
    fail_err(o, "cannot decode args", &err);
    return NULL;
  }
  cJSON *timeout = cJSON_GetObjectItem(c, "timeout_ms");
  interop_call_options opts = {timeout != NULL ? (uint32_t)timeout->valuedouble : 0};
  interop_stream *s;
  if (interop_stream_open(client, M, (uint32_t)(f - M->functions), params, &opts, &s, &err) != INTEROP_OK) {
    fail_err(o, "open failed", &err);
    return NULL;
  }
  return s;
}

static void client_stream(cJSON *c, interop_arena *arena, outcome *o) {
  interop_stream *s = open_case(c, arena, o);
  if (s == NULL) return;
  interop_error err;
  cJSON *size;
  cJSON_ArrayForEach(size, cJSON_GetObjectItem(c, "sizes")) {
    uint8_t *data = chunk((size_t)size->valuedouble);
    int rc = interop_conformance_upload_write(s, (interop_bytes){data, (size_t)size->valuedouble}, &err);
    free(data);
    if (rc != INTEROP_OK) return interop_stream_cancel(s), fail_err(o, "write failed", &err);
  }
  uint64_t total = 0;
  if (interop_conformance_upload_finish(s, &total, arena, &err) != INTEROP_OK) return fail_err(o, "finish failed", &err);
  char *got = to_json(&interop_type_u64, &total, &err);
  const char *want = cJSON_GetObjectItem(c, "result")->valuestring;
  if (strcmp(got, want) != 0) failf(o, "result %s != %s", got, want);
  free(got);
}

static void server_stream(cJSON *c, interop_arena *arena, outcome *o) {
  interop_stream *s = open_case(c, arena, o);
  if (s == NULL) return;
  interop_error err;
  cJSON *want = cJSON_GetObjectItem(c, "sizes");
  int i = 0, rc;
  interop_bytes item;
  while ((rc = interop_conformance_download_read(s, &item, arena, &err)) == INTEROP_OK) {
    cJSON *size = cJSON_GetArrayItem(want, i++);
    uint8_t *data = size != NULL ? chunk(item.len) : NULL;
    bool same = size != NULL && item.len == (size_t)size->valuedouble && (item.len == 0 || memcmp(item.ptr, data, item.len) == 0);
    free(data);
    if (!same) return interop_stream_cancel(s), failf(o, "chunk %s is not the expected one%s", "", "");
  }
  if (rc != INTEROP_DONE) return interop_stream_finish(s, NULL, arena, NULL), fail_err(o, "read failed", &err);
  if (i != cJSON_GetArraySize(want)) failf(o, "fewer chunks than expected%s%s", "", "");
  if (interop_conformance_download_finish(s, arena, &err) != INTEROP_OK) fail_err(o, "finish failed", &err);
}

static void ping_pong(cJSON *c, interop_arena *arena, outcome *o) {
  interop_stream *s = open_case(c, arena, o);
  if (s == NULL) return;
  interop_error err;
  cJSON *line;
  cJSON_ArrayForEach(line, cJSON_GetObjectItem(c, "lines")) {
    interop_str answer;
    const char *text = line->valuestring;
    if (interop_conformance_ping_pong_write(s, (interop_str){text, strlen(text)}, &err) != INTEROP_OK)
      return interop_stream_cancel(s), fail_err(o, "write failed", &err);
    if (interop_conformance_ping_pong_read(s, &answer, arena, &err) != INTEROP_OK)
      return interop_stream_cancel(s), fail_err(o, "read failed", &err);
    if (answer.len != strlen(text) + 5 || memcmp(answer.ptr, "pong ", 5) != 0 || memcmp(answer.ptr + 5, text, strlen(text)) != 0)
      return interop_stream_cancel(s), failf(o, "answer to %s is not pong %s", text, text);
  }
  interop_stream_end(s, &err);
  interop_str extra;
  if (interop_conformance_ping_pong_read(s, &extra, arena, &err) != INTEROP_DONE)
    return interop_stream_cancel(s), failf(o, "no clean end after the answers%s%s", "", "");
  if (interop_conformance_ping_pong_finish(s, arena, &err) != INTEROP_OK) fail_err(o, "finish failed", &err);
}

/* Reads ticks until the stream ends or `count` arrived (stop_at): how many, the last one's text. */
static int read_ticks(interop_stream *s, uint32_t stop_at, interop_arena *arena, uint32_t *got, double *last, interop_error *err) {
  interop_conformance_Tick t;
  int rc;
  *got = 0;
  while ((rc = interop_conformance_tick_stream_read(s, &t, arena, err)) == INTEROP_OK) {
    if (t.n != *got + 1) return -100;
    *got = t.n;
    char text[32];
    snprintf(text, sizeof text, "%.*s", (int)(t.text.len < 31 ? t.text.len : 31), t.text.ptr);
    *last = atof(text);
    if (*got == stop_at) return INTEROP_OK;
  }
  return rc;
}

static void ticks(cJSON *c, interop_arena *arena, outcome *o) {
  interop_stream *s = open_case(c, arena, o);
  if (s == NULL) return;
  interop_error err;
  interop_error_clear(&err);
  uint32_t got;
  double last = 0;
  int rc = read_ticks(s, 0, arena, &got, &last, &err);
  double learned = wall_ms();
  interop_stream_finish(s, NULL, arena, NULL);
  char n[16];
  snprintf(n, sizeof n, "%u", got);
  if (rc == -100 || got != (uint32_t)num(c, "count")) return failf(o, "ticks out of order or %s of them%s", n, "");
  check_outcome(cJSON_GetObjectItem(c, "error"), rc, &err, o);
  cJSON *within = cJSON_GetObjectItem(c, "within_ms");
  if (!o->failed && within != NULL && learned - last >= within->valuedouble) {
    char took[32];
    snprintf(took, sizeof took, "%.0f", learned - last);
    failf(o, "learned of the end %s ms after the last tick%s", took, "");
  }
}

static double cancelled_at(void) {
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_conformance_StreamStats stats = {0};
  interop_error err;
  interop_conformance_stream_stats_sync(client, &stats, &arena, NULL, &err);
  interop_arena_free(&arena);
  return stats.cancelled_at_ms;
}

static uint64_t flood_produced(void) {
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_conformance_StreamStats stats = {0};
  interop_error err;
  interop_conformance_stream_stats_sync(client, &stats, &arena, NULL, &err);
  interop_arena_free(&arena);
  return stats.flood_produced;
}

static void cancel_by_caller(cJSON *c, interop_arena *arena, outcome *o) {
  interop_stream *s = open_case(c, arena, o);
  if (s == NULL) return;
  interop_error err;
  uint32_t got;
  double last;
  int rc = read_ticks(s, (uint32_t)num(c, "count"), arena, &got, &last, &err);
  double stopped = wall_ms();
  interop_stream_cancel(s);
  if (rc != INTEROP_OK) return fail_err(o, "ticks failed", &err);
  for (double end = wall_ms() + 5000; wall_ms() < end; sleep_loop(5)) {
    double at = cancelled_at();
    if (at >= stopped) {
      if (at - stopped >= num(c, "within_ms")) failf(o, "the callee learned of the cancel too late%s%s", "", "");
      return;
    }
  }
  failf(o, "the callee never learned that the stream was cancelled%s%s", "", "");
}

static void flood(cJSON *c, interop_arena *arena, outcome *o) {
  interop_stream *s = open_case(c, arena, o);
  if (s == NULL) return;
  interop_error err;
  uint64_t read = (uint64_t)num(c, "read"), window = (uint64_t)num(c, "window");
  interop_bytes item;
  for (uint64_t i = 0; i < read; i++)
    if (interop_conformance_flood_read(s, &item, arena, &err) != INTEROP_OK) return interop_stream_cancel(s), fail_err(o, "read failed", &err);
  /* The producer runs on as far as credit lets it: at least half a window ahead, and never more
   * than a window. */
  uint64_t produced = 0;
  for (double end = wall_ms() + 10000; wall_ms() < end && produced < read + window / 2; sleep_loop(20)) produced = flood_produced();
  sleep_loop(300);
  produced = flood_produced();
  char n[32];
  snprintf(n, sizeof n, "%llu", (unsigned long long)produced);
  if (produced > read + window || produced < read + window / 2) return interop_stream_cancel(s), failf(o, "the producer made %s items%s", n, "");
  for (uint64_t i = 0; i < window; i++)
    if (interop_conformance_flood_read(s, &item, arena, &err) != INTEROP_OK) return interop_stream_cancel(s), fail_err(o, "the stream ended early", &err);
  interop_stream_cancel(s);
}

/* A stream over a transport that does not carry streams (http): the case's error, and no item. */
static void refused_stream(cJSON *c, interop_arena *arena, outcome *o) {
  const interop_function *f = &M->functions[fn_index(cJSON_GetObjectItem(c, "function")->valuestring)];
  interop_stream *s = open_case(c, arena, o);
  if (s == NULL) return;
  interop_error err;
  if (f->output != NULL && interop_stream_next(s, interop_arena_alloc(arena, f->output->size, 8), arena, &err) == INTEROP_OK)
    return interop_stream_cancel(s), failf(o, "an item arrived%s%s", "", "");
  void *result = f->result != NULL ? interop_arena_alloc(arena, f->result->size, 8) : NULL;
  int rc = interop_stream_finish(s, result, arena, &err);
  check_outcome(cJSON_GetObjectItem(c, "error"), rc, &err, o);
}

bool run_stream_case(cJSON *c, const char *kind, outcome *o) {
  static const struct {
    const char *kind;
    void (*run)(cJSON *c, interop_arena *arena, outcome *o);
  } KINDS[] = {{"client_stream", client_stream}, {"server_stream", server_stream}, {"ping_pong", ping_pong},
               {"ticks", ticks}, {"cancel_by_caller", cancel_by_caller}, {"flood", flood},
               {"refused_stream", refused_stream}};
  for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++) {
    if (strcmp(kind, KINDS[i].kind) != 0) continue;
    interop_arena arena = INTEROP_ARENA_INIT;
    KINDS[i].run(c, &arena, o);
    interop_arena_free(&arena);
    return true;
  }
  return false;
}
