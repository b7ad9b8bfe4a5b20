/* The shm transport on libuv: the ring core (interop/shm_ring.h, docs/wire.md §9, ADR 0033) under a
 * connection. The set-up socket and the eventfd sit in the node's loop as uv_poll handles; bytes
 * are copied out of the ring once, into the frame decoder, which parses only that private copy. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include "interop/shm_ring.h"
#include "shm.h"

struct shm_link {
  conn *c;
  int sock;                  /* the set-up socket: its end of file is the peer's death */
  interop_shm_ring ring;
  uv_poll_t sock_poll, wake_poll;
  bool sock_polling, wake_polling, ready, reading, counted;
  bool hot;                  /* polling its ring (in node->shm.hot) until hot_until, not sleeping */
  uint64_t hot_until;        /* uv_hrtime() */
  shm_link *next_hot;
};

bool shm_is_address(const char *a) { return strncmp(a, "shm:", 4) == 0; }

static shm_link *link_new(conn *c) {
  shm_link *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->c = c;
  s->sock = -1;
  interop_shm_ring_init(&s->ring);
  c->shm = s;
  return s;
}

/* The ring broke (an index the peer cannot have written honestly): counted here, the connection
 * closed from the loop (woken), never from inside a write. */
static void ring_failed(shm_link *s) {
  if (s->counted) return;
  s->counted = true;
  node_count(s->c->node, INTEROP_REJECTED_FRAMES);
  interop_shm_ring_wake(s->ring.wake_me);
}

/* ---- the bounded poll (docs/wire.md §9.4, ADR 0040) ----
 * After traffic a link polls its inbound ring for shm.spin_us instead of sleeping on its eventfd,
 * so that neither side makes a system call while calls come and go. The node's idle handle makes
 * its loop poll (epoll with no wait) and spin over its hot links a slice at a time; a synchronous
 * caller spins the same way (shm_spin). Once the window has passed the link sleeps as before. */
#define SPIN_SLICE_NS 20000u /* the longest the loop is kept from its other descriptors at once */
/* Polling pays only when the peer runs meanwhile, on a core of its own. When it does not (no core
 * to spare: the peer, woken on our core, waits for our poll to end) a window passes with nothing
 * polled, or the poller finds it lost its core for SPIN_PREEMPTED_NS. Then that link (a lost core:
 * every link) sleeps, and no link starts polling for a while: 1 ms, doubling at each such waste up
 * to 1 s, halving at each read a poll found. */
#define SPIN_PREEMPTED_NS 50000u
#define SPIN_BACKOFF_MIN_NS 1000000u
#define SPIN_BACKOFF_MAX_NS 1000000000u

static void on_idle(uv_idle_t *h) { shm_spin(h->data, NULL); }

static void heat(shm_link *s) {
  interop_node *node = s->c->node;
  if (node->shm.spin_ns == 0) return;
  uint64_t now = uv_hrtime();
  if (now < node->shm.calm_until) return;
  s->hot_until = now + node->shm.spin_ns;
  if (s->hot) return;
  s->hot = true;
  interop_shm_ring_awake(&s->ring);
  s->next_hot = node->shm.hot;
  node->shm.hot = s;
  if (!uv_is_active((uv_handle_t *)&node->shm.idle)) uv_idle_start(&node->shm.idle, on_idle);
}

static void cool(shm_link *s) {
  interop_node *node = s->c->node;
  if (!s->hot) return;
  s->hot = false;
  shm_link **p = &node->shm.hot;
  while (*p != s) p = &(*p)->next_hot;
  *p = s->next_hot;
  if (node->shm.hot == NULL) uv_idle_stop(&node->shm.idle);
}

size_t shm_put(conn *c, const uint8_t *p, size_t n) {
  shm_link *s = c->shm;
  if (!s->ready || s->ring.error != NULL) return 0;
  ptrdiff_t k = interop_shm_ring_write(&s->ring, p, n);
  if (k > 0) heat(s); /* an answer is coming: poll for it */
  if (k >= 0) return (size_t)k;
  ring_failed(s);
  return 0;
}

/* Reads what the peer wrote, a ring's worth at most; then, once the link is not hot, sleeps on
 * the eventfd. */
static void drain(shm_link *s) {
  conn *c = s->c;
  size_t taken = 0;
  while (s->reading && c->paused == 0 && c->state != CONN_CLOSED) {
    const uint8_t *p;
    ptrdiff_t k = interop_shm_ring_peek(&s->ring, &p);
    if (k < 0) return ring_failed(s);
    if (k == 0 && (s->hot || interop_shm_ring_sleep(&s->ring))) return;
    if (k == 0) continue;
    if (taken >= s->ring.ring_bytes) return interop_shm_ring_wake(s->ring.wake_me); /* let the loop serve others */
    /* The bytes are copied into the decoder, then the room is given back, then they are handled. */
    taken += (size_t)k;
    c->active = true;
    heat(s);
    if (!interop_frame_decoder_push(&c->dec, p, (size_t)k)) return conn_close(c, "out of memory");
    interop_shm_ring_consume(&s->ring, (size_t)k);
    conn_received(c, NULL, 0);
  }
}

/* A poll did not pay: no link starts polling for a while (above). */
static void spin_wasted(interop_node *node, uint64_t now) {
  uint64_t b = node->shm.backoff_ns * 2;
  node->shm.backoff_ns = b < SPIN_BACKOFF_MIN_NS ? SPIN_BACKOFF_MIN_NS : b > SPIN_BACKOFF_MAX_NS ? SPIN_BACKOFF_MAX_NS : b;
  node->shm.calm_until = now + node->shm.backoff_ns;
}

/* The link stops polling: it reads what came, then sleeps (or stays paused). */
static void fall_asleep(shm_link *s) {
  cool(s);
  if (s->reading && s->c->paused == 0 && s->c->state != CONN_CLOSED) drain(s);
}

/* Whether the loop has work of its own that a further poll would hold up (calls and events
 * delivered on a loop turn). */
static bool loop_has_work(const interop_node *node) { return node->ready_head != NULL || node->events_ready != NULL; }

void shm_spin(interop_node *node, const bool *done) {
  uint64_t start = uv_hrtime(), now = start, before = start;
  for (unsigned i = 1; node->shm.hot != NULL && (done == NULL || !*done); i++) {
    for (shm_link *s = node->shm.hot; s != NULL; s = s->next_hot) {
      const uint8_t *p;
      conn *c = s->c;
      bool reads = s->reading && c->paused == 0 && c->state != CONN_CLOSED;
      if (reads && interop_shm_ring_peek(&s->ring, &p) != 0) { /* bytes (or a broken ring) */
        node->shm.backoff_ns /= 2;
        drain(s);
        if (c->state != CONN_CLOSED && s->ring.error != NULL) conn_peer_gone(c, s->ring.error);
        /* Polling goes on within the slice (a served request answered, the next one may come at
         * once: no loop turn, no epoll_wait per call) unless the loop has work of its own. The
         * list may have changed: the scan starts again from its head. */
        now = before = uv_hrtime();
        if (loop_has_work(node) || now - start >= SPIN_SLICE_NS) return;
        break;
      }
      if (reads && now < s->hot_until) continue;
      if (reads) spin_wasted(node, now); /* a window with nothing (a paused link polls again once it reads) */
      return fall_asleep(s);
    }
    if (i % 32 == 0) { /* the clock now and then: a load of the index costs far less */
      now = uv_hrtime();
      if (now - before >= SPIN_PREEMPTED_NS) { /* we lost our core */
        spin_wasted(node, now);
        while (node->shm.hot != NULL) fall_asleep(node->shm.hot);
        return;
      }
      if (now - start >= SPIN_SLICE_NS) return;
      before = now;
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
}

static void on_wake(uv_poll_t *h, int status, int events) {
  (void)status, (void)events;
  shm_link *s = h->data;
  conn *c = s->c;
  interop_shm_ring_woken(&s->ring);
  if (c->state == CONN_CLOSED) return;
  if (s->ring.error != NULL) return conn_peer_gone(c, s->ring.error);
  conn_shm_writable(c);
  if (c->state != CONN_CLOSED) drain(s);
  if (c->state != CONN_CLOSED && s->ring.error != NULL) conn_peer_gone(c, s->ring.error);
}

static void start_wake_poll(shm_link *s) {
  uv_poll_init(s->c->node->loop, &s->wake_poll, s->ring.wake_me);
  s->wake_poll.data = s;
  s->wake_polling = true;
  uv_poll_start(&s->wake_poll, UV_READABLE, on_wake);
}

void shm_read(conn *c, bool on) {
  shm_link *s = c->shm;
  s->reading = on;
  if (on && s->ready) drain(s);
  if (on && s->ready && s->ring.error != NULL && c->state != CONN_CLOSED) conn_peer_gone(c, s->ring.error);
}

/* ---- set-up: the dialer's message, then the socket tells of the peer's death ---- */

static void on_sock(uv_poll_t *h, int status, int events) {
  shm_link *s = h->data;
  conn *c = s->c;
  if (c->state == CONN_CLOSED) return;
  if (!s->ready) {
    const char *why = status < 0 ? uv_strerror(status) : interop_shm_ring_receive_setup(&s->ring, s->sock);
    if (why != NULL && why[0] == '\0') return; /* not there yet */
    if (why != NULL) {
      node_count(c->node, INTEROP_REJECTED_HANDSHAKES);
      return conn_close(c, why);
    }
    s->ready = true;
    start_wake_poll(s);
    uv_poll_start(&s->sock_poll, UV_READABLE | UV_DISCONNECT, on_sock);
    conn_shm_writable(c);
    if (c->state != CONN_CLOSED && s->reading) drain(s);
    return;
  }
  (void)events;
  /* After set-up nothing more is sent on the socket: readable means closed (or a confused peer).
   * Frames it wrote before dying are still in the ring: read them first. */
  char b;
  ssize_t n = recv(s->sock, &b, 1, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (s->reading && c->paused == 0) drain(s);
  if (c->state == CONN_CLOSED) return;
  conn_peer_gone(c, n == 0 ? "the peer closed the connection"
                 : n > 0  ? "the peer wrote on the shm set-up socket after set-up"
                          : strerror(errno));
}

int shm_accept(conn *c, uv_stream_t *server) {
  shm_link *s = link_new(c);
  uv_pipe_t *tmp = malloc(sizeof *tmp);
  if (s == NULL || tmp == NULL) return free(tmp), -1;
  uv_pipe_init(c->node->loop, tmp, 0);
  int rc = uv_accept(server, (uv_stream_t *)tmp);
  uv_os_fd_t fd = -1;
  if (rc == 0) uv_fileno((uv_handle_t *)tmp, &fd);
  s->sock = rc == 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : -1;
  uv_close((uv_handle_t *)tmp, (uv_close_cb)free);
  if (s->sock < 0) return -1;
  uv_poll_init(c->node->loop, &s->sock_poll, s->sock);
  s->sock_poll.data = s;
  s->sock_polling = true;
  uv_poll_start(&s->sock_poll, UV_READABLE | UV_DISCONNECT, on_sock);
  return 0;
}

typedef struct dial_req {
  uv_connect_t req;
  uv_pipe_t pipe;
  conn *c;
} dial_req;

static void on_dial_pipe_closed(uv_handle_t *h) { free(h->data); }

static void on_connected(uv_connect_t *req, int status) {
  dial_req *d = (dial_req *)req;
  conn *c = d->c;
  shm_link *s = c->shm;
  uv_os_fd_t fd = -1;
  if (status == 0) uv_fileno((uv_handle_t *)&d->pipe, &fd);
  if (status == 0) s->sock = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  d->pipe.data = d;
  uv_close((uv_handle_t *)&d->pipe, on_dial_pipe_closed);
  const char *why = status != 0 ? uv_strerror(status) : s->sock < 0 ? "dup failed"
                    : interop_shm_ring_create(&s->ring, 0);
  if (why == NULL) why = interop_shm_ring_send_setup(&s->ring, s->sock);
  if (why != NULL) return transport_dial_failed(c, why);
  s->ready = true;
  uv_poll_init(c->node->loop, &s->sock_poll, s->sock);
  s->sock_poll.data = s;
  s->sock_polling = true;
  uv_poll_start(&s->sock_poll, UV_READABLE | UV_DISCONNECT, on_sock);
  start_wake_poll(s);
  conn_start(c);
}

const char *shm_dial(interop_node *node, const char *address, conn *c) {
  if (strlen(address + 4) > 107) return "shm set-up socket paths must fit 107 bytes";
  dial_req *d = calloc(1, sizeof *d);
  if (d == NULL || link_new(c) == NULL) return free(d), "out of memory";
  d->c = c;
  uv_pipe_init(node->loop, &d->pipe, 0);
  uv_pipe_connect(&d->req, &d->pipe, address + 4, on_connected);
  return NULL;
}

/* ---- closing ---- */

void shm_close(conn *c, uv_close_cb closed) {
  shm_link *s = c->shm;
  cool(s);
  uv_handle_t *hs[2] = {s->sock_polling ? (uv_handle_t *)&s->sock_poll : NULL,
                        s->wake_polling ? (uv_handle_t *)&s->wake_poll : NULL};
  for (int i = 0; i < 2; i++) {
    if (hs[i] == NULL) continue;
    hs[i]->data = c;
    c->handles_open++;
    uv_close(hs[i], closed);
  }
  s->sock_polling = s->wake_polling = false;
}

/* After its handles closed: the descriptors and the mapping go; the segment with the last of them
 * (a memfd has no name to unlink: nothing is left behind, whoever dies first). */
void shm_free(shm_link *s) {
  if (s == NULL) return;
  interop_shm_ring_close(&s->ring);
  if (s->sock >= 0) close(s->sock);
  free(s);
}
