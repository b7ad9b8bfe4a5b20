/* C conformance client (test/conformance/README.md): runs every case of cases.json through the
 * runtime's call API (what the generated stubs wrap) over the node in INTEROP_NODE_CONFIG and
 * prints one JSON line per case. Arguments are decoded and results encoded with the generated
 * descriptors, so a case compares canonical JSON text as every other language's client does.
 *   client --cases PATH --transport T --codec C [--quick] */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include "client_streams.h"

const interop_module *M = &interop_conformance_module;
interop_node *node;
interop_invoker *client;

uint32_t fn_index(const char *name) {
  for (uint32_t i = 0; i < M->functions_count; i++)
    if (strcmp(M->functions[i].name, name) == 0) return i;
  return UINT32_MAX;
}

/* The canonical JSON of a value, or NULL (err set). Caller frees. */
char *to_json(const interop_type *t, const void *v, interop_error *err) {
  interop_buf b = INTEROP_BUF_INIT;
  if (interop_encode(t, v, INTEROP_CODEC_JSON, 64, &b, err) != INTEROP_OK) {
    interop_buf_free(&b);
    return NULL;
  }
  interop_buf_byte(&b, 0);
  return (char *)b.data;
}

void failf(outcome *o, const char *fmt, const char *a, const char *b) {
  o->failed = true;
  snprintf(o->detail, sizeof o->detail, fmt, a, b);
}

/* One call: decode args, invoke, compare the result or the error with the case. */
static void run_call(cJSON *c, const char *function, const char *args, outcome *o, char **got_json) {
  uint32_t fi = fn_index(function);
  if (fi == UINT32_MAX) return failf(o, "no function %s%s", function, "");
  const interop_function *f = &M->functions[fi];
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_error err;
  void *params = interop_arena_alloc(&arena, f->params->size, 8);
  void *result = f->result != NULL ? interop_arena_alloc(&arena, f->result->size, 8) : NULL;
  const char *a = args[0] ? args : "{}";
  if (interop_decode(f->params, (const uint8_t *)a, strlen(a), INTEROP_CODEC_JSON, 64, &arena, params, &err)) {
    failf(o, "cannot decode args: %s%s", err.message, "");
    interop_arena_free(&arena);
    return;
  }
  cJSON *timeout = c != NULL ? cJSON_GetObjectItem(c, "timeout_ms") : NULL;
  interop_call_options opts = {timeout != NULL ? (uint32_t)timeout->valuedouble : 0};
  int rc = interop_invoke_sync(client, M, fi, params, result, &arena, &opts, &err);
  check_outcome(c != NULL ? cJSON_GetObjectItem(c, "error") : NULL, rc, &err, o);
  if (rc == INTEROP_OK && !o->failed && f->result != NULL) {
    *got_json = to_json(f->result, result, &err);
    if (*got_json == NULL) failf(o, "result does not encode: %s%s", err.message, "");
  }
  interop_arena_free(&arena);
}

void check_outcome(cJSON *want_err, int rc, const interop_error *err, outcome *o) {
  if (rc != INTEROP_OK && rc != INTEROP_DONE) {
    if (want_err == NULL) {
      char msg[INTEROP_MESSAGE_MAX + 32];
      snprintf(msg, sizeof msg, "%s: %s", interop_code_name(err->code), err->message);
      failf(o, "unexpected error: %s%s", msg, "");
    } else {
      const char *code = cJSON_GetObjectItem(want_err, "code")->valuestring;
      if (strcmp(code, interop_code_name(err->code)) != 0) {
        failf(o, "expected %s, got %s", code, interop_code_name(err->code));
      } else if (strcmp(code, "APPLICATION_ERROR") == 0) {
        const char *type = cJSON_GetObjectItem(want_err, "type")->valuestring;
        if (err->type == NULL || strcmp(err->type->name, type) != 0) {
          failf(o, "expected an error of type %s, got %s", type, err->type != NULL ? err->type->name : err->type_name);
        } else {
          interop_error e2;
          char *detail = to_json(err->type, err->detail, &e2);
          const char *want = cJSON_GetObjectItem(want_err, "detail")->valuestring;
          if (detail == NULL || strcmp(detail, want) != 0) failf(o, "detail %s != %s", detail ? detail : e2.message, want);
          free(detail);
        }
      }
    }
  } else if (want_err != NULL) {
    failf(o, "expected %s, got a result%s", cJSON_GetObjectItem(want_err, "code")->valuestring, "");
  }
}

static void run_simple(cJSON *c, outcome *o) {
  char *got = NULL;
  run_call(c, cJSON_GetObjectItem(c, "function")->valuestring, cJSON_GetObjectItem(c, "args")->valuestring, o, &got);
  cJSON *want = cJSON_GetObjectItem(c, "result");
  if (!o->failed && cJSON_IsString(want) && (got == NULL || strcmp(got, want->valuestring) != 0))
    failf(o, "result %.400s != %.400s", got ? got : "(none)", want->valuestring);
  free(got);
}

static void on_sleep_timer(uv_timer_t *t) { (void)t; }

/* Runs the node's loop for `ms` (events and one-way calls arrive meanwhile). */
void sleep_loop(uint64_t ms) {
  uv_loop_t *loop = interop_node_loop(node);
  uint64_t until = uv_now(loop) + ms;
  uv_timer_t t;
  uv_timer_init(loop, &t);
  uv_timer_start(&t, on_sleep_timer, ms, 0);
  while (uv_now(loop) < until) interop_node_run_once(node, true);
  uv_close((uv_handle_t *)&t, NULL);
  interop_node_run_once(node, false);
}

static void run_oneway(cJSON *c, outcome *o) {
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_error err;
  const interop_function *f = &M->functions[fn_index(cJSON_GetObjectItem(c, "function")->valuestring)];
  const char *args = cJSON_GetObjectItem(c, "args")->valuestring;
  void *params = interop_arena_alloc(&arena, f->params->size, 8);
  if (interop_decode(f->params, (const uint8_t *)args, strlen(args), INTEROP_CODEC_JSON, 64, &arena, params, &err) ||
      interop_send_oneway(client, M, (uint32_t)(f - M->functions), params, NULL, &err)) {
    failf(o, "oneway failed: %s%s", err.message, "");
    interop_arena_free(&arena);
    return;
  }
  interop_arena_free(&arena);
  cJSON *then = cJSON_GetObjectItem(c, "then");
  const char *want = cJSON_GetObjectItem(then, "result")->valuestring;
  char *got = NULL;
  for (int i = 0; i < 250; i++) {
    free(got);
    got = NULL;
    outcome inner = {{0}, false};
    run_call(NULL, cJSON_GetObjectItem(then, "function")->valuestring, cJSON_GetObjectItem(then, "args")->valuestring, &inner, &got);
    if (got != NULL && strcmp(got, want) == 0) break;
    sleep_loop(20);
  }
  if (got == NULL || strcmp(got, want) != 0) failf(o, "after the oneway call, got %s, want %s", got ? got : "(error)", want);
  free(got);
}

typedef struct seen_events {
  cJSON *list; /* [{event, payload}] */
  const char *name;
} seen_events;

static void on_event(void *user, const void *payload) {
  seen_events *s = user;
  const interop_event *ev = NULL;
  for (uint32_t i = 0; i < M->events_count; i++)
    if (strcmp(M->events[i].name, s->name) == 0) ev = &M->events[i];
  cJSON *item = cJSON_CreateObject();
  cJSON_AddStringToObject(item, "event", s->name);
  if (ev->payload != NULL) {
    interop_error err;
    char *json = to_json(ev->payload, payload, &err);
    cJSON_AddStringToObject(item, "payload", json ? json : "?");
    free(json);
  } else {
    cJSON_AddNullToObject(item, "payload");
  }
  cJSON_AddItemToArray(s->list, item);
}

/* The events of one name, as JSON text, in order: order is promised per subscription only. */
static char *events_of(cJSON *list, const char *name) {
  cJSON *only = cJSON_CreateArray();
  cJSON *e;
  cJSON_ArrayForEach(e, list) {
    if (strcmp(cJSON_GetObjectItem(e, "event")->valuestring, name) == 0) cJSON_AddItemToArray(only, cJSON_Duplicate(e, true));
  }
  char *text = cJSON_PrintUnformatted(only);
  cJSON_Delete(only);
  return text;
}

static void run_events(cJSON *c, outcome *o) {
  cJSON *subscribe = cJSON_GetObjectItem(c, "subscribe"), *want = cJSON_GetObjectItem(c, "events");
  cJSON *seen = cJSON_CreateArray();
  seen_events subs_state[8];
  interop_subscription *subs[8];
  int n = 0;
  cJSON *name;
  cJSON_ArrayForEach(name, subscribe) {
    interop_error err;
    uint32_t ei = 0;
    while (ei < M->events_count && strcmp(M->events[ei].name, name->valuestring) != 0) ei++;
    subs_state[n] = (seen_events){seen, name->valuestring};
    if (interop_subscribe(client, M, ei, on_event, &subs_state[n], &subs[n], &err) != INTEROP_OK) {
      failf(o, "subscribe failed: %s%s", err.message, "");
      goto done;
    }
    n++;
  }
  run_simple(c, o);
  for (int i = 0; i < 250 && !o->failed && cJSON_GetArraySize(seen) < cJSON_GetArraySize(want); i++) sleep_loop(20);
  if (!o->failed) {
    bool same = cJSON_GetArraySize(seen) == cJSON_GetArraySize(want);
    cJSON_ArrayForEach(name, subscribe) {
      char *a = events_of(seen, name->valuestring), *b = events_of(want, name->valuestring);
      same = same && strcmp(a, b) == 0;
      free(a), free(b);
    }
    if (!same) {
      char *a = cJSON_PrintUnformatted(seen), *b = cJSON_PrintUnformatted(want);
      failf(o, "events %.450s != %.450s", a, b);
      free(a), free(b);
    }
  }
done:
  for (int i = 0; i < n; i++) interop_unsubscribe(subs[i]);
  cJSON_Delete(seen);
}

typedef struct concurrent {
  int pending;
  int failed;
  uint64_t values[1000];
} concurrent;

static void on_count(void *user, int rc, const interop_error *err) {
  (void)err;
  concurrent *k = user;
  k->pending--;
  if (rc != INTEROP_OK) k->failed++;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void run_concurrent(cJSON *c, outcome *o) {
  int calls = (int)cJSON_GetObjectItem(c, "calls")->valuedouble;
  uint32_t fi = fn_index(cJSON_GetObjectItem(c, "function")->valuestring);
  concurrent *k = calloc(1, sizeof *k);
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_conformance_next_count_params p = {0};
  for (int i = 0; i < calls && i < 1000; i++, k->pending++)
    if (interop_invoke(client, M, fi, &p, &k->values[i], &arena, NULL, on_count, k) != INTEROP_OK) k->failed++, k->pending--;
  while (k->pending > 0) interop_node_run_once(node, true);
  qsort(k->values, (size_t)calls, sizeof k->values[0], cmp_u64);
  for (int i = 1; i < calls; i++)
    if (k->values[i] != k->values[0] + (uint64_t)i) k->failed++;
  if (k->failed) failf(o, "results are not distinct and consecutive%s%s", "", "");
  free(k);
  interop_arena_free(&arena);
}

static void run_big_echo(cJSON *c, outcome *o) {
  size_t n = (size_t)cJSON_GetObjectItem(c, "length")->valuedouble;
  uint8_t *data = malloc(n);
  for (size_t i = 0; i < n; i++) data[i] = (uint8_t)(i % 251);
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_bytes got = {NULL, 0};
  interop_error err;
  int rc = interop_conformance_echo_bytes_sync(client, (interop_bytes){data, n}, &got, &arena, NULL, &err);
  if (rc != INTEROP_OK) failf(o, "echo failed: %s%s", err.message, "");
  else if (got.len != n || memcmp(got.ptr, data, n) != 0) failf(o, "echo of %s bytes differs%s", "many", "");
  interop_arena_free(&arena);
  free(data);
}

/* A case's `transports`, when present, lists the only transports it applies to. */
static bool applies(cJSON *transports, const char *transport) {
  if (transports == NULL) return true;
  cJSON *t;
  cJSON_ArrayForEach(t, transports) if (cJSON_IsString(t) && strcmp(t->valuestring, transport) == 0) return true;
  return false;
}

int main(int argc, char **argv) {
  const char *cases_path = NULL, *transport = "";
  bool quick = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc) cases_path = argv[++i];
    else if (strcmp(argv[i], "--quick") == 0) quick = true;
    else if (strcmp(argv[i], "--transport") == 0 && i + 1 < argc) transport = argv[++i];
    else if (strcmp(argv[i], "--codec") == 0 && i + 1 < argc) i++;
  }
  FILE *f = cases_path ? fopen(cases_path, "rb") : NULL;
  if (f == NULL) {
    fprintf(stderr, "usage: client --cases PATH --transport T --codec C [--quick]\n");
    return 2;
  }
  static char text[1 << 20];
  size_t len = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[len] = '\0';
  cJSON *doc = cJSON_Parse(text);

  static interop_conformance_server server;
  static conformance_state state;
  conformance_server_init(&server, &state);
  const interop_module_impl *impls[] = {&server.module_impl};
  interop_error err;
  if (interop_node_start(NULL, impls, 1, NULL, &node, &err) != INTEROP_OK) {
    fprintf(stderr, "client: node: %s: %s\n", interop_code_name(err.code), err.message);
    return 1;
  }
  state.node = node;
  state.publisher = interop_node_publisher(node, M, &err);
  client = interop_node_invoker(node, M, &err);
  if (client == NULL) {
    fprintf(stderr, "client: %s\n", err.message);
    return 1;
  }
  cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "cases")) {
    if (quick && cJSON_IsFalse(cJSON_GetObjectItem(c, "quick"))) continue;
    if (!applies(cJSON_GetObjectItem(c, "transports"), transport)) continue; /* e.g. losing the peer: not direct */
    const char *kind = cJSON_GetObjectItem(c, "kind")->valuestring;
    outcome o = {{0}, false};
    if (strcmp(kind, "call") == 0) run_simple(c, &o);
    else if (strcmp(kind, "oneway") == 0) run_oneway(c, &o);
    else if (strcmp(kind, "events") == 0) run_events(c, &o);
    else if (strcmp(kind, "concurrent") == 0) run_concurrent(c, &o);
    else if (strcmp(kind, "big_echo") == 0) run_big_echo(c, &o);
    else if (!run_stream_case(c, kind, &o)) failf(&o, "unknown case kind %s%s", kind, "");
    cJSON *line = cJSON_CreateObject();
    cJSON_AddStringToObject(line, "case", cJSON_GetObjectItem(c, "name")->valuestring);
    cJSON_AddBoolToObject(line, "ok", !o.failed);
    if (o.failed) cJSON_AddStringToObject(line, "detail", o.detail);
    char *out = cJSON_PrintUnformatted(line);
    printf("%s\n", out);
    fflush(stdout);
    free(out);
    cJSON_Delete(line);
  }
  cJSON_Delete(doc);
  interop_node_close(node);
  conformance_state_free(&state);
  return 0;
}
