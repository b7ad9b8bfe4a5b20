/* The shm transport: the segment, its two rings and their wake-ups, laid out as docs/wire.md §9
 * says (that section is the contract; ADR 0028 says why). Each side keeps its own copy of the
 * index it owns and never reads it back from the segment; the peer's index is checked before use
 * (never more than a ring's bytes apart), and bytes are copied out of the ring once, into the
 * frame decoder, which parses only that private copy. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "shm.h"

#define SHM_MAGIC 0x4d485349u /* "ISHM" little-endian */
#define SHM_VERSION 1u
#define SHM_HEADER 4096u
#define SHM_RING_BYTES (256u * 1024u)       /* what this side creates */
#define SHM_RING_MIN 4096u                   /* what it accepts */
#define SHM_RING_MAX (16u * 1024u * 1024u)
#define SHM_SETUP_BYTES 16u

typedef struct ring {
  uint64_t *widx;     /* written by the producer only */
  uint32_t *wwait;    /* the producer waits for room (it sets and clears it) */
  uint64_t *ridx;     /* written by the consumer only */
  uint32_t *rsleep;   /* the consumer sleeps (it sets and clears it) */
  uint8_t *data;
} ring;

struct shm_link {
  conn *c;
  int sock, memfd, wake_me, wake_peer;
  uint8_t *base;
  size_t size;
  uint32_t ring_bytes;
  ring in, out;
  uint64_t rpos, wpos;       /* our own indices: never read back from the segment */
  uv_poll_t sock_poll, wake_poll;
  bool sock_polling, wake_polling, ready, reading, broken;
  char why[96];              /* why the ring is broken */
};

bool shm_is_address(const char *a) { return strncmp(a, "shm:", 4) == 0; }

static void wake(int fd) {
  uint64_t one = 1;
  if (write(fd, &one, sizeof one) < 0) { /* full (2^64-2 pending) or closed: the peer is awake or gone */ }
}

static void map_rings(shm_link *s, bool initiator) {
  for (int r = 0; r < 2; r++) {
    uint8_t *ctl = s->base + 64 + 256 * r;
    ring g = {(uint64_t *)ctl, (uint32_t *)(ctl + 8), (uint64_t *)(ctl + 128), (uint32_t *)(ctl + 136),
              s->base + SHM_HEADER + (size_t)r * s->ring_bytes};
    /* ring 0 carries initiator → responder, ring 1 responder → initiator */
    if ((r == 0) == initiator) s->out = g;
    else s->in = g;
  }
}

static shm_link *link_new(conn *c) {
  shm_link *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->c = c;
  s->sock = s->memfd = s->wake_me = s->wake_peer = -1;
  c->shm = s;
  return s;
}

/* A ring the peer has broken (an index it cannot have written honestly): the connection closes,
 * with a typed error for its calls. Never from inside a write: from the loop, woken. */
static void broken(shm_link *s, const char *why) {
  if (s->broken) return;
  s->broken = true;
  node_count(s->c->node, INTEROP_REJECTED_FRAMES);
  snprintf(s->why, sizeof s->why, "shm ring broken by the peer: %s", why);
  wake(s->wake_me);
}

/* The room in the outbound ring; -1 when the peer's read index is impossible. */
static int64_t outbound_room(shm_link *s) {
  uint64_t r = __atomic_load_n(s->out.ridx, __ATOMIC_SEQ_CST);
  if (r > s->wpos || s->wpos - r > s->ring_bytes) return -1;
  return (int64_t)(s->ring_bytes - (s->wpos - r));
}

size_t shm_put(conn *c, const uint8_t *p, size_t n) {
  shm_link *s = c->shm;
  if (!s->ready || s->broken) return 0;
  ring *o = &s->out;
  size_t done = 0;
  while (done < n) {
    int64_t room = outbound_room(s);
    if (room == 0) {
      /* Ask to be woken, then look again: the reader may have made room before it saw the flag
       * (docs/wire.md §9.4). Only a full ring seen after the flag is set may wait. */
      __atomic_store_n(o->wwait, 1, __ATOMIC_SEQ_CST);
      room = outbound_room(s);
      if (room == 0) return done;
      __atomic_store_n(o->wwait, 0, __ATOMIC_SEQ_CST);
    }
    if (room < 0) return broken(s, "read index out of range"), done;
    size_t k = n - done < (size_t)room ? n - done : (size_t)room;
    size_t at = (size_t)(s->wpos & (s->ring_bytes - 1)), first = s->ring_bytes - at;
    if (first > k) first = k;
    memcpy(o->data + at, p + done, first);
    memcpy(o->data, p + done + first, k - first);
    s->wpos += k;
    done += k;
    __atomic_store_n(o->widx, s->wpos, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* pairs with the reader's fence before it sleeps */
    if (__atomic_load_n(o->rsleep, __ATOMIC_RELAXED) != 0) wake(s->wake_peer);
  }
  return done;
}

/* How many bytes wait in the inbound ring; -1 when the peer's index is impossible. */
static int64_t inbound(shm_link *s, int order) {
  uint64_t w = __atomic_load_n(s->in.widx, order);
  if (w < s->rpos || w - s->rpos > s->ring_bytes) return -1;
  return (int64_t)(w - s->rpos);
}

/* Sleeps on the eventfd (§9.4); false when data came meanwhile (the caller reads it). */
static bool fall_asleep(shm_link *s) {
  __atomic_store_n(s->in.rsleep, 1, __ATOMIC_SEQ_CST);
  if (inbound(s, __ATOMIC_SEQ_CST) == 0) return true; /* pairs with the writer's fence after it publishes */
  __atomic_store_n(s->in.rsleep, 0, __ATOMIC_SEQ_CST);
  return false;
}

/* Reads what the peer wrote, a ring's worth at most, then sleeps on the eventfd. (A bounded poll
 * before sleeping, from an idle handle, measured slower than sleeping at once on a loaded 2-core
 * machine: ADR 0033.) */
static void drain(shm_link *s) {
  conn *c = s->c;
  size_t taken = 0;
  while (s->reading && c->paused == 0 && c->state != CONN_CLOSED && !s->broken) {
    int64_t avail = inbound(s, __ATOMIC_ACQUIRE);
    if (avail < 0) return broken(s, "write index out of range");
    if (avail == 0 && fall_asleep(s)) return;
    if (avail == 0) continue;
    if (taken >= s->ring_bytes) return wake(s->wake_me); /* a ring's worth: let the loop serve others */
    size_t at = (size_t)(s->rpos & (s->ring_bytes - 1)), k = (size_t)avail;
    if (k > s->ring_bytes - at) k = s->ring_bytes - at;
    /* The bytes are copied into the decoder, then the room is published, then they are handled. */
    s->rpos += k;
    taken += k;
    c->active = true;
    if (!interop_frame_decoder_push(&c->dec, s->in.data + at, k)) return conn_close(c, "out of memory");
    __atomic_store_n(s->in.ridx, s->rpos, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* pairs with the writer's fence before it waits */
    if (__atomic_load_n(s->in.wwait, __ATOMIC_RELAXED) != 0) wake(s->wake_peer);
    conn_received(c, NULL, 0);
  }
}

static void on_wake(uv_poll_t *h, int status, int events) {
  (void)status, (void)events;
  shm_link *s = h->data;
  conn *c = s->c;
  uint64_t v;
  if (read(s->wake_me, &v, sizeof v) < 0) { /* nothing pending: a spurious wake-up */ }
  __atomic_store_n(s->in.rsleep, 0, __ATOMIC_SEQ_CST);
  if (c->state == CONN_CLOSED) return;
  if (s->broken) return conn_peer_gone(c, s->why);
  __atomic_store_n(s->out.wwait, 0, __ATOMIC_SEQ_CST);
  conn_shm_writable(c);
  if (c->state != CONN_CLOSED) drain(s);
  if (c->state != CONN_CLOSED && s->broken) conn_peer_gone(c, s->why);
}

static void start_wake_poll(shm_link *s) {
  uv_poll_init(s->c->node->loop, &s->wake_poll, s->wake_me);
  s->wake_poll.data = s;
  s->wake_polling = true;
  uv_poll_start(&s->wake_poll, UV_READABLE, on_wake);
}

void shm_read(conn *c, bool on) {
  shm_link *s = c->shm;
  s->reading = on;
  if (on && s->ready) drain(s);
  if (on && s->ready && s->broken && c->state != CONN_CLOSED) conn_peer_gone(c, s->why);
}

/* ---- set-up: the dialer's message, then the socket tells of the peer's death ---- */

static bool valid_ring_bytes(uint32_t n) { return n >= SHM_RING_MIN && n <= SHM_RING_MAX && (n & (n - 1)) == 0; }

/* Receives the set-up message: 16 bytes and exactly three descriptors; why not, or NULL. */
static const char *receive_setup(shm_link *s) {
  uint32_t msg[4];
  union {
    struct cmsghdr h;
    char space[CMSG_SPACE(4 * sizeof(int))];
  } ctl;
  struct iovec io = {msg, sizeof msg};
  struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl.space, .msg_controllen = sizeof ctl.space};
  ssize_t got = recvmsg(s->sock, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (got < 0 && (errno == EAGAIN || errno == EINTR)) return "";
  int fds[4], nfds = 0;
  for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h != NULL; h = CMSG_NXTHDR(&m, h)) {
    if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) continue;
    int n = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < n && nfds < 4; i++) memcpy(&fds[nfds++], CMSG_DATA(h) + i * sizeof(int), sizeof(int));
  }
  const char *why = NULL;
  if (got <= 0) why = "the dialer closed before the set-up message";
  else if (got != SHM_SETUP_BYTES || (m.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) why = "set-up message of the wrong size";
  else if (nfds != 3) why = "set-up message without its three descriptors";
  else if (msg[0] != SHM_MAGIC || msg[1] != SHM_VERSION) why = "not an interop shm set-up (magic or version)";
  else if (!valid_ring_bytes(msg[2])) why = "ring size not a power of two between 4 KiB and 16 MiB";
  if (why != NULL) {
    for (int i = 0; i < nfds; i++) close(fds[i]);
    return why;
  }
  s->memfd = fds[0], s->wake_peer = fds[1], s->wake_me = fds[2];
  s->ring_bytes = msg[2];
  s->size = SHM_HEADER + 2 * (size_t)s->ring_bytes;
  struct stat st;
  /* Sealed against shrinking, or the dialer could truncate it under us (SIGBUS on access). */
  int seals = fcntl(s->memfd, F_GET_SEALS);
  if (fstat(s->memfd, &st) != 0 || (size_t)st.st_size != s->size) return "segment of the wrong size";
  if (seals < 0 || !(seals & F_SEAL_SHRINK)) return "segment not sealed against shrinking";
  s->base = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
  if (s->base == MAP_FAILED) {
    s->base = NULL;
    return "cannot map the segment";
  }
  uint32_t head[3];
  memcpy(head, s->base, sizeof head);
  if (head[0] != SHM_MAGIC || head[1] != SHM_VERSION || head[2] != s->ring_bytes) return "segment header does not match";
  int fl = fcntl(s->wake_me, F_GETFL);
  if (fl < 0 || fcntl(s->wake_me, F_SETFL, fl | O_NONBLOCK) != 0) return "bad wake-up descriptor";
  map_rings(s, false);
  /* Both rings start empty: our indices start at what is there, as long as that is empty. */
  s->rpos = __atomic_load_n(s->in.ridx, __ATOMIC_ACQUIRE);
  s->wpos = __atomic_load_n(s->out.widx, __ATOMIC_ACQUIRE);
  if (s->rpos != 0 || s->wpos != 0 || __atomic_load_n(s->out.ridx, __ATOMIC_ACQUIRE) != 0)
    return "segment rings not empty at set-up";
  return NULL;
}

static void on_sock(uv_poll_t *h, int status, int events) {
  shm_link *s = h->data;
  conn *c = s->c;
  if (c->state == CONN_CLOSED) return;
  if (!s->ready) {
    const char *why = status < 0 ? uv_strerror(status) : receive_setup(s);
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

/* The dialer makes the segment: sealed, header written, rings empty; then sends it. */
static const char *make_segment(shm_link *s) {
  s->ring_bytes = SHM_RING_BYTES;
  s->size = SHM_HEADER + 2 * (size_t)s->ring_bytes;
  s->memfd = memfd_create("interop-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (s->memfd < 0) return "memfd_create failed";
  if (ftruncate(s->memfd, (off_t)s->size) != 0) return "cannot size the segment";
  if (fcntl(s->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) return "cannot seal the segment";
  s->base = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
  if (s->base == MAP_FAILED) {
    s->base = NULL;
    return "cannot map the segment";
  }
  uint32_t head[4] = {SHM_MAGIC, SHM_VERSION, s->ring_bytes, 0};
  memcpy(s->base, head, sizeof head);
  s->wake_me = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  s->wake_peer = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s->wake_me < 0 || s->wake_peer < 0) return "eventfd failed";
  map_rings(s, true);
  int fds[3] = {s->memfd, s->wake_me, s->wake_peer}; /* memfd, wakes the initiator, wakes the responder */
  union {
    struct cmsghdr h;
    char space[CMSG_SPACE(sizeof fds)];
  } ctl;
  memset(&ctl, 0, sizeof ctl);
  struct iovec io = {head, sizeof head};
  struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl.space, .msg_controllen = sizeof ctl.space};
  struct cmsghdr *h = CMSG_FIRSTHDR(&m);
  h->cmsg_level = SOL_SOCKET, h->cmsg_type = SCM_RIGHTS, h->cmsg_len = CMSG_LEN(sizeof fds);
  memcpy(CMSG_DATA(h), fds, sizeof fds);
  if (sendmsg(s->sock, &m, MSG_NOSIGNAL) != (ssize_t)sizeof head) return "cannot send the segment";
  return NULL;
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
  const char *why = status != 0 ? uv_strerror(status) : s->sock < 0 ? "dup failed" : make_segment(s);
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
  if (s->base != NULL) munmap(s->base, s->size);
  int fds[4] = {s->sock, s->memfd, s->wake_me, s->wake_peer};
  for (int i = 0; i < 4; i++)
    if (fds[i] >= 0) close(fds[i]);
  free(s);
}
