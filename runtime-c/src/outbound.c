/* What a connection writes, and what waits when its peer does not read (docs/wire.md §5 "Flow
 * control"). libuv queues what the socket does not take at once; once more than OUT_HIGH_WATER
 * bytes are queued the connection is congested, until the queue falls to OUT_LOW_WATER (drained).
 * While it is congested:
 * - events wait in one queue per subscription, at most max_event_queue each, discarding by the
 *   queue policy (block discards the arriving one: publishing never waits), counted in
 *   dropped_events, and go out in publish order once it drains;
 * - answers (RESPONSE, ERROR, PONG) written meanwhile wait in libuv's queue and are counted: past
 *   max_in_flight, more than a peer within its in-flight limit can have asked for, reading that
 *   peer stops until the connection drains (paused_reads);
 * - one-way calls written meanwhile are counted too: past max_in_flight waiting, sending another
 *   fails with RESOURCE_EXHAUSTED (calls.c);
 * - a stream's sender waits, holding its next item (stream_serve.c, stream_call.c);
 * - requests wait to be written, within their deadline, as they do for a free in-flight slot
 *   (calls.c).
 * So what a peer that does not read can make this side hold is about the high-water mark plus
 * bounded counts of frames. As runtime-ts/src/node/outbound.ts and peer-events.ts. */
#include <stdlib.h>
#include "streams.h"
#include "shm.h"

/* A write of this many bytes or more that libuv could not pass on marks the connection congested
 * (what Python's asyncio transports use by default; Node's sockets are comparable). */
#define OUT_HIGH_WATER (64u * 1024u)
#define OUT_LOW_WATER (16u * 1024u)

enum { OUT_OTHER, OUT_ANSWER, OUT_ONEWAY };

/* One frame, written or waiting (an event of a congested connection). */
struct out_frame {
  uv_write_t req;
  conn *c;
  out_frame *next;          /* in its subscription's queue while it waits */
  uint64_t seq;             /* publish order across subscriptions */
  uint8_t kind;
  bool waits;               /* written while the connection was congested: it counts as waiting */
  size_t len;
  size_t off;               /* shm: bytes already in the ring */
  uint8_t data[];
};

static size_t queued(conn *c) { return c->shm != NULL ? c->shm_queued : uv_stream_get_write_queue_size(c->out_stream); }

static size_t frame_len(const interop_frame *f) { return INTEROP_FRAME_HEAD + f->target_len + f->payload_len; }

static void frame_fill(uint8_t *dst, const interop_frame *f) {
  interop_frame_head(dst, f);
  memcpy(dst + INTEROP_FRAME_HEAD, f->target, f->target_len);
  if (f->payload_len > 0) memcpy(dst + INTEROP_FRAME_HEAD + f->target_len, f->payload, f->payload_len);
}

static out_frame *frame_new(conn *c, const interop_frame *f) {
  size_t len = frame_len(f);
  out_frame *w = malloc(sizeof *w + len);
  if (w == NULL) return NULL;
  frame_fill(w->data, f);
  w->c = c, w->next = NULL, w->seq = 0, w->len = len;
  w->kind = f->kind == INTEROP_FRAME_RESPONSE || f->kind == INTEROP_FRAME_ERROR || f->kind == INTEROP_FRAME_PONG ? OUT_ANSWER
            : f->kind == INTEROP_FRAME_ONEWAY                                                                     ? OUT_ONEWAY
                                                                                                                  : OUT_OTHER;
  return w;
}

static void count(conn *c, const out_frame *w, int delta) {
  if (!w->waits) return;
  if (w->kind == OUT_ANSWER) c->held_answers += (size_t)delta;
  else if (w->kind == OUT_ONEWAY) c->held_oneways += (size_t)delta;
}

static void drained(conn *c);
static void wait_written(conn *c, out_frame *w);

static void written(conn *c, out_frame *w) {
  count(c, w, -1);
  free(w);
  if (c->state == CONN_CLOSED || !c->congested || queued(c) > OUT_LOW_WATER) return;
  c->congested = false;
  drained(c);
}

static void on_write(uv_write_t *req, int status) {
  (void)status; /* a failed write shows up as a read error or EOF, which closes the connection */
  out_frame *w = (out_frame *)req;
  written(w->c, w);
}

/* The shm ring has room again: what waits goes in, in order (the ring plays the socket's part
 * and this queue libuv's write queue, with the same high and low water marks). */
void conn_shm_writable(conn *c) {
  while (c->shm_head != NULL && c->state != CONN_CLOSED) {
    out_frame *w = c->shm_head;
    size_t n = shm_put(c, w->data + w->off, w->len - w->off);
    w->off += n;
    c->shm_queued -= n;
    if (w->off < w->len) return;
    c->shm_head = w->next;
    if (c->shm_head == NULL) c->shm_tail = NULL;
    written(c, w);
  }
  if (c->flushing && c->shm_head == NULL && c->state != CONN_CLOSED) conn_close(c, "closed after its last frame");
}

void conn_shm_drop(conn *c) {
  while (c->shm_head != NULL) {
    out_frame *w = c->shm_head;
    c->shm_head = w->next;
    free(w);
  }
  c->shm_tail = NULL;
  c->shm_queued = 0;
}

/* shm: what the ring did not take (w->off bytes of it did) waits, in order. */
static void shm_hold(conn *c, out_frame *w) {
  w->next = NULL;
  if (c->shm_tail != NULL) c->shm_tail->next = w;
  else c->shm_head = w;
  c->shm_tail = w;
  c->shm_queued += w->len - w->off;
}

/* shm: into the ring now, or behind what waits; false once it waits. */
static bool shm_write(conn *c, out_frame *w) {
  w->off = c->shm_head == NULL ? shm_put(c, w->data, w->len) : 0;
  if (w->off == w->len) {
    free(w);
    return true;
  }
  shm_hold(c, w);
  return false;
}

/* shm with nothing waiting: a frame of up to SHM_DIRECT_MAX bytes is put together on the stack and
 * copied into the ring, so a call's frames cost no allocation; only what the ring cannot take yet
 * is copied into an out_frame to wait. */
#define SHM_DIRECT_MAX 1024u
static void shm_send_direct(conn *c, const interop_frame *f, size_t len) {
  uint8_t b[SHM_DIRECT_MAX];
  frame_fill(b, f);
  c->active = true;
  size_t n = shm_put(c, b, len);
  if (n == len) return;
  out_frame *w = frame_new(c, f);
  if (w == NULL) return conn_close(c, "out of memory");
  w->off = n;
  shm_hold(c, w);
  wait_written(c, w);
}

static void write_now(conn *c, out_frame *w) {
  uv_buf_t buf = uv_buf_init((char *)w->data, (unsigned)w->len);
  c->active = true;
  if (c->shm != NULL) {
    if (!shm_write(c, w)) wait_written(c, w);
    return;
  }
  /* Nothing queued: the socket takes the frame now, most often whole, and then no write request
   * is queued and no callback costs another loop turn. libuv refuses (EAGAIN) while older
   * frames wait, so frames keep their order. */
  int n = uv_try_write(c->out_stream, &buf, 1);
  if (n == (int)w->len) {
    free(w);
    return;
  }
  if (n > 0) buf = uv_buf_init((char *)w->data + n, (unsigned)(w->len - (size_t)n));
  if (uv_write(&w->req, c->out_stream, &buf, 1, on_write) != 0) {
    free(w);
    return;
  }
  wait_written(c, w);
}

/* A frame the transport did not take at once: counted, and the connection maybe congested. */
static void wait_written(conn *c, out_frame *w) {
  w->waits = c->congested;
  count(c, w, 1);
  if (queued(c) > OUT_HIGH_WATER) c->congested = true;
  if (w->kind == OUT_ANSWER && c->congested && c->held_answers > c->node->limits.max_in_flight) conn_pause_reading(c, PAUSE_ANSWERS);
}

void conn_send(conn *c, const interop_frame *f) {
  if (c->state == CONN_CLOSED) return;
  size_t len = frame_len(f);
  if (c->shm != NULL && c->shm_head == NULL && len <= SHM_DIRECT_MAX) return shm_send_direct(c, f, len);
  out_frame *w = frame_new(c, f);
  if (w == NULL) return conn_close(c, "out of memory");
  write_now(c, w);
}

void conn_send_bytes(conn *c, const uint8_t *data, size_t len) {
  if (c->state == CONN_CLOSED) return;
  out_frame *w = malloc(sizeof *w + len);
  if (w == NULL) return conn_close(c, "out of memory");
  memcpy(w->data, data, len);
  w->c = c, w->next = NULL, w->seq = 0, w->len = len, w->kind = OUT_OTHER;
  write_now(c, w);
}

bool conn_oneways_full(conn *c) { return c->congested && c->held_oneways >= c->node->limits.max_in_flight; }

void conn_send_event(conn *c, peer_sub *s, const interop_frame *f) {
  if (c->state == CONN_CLOSED) return;
  out_frame *w = frame_new(c, f);
  if (w == NULL) return conn_close(c, "out of memory");
  if (!c->congested && s->held_head == NULL) return write_now(c, w);
  if (s->held >= c->node->limits.max_event_queue) {
    node_count(c->node, INTEROP_DROPPED_EVENTS);
    if (c->node->limits.event_queue_policy != INTEROP_DROP_OLDEST) return free(w);
    out_frame *oldest = s->held_head;
    s->held_head = oldest->next;
    if (s->held_head == NULL) s->held_tail = NULL;
    s->held--;
    free(oldest);
  }
  w->seq = ++c->event_seq;
  if (s->held_tail != NULL) s->held_tail->next = w;
  else s->held_head = w;
  s->held_tail = w;
  s->held++;
}

void conn_free_peer_sub(conn *c, peer_sub *s, bool dropped) {
  while (s->held_head != NULL) {
    out_frame *w = s->held_head;
    s->held_head = w->next;
    if (dropped) node_count(c->node, INTEROP_DROPPED_EVENTS);
    free(w);
  }
  free(s);
}

/* The connection takes data again: waiting requests, events in publish order, streams' senders,
 * then reading the peer again. */
static void drained(conn *c) {
  calls_pump(c);
  while (!c->congested && c->state != CONN_CLOSED) {
    peer_sub *first = NULL;
    for (peer_sub *s = c->peer_subs; s != NULL; s = s->next)
      if (s->held_head != NULL && (first == NULL || s->held_head->seq < first->held_head->seq)) first = s;
    if (first == NULL) break;
    out_frame *w = first->held_head;
    first->held_head = w->next;
    if (first->held_head == NULL) first->held_tail = NULL;
    first->held--;
    write_now(c, w);
  }
  if (c->congested || c->state == CONN_CLOSED) return;
  stream_serve_drained(c);
  if (!c->congested) conn_resume_reading(c, PAUSE_ANSWERS);
}
