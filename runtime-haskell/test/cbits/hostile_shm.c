/* A hostile shm dialer for the tests (ShmTests.hs), written from docs/wire.md §9 alone (no code of
 * the runtime under test): it sets a link up as an honest dialer would and writes the bytes it is
 * given into ring 0, then breaks a ring index as told and wakes the listener, which must close
 * that connection with a typed error and go on serving the others. Rings of 4 KiB; no wrap. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum { WRITE_INDEX_PAST_END = 1, READ_INDEX_AHEAD = 2 };
#define RING 4096u
#define SIZE (4096u + 2 * RING)

typedef struct hostile {
  int sock, memfd, wake_dialer, wake_listener;
  uint8_t *base;
  uint64_t wpos;
} hostile;

#define FIELD(h, type, offset) ((type *)((h)->base + (offset)))

void hostile_shm_free(hostile *h) {
  if (h == NULL) return;
  if (h->base != NULL && h->base != MAP_FAILED) munmap(h->base, SIZE);
  int fds[4] = {h->sock, h->memfd, h->wake_dialer, h->wake_listener};
  for (int i = 0; i < 4; i++)
    if (fds[i] >= 0) close(fds[i]);
  free(h);
}

static void wake_listener(hostile *h) {
  uint64_t one = 1;
  if (write(h->wake_listener, &one, sizeof one) != sizeof one) { /* the listener is gone */ }
}

/* Appends bytes to ring 0 and wakes the listener; 0 when they do not fit what is left of it. */
int hostile_shm_write(hostile *h, const uint8_t *bytes, size_t n) {
  if (h->wpos + n > RING) return 0;
  memcpy(h->base + 4096 + h->wpos, bytes, n);
  h->wpos += n;
  __atomic_store_n(FIELD(h, uint64_t, 64), h->wpos, __ATOMIC_SEQ_CST); /* ring 0's write index */
  wake_listener(h);
  return 1;
}

/* Breaks an index the listener reads, and wakes it. */
void hostile_shm_break(hostile *h, int how) {
  if (how == WRITE_INDEX_PAST_END) __atomic_store_n(FIELD(h, uint64_t, 64), h->wpos + 4 * RING, __ATOMIC_SEQ_CST);
  if (how == READ_INDEX_AHEAD) __atomic_store_n(FIELD(h, uint64_t, 192 + 256), (uint64_t)1 << 40, __ATOMIC_SEQ_CST);
  wake_listener(h);
}

/* A link set up (hostile_shm_free closes it) with `bytes` in its ring, or NULL. */
hostile *hostile_shm_dial(const char *path, const uint8_t *bytes, size_t n) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  hostile *h = calloc(1, sizeof *h);
  if (h == NULL) return NULL;
  h->memfd = memfd_create("hostile-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  h->wake_dialer = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  h->wake_listener = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  h->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (strlen(path) >= sizeof a.sun_path || h->memfd < 0 || h->wake_dialer < 0 || h->wake_listener < 0 || h->sock < 0) goto failed;
  strcpy(a.sun_path, path);
  if (ftruncate(h->memfd, SIZE) != 0 || fcntl(h->memfd, F_ADD_SEALS, F_SEAL_SHRINK) != 0) goto failed;
  h->base = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, h->memfd, 0);
  if (h->base == MAP_FAILED || connect(h->sock, (struct sockaddr *)&a, sizeof a) != 0) goto failed;
  uint32_t head[4] = {0x4d485349u, 1, RING, 0};
  memcpy(h->base, head, sizeof head);
  int fds[3] = {h->memfd, h->wake_dialer, h->wake_listener};
  union {
    struct cmsghdr c;
    char space[CMSG_SPACE(sizeof fds)];
  } ctl;
  memset(&ctl, 0, sizeof ctl);
  struct iovec io = {head, sizeof head};
  struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl.space, .msg_controllen = sizeof ctl.space};
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS, c->cmsg_len = CMSG_LEN(sizeof fds);
  memcpy(CMSG_DATA(c), fds, sizeof fds);
  if (sendmsg(h->sock, &m, MSG_NOSIGNAL) != (ssize_t)sizeof head || !hostile_shm_write(h, bytes, n)) goto failed;
  return h;
failed:
  hostile_shm_free(h);
  return NULL;
}

/* Waits up to ms for the listener to close the set-up socket: 1 when it did. */
int hostile_shm_closed(hostile *h, int ms) {
  struct pollfd p = {.fd = h->sock, .events = POLLIN};
  char b;
  return poll(&p, 1, ms) == 1 && recv(h->sock, &b, 1, MSG_DONTWAIT) == 0;
}

/* What the listener wrote into ring 1 so far (at most one ring's worth, from its start). */
size_t hostile_shm_answer(hostile *h, uint8_t *dst) {
  uint64_t w = __atomic_load_n(FIELD(h, uint64_t, 64 + 256), __ATOMIC_ACQUIRE);
  size_t k = w < RING ? (size_t)w : RING;
  memcpy(dst, h->base + 4096 + RING, k);
  return k;
}
