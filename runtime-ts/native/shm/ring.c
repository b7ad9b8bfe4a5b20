/* The shm segment and its rings (docs/wire.md §9, ADR 0033), as runtime-c's src/shm.c lays them
 * out: each side keeps its own index and never reads it back; the peer's index is checked before
 * use (never more than a ring apart); bytes are copied out once, into private memory. */
#define _GNU_SOURCE
#include "ring.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHM_MAGIC 0x4d485349u /* "ISHM" little-endian */
#define SHM_VERSION 1u
#define SHM_HEADER 4096u
#define SHM_RING_MIN 4096u
#define SHM_RING_MAX (16u * 1024u * 1024u)
#define SHM_SETUP_BYTES 16u

void shm_rings_init(shm_rings *s) {
  memset(s, 0, sizeof *s);
  s->memfd = s->wake_me = s->wake_peer = -1;
}

static void wake(int fd) {
  uint64_t one = 1;
  if (write(fd, &one, sizeof one) < 0) { /* full or closed: the peer is awake or gone */ }
}

static void map_rings(shm_rings *s, bool dialer) {
  for (int r = 0; r < 2; r++) {
    uint8_t *ctl = s->base + 64 + 256 * r;
    shm_ring_dir g = {(uint64_t *)ctl, (uint32_t *)(ctl + 8), (uint64_t *)(ctl + 128), (uint32_t *)(ctl + 136),
                      s->base + SHM_HEADER + (size_t)r * s->ring_bytes};
    /* ring 0 carries dialer → listener, ring 1 listener → dialer */
    if ((r == 0) == dialer) s->out = g;
    else s->in = g;
  }
}

static const char *map_segment(shm_rings *s) {
  s->base = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
  if (s->base != MAP_FAILED) return NULL;
  s->base = NULL;
  return "cannot map the segment";
}

const char *shm_rings_create_and_send(shm_rings *s, int sock, uint32_t ring_bytes) {
  s->ring_bytes = ring_bytes;
  s->size = SHM_HEADER + 2 * (size_t)ring_bytes;
  s->memfd = memfd_create("interop-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (s->memfd < 0) return "memfd_create failed";
  if (ftruncate(s->memfd, (off_t)s->size) != 0) return "cannot size the segment";
  if (fcntl(s->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) return "cannot seal the segment";
  const char *why = map_segment(s);
  if (why != NULL) return why;
  uint32_t head[4] = {SHM_MAGIC, SHM_VERSION, ring_bytes, 0};
  memcpy(s->base, head, sizeof head);
  s->wake_me = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  s->wake_peer = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s->wake_me < 0 || s->wake_peer < 0) return "eventfd failed";
  map_rings(s, true);
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
  if (sendmsg(sock, &m, MSG_NOSIGNAL) != (ssize_t)sizeof head) return "cannot send the segment";
  return NULL;
}

static bool valid_ring_bytes(uint32_t n) { return n >= SHM_RING_MIN && n <= SHM_RING_MAX && (n & (n - 1)) == 0; }

const char *shm_rings_receive(shm_rings *s, int sock) {
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
  if ((why = map_segment(s)) != NULL) return why;
  uint32_t head[3];
  memcpy(head, s->base, sizeof head);
  if (head[0] != SHM_MAGIC || head[1] != SHM_VERSION || head[2] != s->ring_bytes) return "segment header does not match";
  int fl = fcntl(s->wake_me, F_GETFL);
  if (fl < 0 || fcntl(s->wake_me, F_SETFL, fl | O_NONBLOCK) != 0) return "bad wake-up descriptor";
  map_rings(s, false);
  s->rpos = __atomic_load_n(s->in.ridx, __ATOMIC_ACQUIRE);
  s->wpos = __atomic_load_n(s->out.widx, __ATOMIC_ACQUIRE);
  if (s->rpos != 0 || s->wpos != 0 || __atomic_load_n(s->out.ridx, __ATOMIC_ACQUIRE) != 0)
    return "segment rings not empty at set-up";
  return NULL;
}

void shm_rings_free(shm_rings *s) {
  if (s->base != NULL) munmap(s->base, s->size);
  int fds[3] = {s->memfd, s->wake_me, s->wake_peer};
  for (int i = 0; i < 3; i++)
    if (fds[i] >= 0) close(fds[i]);
  shm_rings_init(s);
}

int64_t shm_rings_inbound(shm_rings *s) {
  uint64_t w = __atomic_load_n(s->in.widx, __ATOMIC_ACQUIRE);
  if (w < s->rpos || w - s->rpos > s->ring_bytes) return -1;
  return (int64_t)(w - s->rpos);
}

size_t shm_rings_take(shm_rings *s, uint8_t *to, size_t max) {
  size_t at = (size_t)(s->rpos & (s->ring_bytes - 1)), k = max;
  if (k > s->ring_bytes - at) k = s->ring_bytes - at;
  memcpy(to, s->in.data + at, k);
  s->rpos += k;
  __atomic_store_n(s->in.ridx, s->rpos, __ATOMIC_RELEASE);
  __atomic_thread_fence(__ATOMIC_SEQ_CST); /* pairs with the writer's fence before it waits */
  if (__atomic_load_n(s->in.wwait, __ATOMIC_RELAXED) != 0) wake(s->wake_peer);
  return k;
}

/* The room in the outbound ring; -1 when the peer's read index is impossible. */
static int64_t room(shm_rings *s) {
  uint64_t r = __atomic_load_n(s->out.ridx, __ATOMIC_SEQ_CST);
  if (r > s->wpos || s->wpos - r > s->ring_bytes) return -1;
  return (int64_t)(s->ring_bytes - (s->wpos - r));
}

int64_t shm_rings_put(shm_rings *s, const uint8_t *p, size_t n) {
  size_t done = 0;
  while (done < n) {
    int64_t free_bytes = room(s);
    if (free_bytes == 0) {
      /* Ask to be woken, then look again: the reader may have made room before it saw the flag. */
      __atomic_store_n(s->out.wwait, 1, __ATOMIC_SEQ_CST);
      free_bytes = room(s);
      if (free_bytes == 0) return (int64_t)done;
      __atomic_store_n(s->out.wwait, 0, __ATOMIC_SEQ_CST);
    }
    if (free_bytes < 0) return -1;
    size_t k = n - done < (size_t)free_bytes ? n - done : (size_t)free_bytes;
    size_t at = (size_t)(s->wpos & (s->ring_bytes - 1)), first = s->ring_bytes - at;
    if (first > k) first = k;
    memcpy(s->out.data + at, p + done, first);
    memcpy(s->out.data, p + done + first, k - first);
    s->wpos += k;
    done += k;
    __atomic_store_n(s->out.widx, s->wpos, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* pairs with the reader's fence before it sleeps */
    if (__atomic_load_n(s->out.rsleep, __ATOMIC_RELAXED) != 0) wake(s->wake_peer);
  }
  return (int64_t)done;
}

bool shm_rings_room_again(shm_rings *s) {
  if (room(s) == 0) return false;
  __atomic_store_n(s->out.wwait, 0, __ATOMIC_SEQ_CST);
  return true;
}

bool shm_rings_sleep(shm_rings *s) {
  __atomic_store_n(s->in.rsleep, 1, __ATOMIC_SEQ_CST);
  uint64_t w = __atomic_load_n(s->in.widx, __ATOMIC_SEQ_CST); /* pairs with the writer's fence */
  if (w == s->rpos) return true;
  __atomic_store_n(s->in.rsleep, 0, __ATOMIC_SEQ_CST);
  return false;
}

void shm_rings_awake(shm_rings *s) { __atomic_store_n(s->in.rsleep, 0, __ATOMIC_SEQ_CST); }

void shm_rings_clear_wake(shm_rings *s) {
  uint64_t v;
  if (read(s->wake_me, &v, sizeof v) < 0) { /* nothing pending: a spurious wake-up */ }
}
