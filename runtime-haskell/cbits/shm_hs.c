/* The shm transport's memory side for runtime-haskell (docs/wire.md §9): set-up over the socket,
 * the two rings and their flags. Every call here is short and never blocks: the Haskell side
 * (Interop.Runtime.Transport.Shm) waits for the eventfds and the socket in GHC's IO manager and
 * calls these through unsafe FFI calls. Each side keeps its own indices privately and checks the
 * peer's before use; bytes are copied out of the ring once, into Haskell's own buffer. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHM_MAGIC 0x4d485349u /* "ISHM" little-endian */
#define SHM_VERSION 1u
#define SHM_HEADER 4096u
#define SHM_RING_BYTES (256u * 1024u) /* what this side creates, as runtime-c */
#define SHM_RING_MIN 4096u
#define SHM_RING_MAX (16u * 1024u * 1024u)

typedef struct ring {
  uint64_t *widx;
  uint32_t *wwait;
  uint64_t *ridx;
  uint32_t *rsleep;
  uint8_t *data;
} ring;

typedef struct hs_shm {
  int memfd, wake_me, wake_peer;
  uint8_t *base;
  size_t size;
  uint32_t ring_bytes;
  ring in, out;
  uint64_t rpos, wpos; /* our own indices: never read back from the segment */
} hs_shm;

static void wake(int fd) {
  uint64_t one = 1;
  if (write(fd, &one, sizeof one) < 0) { /* full or closed: the peer is awake or gone */ }
}

static void map_rings(hs_shm *s, int initiator) {
  for (int r = 0; r < 2; r++) {
    uint8_t *ctl = s->base + 64 + 256 * r;
    ring g = {(uint64_t *)ctl, (uint32_t *)(ctl + 8), (uint64_t *)(ctl + 128), (uint32_t *)(ctl + 136),
              s->base + SHM_HEADER + (size_t)r * s->ring_bytes};
    /* ring 0 carries dialer → listener, ring 1 listener → dialer */
    if ((r == 0) == (initiator != 0)) s->out = g;
    else s->in = g;
  }
}

/* Unmaps and closes all but our own eventfd, which the Haskell side closes through GHC's IO
 * manager (a waiting thread may have it registered there). */
void interop_hs_shm_free(hs_shm *s) {
  if (s == NULL) return;
  if (s->base != NULL) munmap(s->base, s->size);
  if (s->memfd >= 0) close(s->memfd);
  if (s->wake_peer >= 0) close(s->wake_peer);
  free(s);
}

static hs_shm *fresh(void) {
  hs_shm *s = calloc(1, sizeof *s);
  if (s != NULL) s->memfd = s->wake_me = s->wake_peer = -1;
  return s;
}

static const char *fail(hs_shm *s, const char *why, hs_shm **out) {
  if (s != NULL && s->wake_me >= 0) close(s->wake_me);
  interop_hs_shm_free(s);
  *out = NULL;
  return why;
}

/* The dialer: makes the segment (sealed, header written, rings empty) and sends it with its two
 * eventfds on the connected socket. NULL, or why not. */
const char *interop_hs_shm_dial(int sock, hs_shm **out) {
  hs_shm *s = fresh();
  if (s == NULL) return fail(s, "out of memory", out);
  s->ring_bytes = SHM_RING_BYTES;
  s->size = SHM_HEADER + 2 * (size_t)s->ring_bytes;
  s->memfd = memfd_create("interop-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (s->memfd < 0) return fail(s, "memfd_create failed", out);
  if (ftruncate(s->memfd, (off_t)s->size) != 0) return fail(s, "cannot size the segment", out);
  if (fcntl(s->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) return fail(s, "cannot seal the segment", out);
  s->base = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
  if (s->base == MAP_FAILED) return s->base = NULL, fail(s, "cannot map the segment", out);
  uint32_t head[4] = {SHM_MAGIC, SHM_VERSION, s->ring_bytes, 0};
  memcpy(s->base, head, sizeof head);
  s->wake_me = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  s->wake_peer = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s->wake_me < 0 || s->wake_peer < 0) return fail(s, "eventfd failed", out);
  map_rings(s, 1);
  int fds[3] = {s->memfd, s->wake_me, s->wake_peer}; /* memfd, wakes the dialer, wakes the listener */
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
  if (sendmsg(sock, &m, MSG_NOSIGNAL) != (ssize_t)sizeof head) return fail(s, "cannot send the segment", out);
  *out = s;
  return NULL;
}

static int valid_ring_bytes(uint32_t n) { return n >= SHM_RING_MIN && n <= SHM_RING_MAX && (n & (n - 1)) == 0; }

/* The listener: receives the dialer's 16 bytes and three descriptors and checks all of it
 * (docs/wire.md §9.1). NULL when set up; "" when nothing has arrived yet; else why not. */
const char *interop_hs_shm_accept(int sock, hs_shm **out) {
  *out = NULL;
  uint32_t msg[4];
  union {
    struct cmsghdr h;
    char space[CMSG_SPACE(4 * sizeof(int))];
  } ctl;
  struct iovec io = {msg, sizeof msg};
  struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl.space, .msg_controllen = sizeof ctl.space};
  ssize_t got = recvmsg(sock, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (got < 0 && (errno == EAGAIN || errno == EINTR)) return "";
  int fds[4], nfds = 0;
  for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); got >= 0 && h != NULL; h = CMSG_NXTHDR(&m, h)) {
    if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) continue;
    int n = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < n && nfds < 4; i++) memcpy(&fds[nfds++], CMSG_DATA(h) + i * sizeof(int), sizeof(int));
  }
  const char *why = NULL;
  if (got <= 0) why = "the dialer closed before the set-up message";
  else if (got != 16 || (m.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) why = "set-up message of the wrong size";
  else if (nfds != 3) why = "set-up message without its three descriptors";
  else if (msg[0] != SHM_MAGIC || msg[1] != SHM_VERSION) why = "not an interop shm set-up (magic or version)";
  else if (!valid_ring_bytes(msg[2])) why = "ring size not a power of two between 4 KiB and 16 MiB";
  hs_shm *s = why == NULL ? fresh() : NULL;
  if (s == NULL) {
    for (int i = 0; i < nfds; i++) close(fds[i]);
    return why != NULL ? why : "out of memory";
  }
  s->memfd = fds[0], s->wake_peer = fds[1], s->wake_me = fds[2];
  s->ring_bytes = msg[2];
  s->size = SHM_HEADER + 2 * (size_t)s->ring_bytes;
  struct stat st;
  /* Sealed against shrinking, or the dialer could truncate it under us (SIGBUS on access). */
  int seals = fcntl(s->memfd, F_GET_SEALS);
  if (fstat(s->memfd, &st) != 0 || (size_t)st.st_size != s->size) return fail(s, "segment of the wrong size", out);
  if (seals < 0 || !(seals & F_SEAL_SHRINK)) return fail(s, "segment not sealed against shrinking", out);
  s->base = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
  if (s->base == MAP_FAILED) return s->base = NULL, fail(s, "cannot map the segment", out);
  uint32_t head[3];
  memcpy(head, s->base, sizeof head);
  if (head[0] != SHM_MAGIC || head[1] != SHM_VERSION || head[2] != s->ring_bytes) return fail(s, "segment header does not match", out);
  int fl = fcntl(s->wake_me, F_GETFL);
  if (fl < 0 || fcntl(s->wake_me, F_SETFL, fl | O_NONBLOCK) != 0) return fail(s, "bad wake-up descriptor", out);
  map_rings(s, 0);
  s->rpos = __atomic_load_n(s->in.ridx, __ATOMIC_ACQUIRE);
  s->wpos = __atomic_load_n(s->out.widx, __ATOMIC_ACQUIRE);
  if (s->rpos != 0 || s->wpos != 0 || __atomic_load_n(s->out.ridx, __ATOMIC_ACQUIRE) != 0)
    return fail(s, "segment rings not empty at set-up", out);
  *out = s;
  return NULL;
}

int interop_hs_shm_wake_fd(hs_shm *s) { return s->wake_me; }

/* Copies what fits of p into the outbound ring and wakes a sleeping reader: the count copied; 0
 * when the ring is full (the writer-waiting flag is then set: wait for the eventfd); -1 when the
 * peer's read index is impossible. */
long interop_hs_shm_put(hs_shm *s, const uint8_t *p, size_t n) {
  ring *o = &s->out;
  size_t done = 0;
  while (done < n) {
    uint64_t r = __atomic_load_n(o->ridx, __ATOMIC_SEQ_CST);
    if (r > s->wpos || s->wpos - r > s->ring_bytes) return -1;
    size_t room = s->ring_bytes - (size_t)(s->wpos - r);
    if (room == 0) {
      if (done > 0) break;
      /* Ask to be woken, then look again: the reader may have made room before it saw the flag. */
      __atomic_store_n(o->wwait, 1, __ATOMIC_SEQ_CST);
      r = __atomic_load_n(o->ridx, __ATOMIC_SEQ_CST);
      if (r > s->wpos || s->wpos - r > s->ring_bytes) return -1;
      if (s->wpos - r == s->ring_bytes) return 0;
      __atomic_store_n(o->wwait, 0, __ATOMIC_SEQ_CST);
      continue;
    }
    size_t k = n - done < room ? n - done : room;
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
  return (long)done;
}

/* The bytes waiting in the inbound ring; -1 when the peer's write index is impossible. */
long interop_hs_shm_available(hs_shm *s) {
  uint64_t w = __atomic_load_n(s->in.widx, __ATOMIC_ACQUIRE);
  if (w < s->rpos || w - s->rpos > s->ring_bytes) return -1;
  return (long)(w - s->rpos);
}

/* Copies up to cap waiting bytes out of the inbound ring into dst, publishes the room and wakes a
 * writer waiting for it: the count copied; 0 when empty; -1 when the peer's write index is
 * impossible. */
long interop_hs_shm_get(hs_shm *s, uint8_t *dst, size_t cap) {
  uint64_t w = __atomic_load_n(s->in.widx, __ATOMIC_ACQUIRE);
  if (w < s->rpos || w - s->rpos > s->ring_bytes) return -1;
  size_t avail = (size_t)(w - s->rpos), k = avail < cap ? avail : cap;
  if (k == 0) return 0;
  size_t at = (size_t)(s->rpos & (s->ring_bytes - 1)), first = s->ring_bytes - at;
  if (first > k) first = k;
  memcpy(dst, s->in.data + at, first);
  memcpy(dst + first, s->in.data, k - first);
  s->rpos += k;
  __atomic_store_n(s->in.ridx, s->rpos, __ATOMIC_RELEASE);
  __atomic_thread_fence(__ATOMIC_SEQ_CST); /* pairs with the writer's fence before it waits */
  if (__atomic_load_n(s->in.wwait, __ATOMIC_RELAXED) != 0) wake(s->wake_peer);
  return (long)k;
}

/* The reader is about to sleep (docs/wire.md §9.4): sets its flag and looks again. 1: still empty,
 * wait for the eventfd; 0: data came meanwhile (the flag is cleared); -1: impossible index. */
int interop_hs_shm_sleep(hs_shm *s) {
  __atomic_store_n(s->in.rsleep, 1, __ATOMIC_SEQ_CST);
  uint64_t w = __atomic_load_n(s->in.widx, __ATOMIC_SEQ_CST);
  if (w < s->rpos || w - s->rpos > s->ring_bytes) return -1;
  if (w == s->rpos) return 1;
  __atomic_store_n(s->in.rsleep, 0, __ATOMIC_SEQ_CST);
  return 0;
}

/* After a wait: resets the eventfd and clears the flag of who waited (the reader's sleeping flag
 * or the writer's waiting one; each then looks at its ring again). 1 when the eventfd was written. */
int interop_hs_shm_woken(hs_shm *s, int reader) {
  uint64_t v;
  int had = read(s->wake_me, &v, sizeof v) == (ssize_t)sizeof v;
  __atomic_store_n(reader ? s->in.rsleep : s->out.wwait, 0, __ATOMIC_SEQ_CST);
  return had;
}

/* What the set-up socket says once set up: 0 the peer is there, 1 it closed (end of file or an
 * error), 2 it wrote something (nothing is ever sent after set-up). */
int interop_hs_shm_peer(int sock) {
  char b;
  ssize_t n = recv(sock, &b, 1, MSG_DONTWAIT | MSG_PEEK);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
  return n > 0 ? 2 : 1;
}
