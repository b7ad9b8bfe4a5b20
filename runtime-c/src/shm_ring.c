/* The shm ring core: the segment, its two rings and their wake-up flags, laid out as docs/wire.md
 * §9 says (include/interop/shm_ring.h documents the API). Self-contained on purpose: other
 * runtimes compile this file alone, so it includes nothing of runtime-c but its own header. */
#define _GNU_SOURCE
#include "interop/shm_ring.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SETUP_BYTES 16u

void interop_shm_ring_init(interop_shm_ring *s) {
  memset(s, 0, sizeof *s);
  s->memfd = s->wake_me = s->wake_peer = -1;
}

void interop_shm_ring_wake(int fd) {
  uint64_t one = 1;
  if (write(fd, &one, sizeof one) < 0) { /* full (2^64-2 pending) or closed: awake or gone */ }
}

static bool valid_ring_bytes(uint32_t n) {
  return n >= INTEROP_SHM_RING_MIN && n <= INTEROP_SHM_RING_MAX && (n & (n - 1)) == 0;
}

static interop_shm_dir dir_at(const interop_shm_ring *s, unsigned r) {
  uint8_t *b = s->base;
  return (interop_shm_dir){(uint64_t *)(b + INTEROP_SHM_WRITE_INDEX(r)), (uint32_t *)(b + INTEROP_SHM_WRITER_WAITING(r)),
                           (uint64_t *)(b + INTEROP_SHM_READ_INDEX(r)), (uint32_t *)(b + INTEROP_SHM_READER_SLEEPING(r)),
                           b + INTEROP_SHM_HEADER_BYTES + (size_t)r * s->ring_bytes};
}

/* Ring 0 carries dialer → listener, ring 1 listener → dialer. */
static const char *map(interop_shm_ring *s, bool dialer) {
  s->size = INTEROP_SHM_HEADER_BYTES + 2 * (size_t)s->ring_bytes;
  void *b = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
  if (b == MAP_FAILED) return "cannot map the segment";
  s->base = b;
  s->out = dir_at(s, dialer ? 0 : 1);
  s->in = dir_at(s, dialer ? 1 : 0);
  return NULL;
}

const char *interop_shm_ring_create(interop_shm_ring *s, uint32_t ring_bytes) {
  interop_shm_ring_init(s);
  s->ring_bytes = ring_bytes == 0 ? INTEROP_SHM_RING_DEFAULT : ring_bytes;
  if (!valid_ring_bytes(s->ring_bytes)) return "ring size not a power of two between 4 KiB and 16 MiB";
  s->memfd = memfd_create("interop-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (s->memfd < 0) return "memfd_create failed";
  if (ftruncate(s->memfd, (off_t)(INTEROP_SHM_HEADER_BYTES + 2 * (size_t)s->ring_bytes)) != 0)
    return "cannot size the segment";
  /* Sealed so that the listener never touches a page that no longer exists (SIGBUS). */
  if (fcntl(s->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) return "cannot seal the segment";
  const char *why = map(s, true);
  if (why != NULL) return why;
  uint32_t head[4] = {INTEROP_SHM_MAGIC, INTEROP_SHM_VERSION, s->ring_bytes, 0};
  memcpy(s->base, head, sizeof head);
  s->wake_me = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  s->wake_peer = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  return s->wake_me < 0 || s->wake_peer < 0 ? "eventfd failed" : NULL;
}

const char *interop_shm_ring_send_setup(const interop_shm_ring *s, int sock) {
  uint32_t head[4] = {INTEROP_SHM_MAGIC, INTEROP_SHM_VERSION, s->ring_bytes, 0};
  int fds[3] = {s->memfd, s->wake_me, s->wake_peer}; /* segment, wakes the dialer, wakes the listener */
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
  ssize_t sent;
  do sent = sendmsg(sock, &m, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  return sent == (ssize_t)sizeof head ? NULL : "cannot send the segment";
}

/* The segment a dialer sent: its size, seals, header and empty rings. */
static const char *check_segment(interop_shm_ring *s) {
  struct stat st;
  if (fstat(s->memfd, &st) != 0 || (size_t)st.st_size != INTEROP_SHM_HEADER_BYTES + 2 * (size_t)s->ring_bytes)
    return "segment of the wrong size";
  int seals = fcntl(s->memfd, F_GET_SEALS);
  if (seals < 0 || !(seals & F_SEAL_SHRINK)) return "segment not sealed against shrinking";
  const char *why = map(s, false);
  if (why != NULL) return why;
  uint32_t head[3];
  memcpy(head, s->base, sizeof head);
  if (head[0] != INTEROP_SHM_MAGIC || head[1] != INTEROP_SHM_VERSION || head[2] != s->ring_bytes)
    return "segment header does not match";
  int fl = fcntl(s->wake_me, F_GETFL);
  if (fl < 0 || fcntl(s->wake_me, F_SETFL, fl | O_NONBLOCK) != 0) return "bad wake-up descriptor";
  /* Our indices start at zero, as the dialer left them. (Its own write index may have moved
   * already: it writes HELLO right after sending; that index is checked at every read.) */
  if (__atomic_load_n(s->in.read_index, __ATOMIC_ACQUIRE) != 0 || __atomic_load_n(s->out.write_index, __ATOMIC_ACQUIRE) != 0 ||
      __atomic_load_n(s->out.read_index, __ATOMIC_ACQUIRE) != 0)
    return "segment rings not empty at set-up";
  return NULL;
}

const char *interop_shm_ring_receive_setup(interop_shm_ring *s, int sock) {
  interop_shm_ring_init(s);
  uint32_t msg[4];
  union {
    struct cmsghdr h;
    char space[CMSG_SPACE(4 * sizeof(int))];
  } ctl;
  struct iovec io = {msg, sizeof msg};
  struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl.space, .msg_controllen = sizeof ctl.space};
  ssize_t got = recvmsg(sock, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return "";
  int fds[4], nfds = 0;
  for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); got >= 0 && h != NULL; h = CMSG_NXTHDR(&m, h)) {
    if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n && nfds < 4; i++) memcpy(&fds[nfds++], CMSG_DATA(h) + i * sizeof(int), sizeof(int));
  }
  const char *why = NULL;
  if (got <= 0) why = "the dialer closed before the set-up message";
  else if (got != SETUP_BYTES || (m.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) why = "set-up message of the wrong size";
  else if (nfds != 3) why = "set-up message without its three descriptors";
  else if (msg[0] != INTEROP_SHM_MAGIC || msg[1] != INTEROP_SHM_VERSION) why = "not an interop shm set-up (magic or version)";
  else if (!valid_ring_bytes(msg[2])) why = "ring size not a power of two between 4 KiB and 16 MiB";
  if (why != NULL) {
    for (int i = 0; i < nfds; i++) close(fds[i]);
    return why;
  }
  s->memfd = fds[0], s->wake_peer = fds[1], s->wake_me = fds[2];
  s->ring_bytes = msg[2];
  return check_segment(s);
}

/* ---- the rings ---- */

static ptrdiff_t broken(interop_shm_ring *s, const char *why) {
  const char *none = NULL;
  __atomic_compare_exchange_n(&s->error, &none, why, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  return -1;
}

static bool is_broken(interop_shm_ring *s) { return __atomic_load_n(&s->error, __ATOMIC_ACQUIRE) != NULL; }

/* Room in the outbound ring; -1 when the peer's read index is impossible. */
static ptrdiff_t room(interop_shm_ring *s) {
  uint64_t r = __atomic_load_n(s->out.read_index, __ATOMIC_SEQ_CST);
  if (r > s->wpos || s->wpos - r > s->ring_bytes) return broken(s, "shm ring broken by the peer: read index out of range");
  return (ptrdiff_t)(s->ring_bytes - (s->wpos - r));
}

ptrdiff_t interop_shm_ring_write(interop_shm_ring *s, const void *p, size_t n) {
  if (is_broken(s)) return -1;
  interop_shm_dir *o = &s->out;
  size_t done = 0;
  while (done < n) {
    ptrdiff_t free_bytes = room(s);
    if (free_bytes == 0) {
      /* Ask to be woken, then look again: the reader may have made room before it saw the flag
       * (§9.4). Only a full ring seen after the flag is set may wait. */
      __atomic_store_n(o->writer_waiting, 1, __ATOMIC_SEQ_CST);
      free_bytes = room(s);
      if (free_bytes == 0) break;
      __atomic_store_n(o->writer_waiting, 0, __ATOMIC_SEQ_CST);
    }
    if (free_bytes < 0) return -1;
    size_t k = n - done < (size_t)free_bytes ? n - done : (size_t)free_bytes;
    size_t at = (size_t)(s->wpos & (s->ring_bytes - 1)), first = s->ring_bytes - at;
    if (first > k) first = k;
    memcpy(o->data + at, (const uint8_t *)p + done, first);
    memcpy(o->data, (const uint8_t *)p + done + first, k - first);
    s->wpos += k;
    done += k;
    __atomic_store_n(o->write_index, s->wpos, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* pairs with the reader's fence before it sleeps */
    if (__atomic_load_n(o->reader_sleeping, __ATOMIC_RELAXED) != 0) interop_shm_ring_wake(s->wake_peer);
  }
  return (ptrdiff_t)done;
}

/* Bytes waiting in the inbound ring; -1 when the peer's write index is impossible. */
static ptrdiff_t waiting(interop_shm_ring *s, int order) {
  uint64_t w = __atomic_load_n(s->in.write_index, order);
  if (w < s->rpos || w - s->rpos > s->ring_bytes) return broken(s, "shm ring broken by the peer: write index out of range");
  return (ptrdiff_t)(w - s->rpos);
}

ptrdiff_t interop_shm_ring_peek(interop_shm_ring *s, const uint8_t **p) {
  if (is_broken(s)) return -1;
  ptrdiff_t n = waiting(s, __ATOMIC_ACQUIRE);
  if (n <= 0) return n;
  size_t at = (size_t)(s->rpos & (s->ring_bytes - 1));
  *p = s->in.data + at;
  return (size_t)n > s->ring_bytes - at ? (ptrdiff_t)(s->ring_bytes - at) : n;
}

void interop_shm_ring_consume(interop_shm_ring *s, size_t n) {
  s->rpos += n;
  __atomic_store_n(s->in.read_index, s->rpos, __ATOMIC_RELEASE);
  __atomic_thread_fence(__ATOMIC_SEQ_CST); /* pairs with the writer's fence before it waits */
  if (__atomic_load_n(s->in.writer_waiting, __ATOMIC_RELAXED) != 0) interop_shm_ring_wake(s->wake_peer);
}

ptrdiff_t interop_shm_ring_read(interop_shm_ring *s, void *dst, size_t cap) {
  size_t done = 0;
  while (done < cap) {
    const uint8_t *p;
    ptrdiff_t n = interop_shm_ring_peek(s, &p);
    if (n < 0) return -1;
    if (n == 0) break;
    size_t k = (size_t)n < cap - done ? (size_t)n : cap - done;
    memcpy((uint8_t *)dst + done, p, k);
    done += k;
    interop_shm_ring_consume(s, k);
  }
  return (ptrdiff_t)done;
}

bool interop_shm_ring_sleep(interop_shm_ring *s) {
  if (is_broken(s)) return false;
  __atomic_store_n(s->in.reader_sleeping, 1, __ATOMIC_SEQ_CST);
  if (waiting(s, __ATOMIC_SEQ_CST) == 0) return true; /* pairs with the writer's fence after it publishes */
  __atomic_store_n(s->in.reader_sleeping, 0, __ATOMIC_SEQ_CST);
  return false;
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

ptrdiff_t interop_shm_ring_poll(interop_shm_ring *s, uint64_t spin_ns) {
  const uint8_t *p;
  uint64_t end = 0;
  for (unsigned i = 0;; i++) {
    ptrdiff_t n = interop_shm_ring_peek(s, &p);
    if (n != 0) return n;
    if (i % 64 == 0) { /* the clock is read now and then: a load of the index costs far less */
      uint64_t t = now_ns();
      if (end == 0) end = t + spin_ns;
      else if (t >= end) return 0;
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause(); /* a spinning core leaves its sibling hyperthread the pipeline */
#endif
  }
}

void interop_shm_ring_awake(interop_shm_ring *s) { __atomic_store_n(s->in.reader_sleeping, 0, __ATOMIC_SEQ_CST); }

void interop_shm_ring_woken(interop_shm_ring *s) {
  uint64_t v;
  if (read(s->wake_me, &v, sizeof v) < 0) { /* nothing pending: a spurious wake-up */ }
  __atomic_store_n(s->in.reader_sleeping, 0, __ATOMIC_SEQ_CST);
  __atomic_store_n(s->out.writer_waiting, 0, __ATOMIC_SEQ_CST);
}

void interop_shm_ring_close(interop_shm_ring *s) {
  if (s->base != NULL) munmap(s->base, s->size);
  s->base = NULL;
  int *fds[3] = {&s->memfd, &s->wake_me, &s->wake_peer};
  for (int i = 0; i < 3; i++) {
    if (*fds[i] >= 0) close(*fds[i]);
    *fds[i] = -1;
  }
}
