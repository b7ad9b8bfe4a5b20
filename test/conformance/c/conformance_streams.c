/* The stream functions of interop.conformance in C (docs/c.md "Streams"): each handler returns
 * INTEROP_PENDING and keeps a job that sends items while the caller grants credit (waiting on
 * interop_call_on_ready when it has none), reads items with interop_call_on_item, and ends with
 * interop_call_finish. A cancel (CANCEL, deadline, lost connection) ends the job at once and is
 * noted in stream_stats. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>
#include "conformance_impl.h"

typedef enum job_kind { DOWNLOAD, TICKS, FLOOD, DIE, UPLOAD, PING_PONG } job_kind;

typedef struct job {
  job_kind kind;
  interop_call *call;
  conformance_state *state;
  void *result;              /* UPLOAD: the u64 answer */
  /* the items to make */
  interop_list_u32 sizes;    /* DOWNLOAD */
  uint32_t next, count;      /* DOWNLOAD, TICKS, DIE: the next item's index, how many */
  uint64_t sent, total;      /* FLOOD: bytes sent, to send; UPLOAD: bytes received */
  uint32_t chunk;            /* FLOOD */
  interop_str end;           /* TICKS: "busy", "cancel", "hang" or "" */
  uint8_t *data;             /* a chunk's bytes (byte j = j % 251) */
  bool held;                 /* FLOOD: an item made and not sent yet */
  char **pongs;              /* PING_PONG: answers waiting for credit */
  size_t pongs_count, pongs_first;
  bool input_ended;          /* PING_PONG */
  uv_timer_t timer;          /* DIE: the pause before dying */
} job;

static double wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)(ts.tv_nsec / 1000000);
}

static bool is(interop_str s, const char *text) { return s.len == strlen(text) && memcmp(s.ptr, text, s.len) == 0; }

static void job_free(job *j) {
  for (size_t i = j->pongs_first; i < j->pongs_count; i++) free(j->pongs[i]);
  free(j->pongs);
  free(j->data);
  free(j);
}

/* Ends the stream with rc (INTEROP_OK: its end, or the upload's answer) and frees the job. */
static void finish(job *j, int rc, const interop_error *err) {
  interop_call *call = j->call;
  job_free(j);
  interop_call_finish(call, rc, err);
}

static void on_cancel(void *arg) {
  job *j = arg;
  j->state->cancelled_at_ms = wall_ms();
  interop_error e;
  interop_error_set(&e, INTEROP_CANCELLED, "cancelled");
  finish(j, INTEROP_CANCELLED, &e);
}

static uint8_t *chunk_bytes(uint32_t size) {
  uint8_t *data = malloc(size > 0 ? size : 1);
  for (uint32_t i = 0; data != NULL && i < size; i++) data[i] = (uint8_t)(i % 251);
  return data;
}

static void pump(void *arg);

/* Sends one item; false when the job stops here (no credit: it resumes from on_ready; or over). */
static bool sent(job *j, int rc, const interop_error *err) {
  if (rc == INTEROP_OK) return true;
  if (rc == INTEROP_PENDING) interop_call_on_ready(j->call, pump, j);
  else finish(j, rc, err);
  return false;
}

static void die(uv_timer_t *t) {
  (void)t;
  kill(getpid(), SIGKILL); /* as a crash: no GOODBYE, no close */
}

/* What a job does after its last item. */
static void after_items(job *j) {
  interop_error e;
  if (j->kind == TICKS && is(j->end, "busy")) {
    interop_conformance_Busy *busy = interop_arena_alloc(interop_call_arena(j->call), sizeof *busy, 8);
    busy->retry_ms = j->count;
    interop_error_set(&e, INTEROP_APPLICATION_ERROR, "interop.conformance.Busy");
    e.type = &interop_conformance_Busy_type;
    e.detail = busy;
    return finish(j, INTEROP_APPLICATION_ERROR, &e);
  }
  if (j->kind == TICKS && is(j->end, "cancel")) {
    interop_error_set(&e, INTEROP_CANCELLED, "the callee stopped after %u", j->count);
    return finish(j, INTEROP_CANCELLED, &e);
  }
  if (j->kind == TICKS && is(j->end, "hang")) return; /* until on_cancel */
  if (j->kind == DIE) {
    /* Let the ticks reach the caller, then die. A caller discards the items it has not taken
     * when it loses the connection (docs/wire.md §1.5); this producer writes all of them in one
     * turn, so a loaded caller gets 400 ms (not the 50 of the TS server) to take them: at load 10
     * on 2 cores a C caller once took more than 200 ms. The case allows 1000 ms from the last tick
     * to the caller learning of the death, so 600 ms remain for that. */
    uv_timer_init(interop_node_loop(j->state->node), &j->timer);
    uv_timer_start(&j->timer, die, 400, 0);
    return;
  }
  finish(j, INTEROP_OK, NULL);
}

static void pump(void *arg) {
  job *j = arg;
  interop_error err;
  for (;;) {
    if (j->kind == DOWNLOAD) {
      if (j->next == j->sizes.len) return after_items(j);
      uint32_t size = j->sizes.items[j->next];
      uint8_t *data = chunk_bytes(size);
      int rc = interop_conformance_download_send(j->call, (interop_bytes){data, size}, &err);
      free(data);
      if (!sent(j, rc, &err)) return;
      j->next++;
    } else if (j->kind == TICKS || j->kind == DIE) {
      if (j->next == j->count) return after_items(j);
      char text[32];
      snprintf(text, sizeof text, "%.0f", wall_ms());
      interop_conformance_Tick tick = {j->next + 1, {text, strlen(text)}};
      if (!sent(j, interop_conformance_tick_stream_send(j->call, &tick, &err), &err)) return;
      j->next++;
    } else if (j->kind == FLOOD) {
      if (!j->held) {
        if (j->sent >= j->total) return after_items(j);
        j->state->flood_produced++;
        j->held = true;
      }
      if (!sent(j, interop_conformance_flood_send(j->call, (interop_bytes){j->data, j->chunk}, &err), &err)) return;
      j->held = false;
      j->sent += j->chunk;
    } else { /* PING_PONG: the answers waiting */
      if (j->pongs_first == j->pongs_count) {
        if (j->input_ended) finish(j, INTEROP_OK, NULL);
        return;
      }
      char *pong = j->pongs[j->pongs_first];
      if (!sent(j, interop_conformance_ping_pong_send(j->call, (interop_str){pong, strlen(pong)}, &err), &err)) return;
      free(pong);
      j->pongs_first++;
    }
  }
}

static job *job_new(void *impl, interop_call *call, job_kind kind) {
  job *j = calloc(1, sizeof *j);
  if (j == NULL) return NULL;
  j->kind = kind, j->call = call, j->state = impl;
  interop_call_on_cancel(call, on_cancel, j);
  return j;
}

static int start(job *j) {
  if (j == NULL) return INTEROP_RESOURCE_EXHAUSTED;
  pump(j);
  return INTEROP_PENDING;
}

int conformance_download(void *impl, interop_call *call, interop_list_u32 sizes, interop_error *err) {
  (void)err;
  job *j = job_new(impl, call, DOWNLOAD);
  if (j != NULL) j->sizes = sizes; /* the parameters live until the call ends */
  return start(j);
}

int conformance_tick_stream(void *impl, interop_call *call, uint32_t count, interop_str end, interop_error *err) {
  (void)err;
  job *j = job_new(impl, call, TICKS);
  if (j != NULL) j->count = count, j->end = end;
  return start(j);
}

int conformance_die_mid_stream(void *impl, interop_call *call, uint32_t count, interop_error *err) {
  (void)err;
  job *j = job_new(impl, call, DIE);
  if (j != NULL) j->count = count;
  return start(j);
}

int conformance_flood(void *impl, interop_call *call, uint32_t chunk, uint64_t total, interop_error *err) {
  (void)err;
  conformance_state *st = impl;
  st->flood_produced = 0;
  job *j = job_new(impl, call, FLOOD);
  if (j != NULL) {
    j->chunk = chunk, j->total = total, j->data = chunk_bytes(chunk);
    if (j->data == NULL) return job_free(j), INTEROP_RESOURCE_EXHAUSTED;
  }
  return start(j);
}

static void upload_item(void *arg, const void *item) {
  job *j = arg;
  if (item != NULL) {
    j->sent += ((const interop_bytes *)item)->len;
    return;
  }
  *(uint64_t *)j->result = j->sent;
  finish(j, INTEROP_OK, NULL);
}

int conformance_upload(void *impl, interop_call *call, uint64_t *result, interop_error *err) {
  (void)err;
  job *j = job_new(impl, call, UPLOAD);
  if (j == NULL) return INTEROP_RESOURCE_EXHAUSTED;
  j->result = result;
  interop_call_on_item(call, upload_item, j);
  return INTEROP_PENDING;
}

static void ping_item(void *arg, const void *item) {
  job *j = arg;
  if (item == NULL) {
    j->input_ended = true;
  } else {
    const interop_str *line = item;
    char **grown = realloc(j->pongs, (j->pongs_count + 1) * sizeof *grown);
    char *pong = malloc(line->len + 6);
    if (grown == NULL || pong == NULL) {
      free(pong);
      if (grown != NULL) j->pongs = grown;
      interop_error e;
      interop_error_set(&e, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
      return finish(j, INTEROP_RESOURCE_EXHAUSTED, &e);
    }
    memcpy(pong, "pong ", 5);
    memcpy(pong + 5, line->ptr, line->len);
    pong[line->len + 5] = '\0';
    j->pongs = grown;
    j->pongs[j->pongs_count++] = pong;
  }
  pump(j);
}

int conformance_ping_pong(void *impl, interop_call *call, interop_error *err) {
  (void)err;
  job *j = job_new(impl, call, PING_PONG);
  if (j == NULL) return INTEROP_RESOURCE_EXHAUSTED;
  interop_call_on_item(call, ping_item, j);
  return INTEROP_PENDING;
}

int conformance_stream_stats(void *impl, interop_call *call, interop_conformance_StreamStats *result, interop_error *err) {
  (void)call, (void)err;
  conformance_state *st = impl;
  result->flood_produced = st->flood_produced;
  result->cancelled_at_ms = st->cancelled_at_ms;
  return INTEROP_OK;
}
