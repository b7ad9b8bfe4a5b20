/* The shm transport's ring core (docs/wire.md §9 is the contract, ADR 0033 says why): one segment
 * holding two single-producer single-consumer byte rings, its set-up over a unix socket, and the
 * wake-up flags. No event loop, no allocation, only libc and Linux: runtime-c's libuv transport
 * (src/shm.c) sits on top of it, and other runtimes (a Node-API addon, a Python extension, Haskell
 * cbits) compile src/shm_ring.c as it is.
 *
 * The rings carry the byte stream of frames a socket would: write what fits, read what is there,
 * parse only what was copied out. The peer's indices are checked before every use (never more
 * than a ring apart from ours); an impossible one breaks the ring for good (`error` says why, the
 * caller closes the connection with UNAVAILABLE and counts a rejected frame).
 *
 * Ownership: the struct is the caller's (no allocation here); the ring owns its three descriptors
 * and the mapping, and interop_shm_ring_close frees them. The set-up socket stays the caller's
 * (keep it open: its end of file is how each side learns that the other died).
 * Errors: functions that can fail return NULL on success, or a static English sentence saying
 * why (never freed); after a failure call interop_shm_ring_close.
 * Threads: the reading functions (peek, consume, read, sleep, woken) touch only the inbound ring
 * and the writing one only the outbound ring, so one thread may read while another writes; two
 * readers or two writers at once need the caller's lock. Linux only (memfd, eventfd, seals). */
#ifndef INTEROP_SHM_RING_H
#define INTEROP_SHM_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define INTEROP_SHM_MAGIC 0x4d485349u /* "ISHM" as little-endian bytes */
#define INTEROP_SHM_VERSION 1u
#define INTEROP_SHM_HEADER_BYTES 4096u
#define INTEROP_SHM_RING_DEFAULT (256u * 1024u) /* what runtime-c creates */
#define INTEROP_SHM_RING_MIN 4096u              /* what a listener accepts: a power of two between */
#define INTEROP_SHM_RING_MAX (16u * 1024u * 1024u)
/* How long a reader polls its ring after traffic before it sleeps (the node config's shm.spin_us,
 * docs/wire.md §9.4, ADR 0034): the same default in every runtime. 0: it sleeps at once. */
#define INTEROP_SHM_SPIN_US_DEFAULT 50u
#define INTEROP_SHM_SPIN_US_MAX 1000000u
/* Offsets in the segment of ring r's control fields (r = 0: dialer → listener, 1: the other way). */
#define INTEROP_SHM_WRITE_INDEX(r) (64u + 256u * (r))
#define INTEROP_SHM_WRITER_WAITING(r) (72u + 256u * (r))
#define INTEROP_SHM_READ_INDEX(r) (192u + 256u * (r))
#define INTEROP_SHM_READER_SLEEPING(r) (200u + 256u * (r))

/* One direction's fields in the shared segment (pointers into the mapping). */
typedef struct interop_shm_dir {
  uint64_t *write_index;
  uint32_t *writer_waiting;
  uint64_t *read_index;
  uint32_t *reader_sleeping;
  uint8_t *data;
} interop_shm_dir;

typedef struct interop_shm_ring {
  int memfd;       /* the segment */
  int wake_me;     /* an eventfd, non-blocking: readable when the peer wakes us; wait on it */
  int wake_peer;   /* the peer's eventfd */
  uint8_t *base;   /* the mapping, `size` bytes */
  size_t size;
  uint32_t ring_bytes;
  interop_shm_dir in, out;
  uint64_t rpos, wpos;  /* our own indices: never read back from the segment */
  const char *error;    /* why the peer broke the ring (a static sentence), or NULL */
} interop_shm_ring;

/* An empty ring that interop_shm_ring_close accepts (descriptors -1). */
void interop_shm_ring_init(interop_shm_ring *s);
/* The dialer's side: a sealed memfd of two rings of `ring_bytes` (0: the default; else a power of
 * two from RING_MIN to RING_MAX), header written, both rings empty, and two eventfds. */
const char *interop_shm_ring_create(interop_shm_ring *s, uint32_t ring_bytes);
/* Sends the 16-byte set-up message and the three descriptors (SCM_RIGHTS) on a connected unix
 * socket. */
const char *interop_shm_ring_send_setup(const interop_shm_ring *s, int sock);
/* The listener's side: receives the set-up message without blocking and checks everything in it
 * and in the segment (§9.1). "" (not NULL) when nothing has arrived yet: wait for the socket to be
 * readable and call again. */
const char *interop_shm_ring_receive_setup(interop_shm_ring *s, int sock);

/* Copies what fits of p[0..n) into the outbound ring and wakes the peer if it sleeps; returns the
 * bytes copied, or -1 once the ring is broken. Less than n: the ring is full and `writer_waiting`
 * is set: wait for wake_me, call interop_shm_ring_woken, write the rest. Frames may be split. */
ptrdiff_t interop_shm_ring_write(interop_shm_ring *s, const void *p, size_t n);
/* Bytes waiting in the inbound ring, contiguous from *p (the ring wraps: call again after consume);
 * 0 when empty, -1 once the ring is broken. *p points into memory the peer can change: copy the
 * bytes out before parsing them, then consume them. */
ptrdiff_t interop_shm_ring_peek(interop_shm_ring *s, const uint8_t **p);
/* Gives back n bytes (at most what peek returned) and wakes the peer if it waits for room. */
void interop_shm_ring_consume(interop_shm_ring *s, size_t n);
/* peek, copy into dst (at most cap bytes, across the wrap), consume: the bytes copied, 0, or -1. */
ptrdiff_t interop_shm_ring_read(interop_shm_ring *s, void *dst, size_t cap);
/* The inbound ring is empty: sets `reader_sleeping` and looks again (§9.4). true: asleep, wait for
 * wake_me to be readable, then call interop_shm_ring_woken; false: data came (or the ring broke),
 * the flag is cleared, read now. */
bool interop_shm_ring_sleep(interop_shm_ring *s);
/* Polls the inbound ring for up to spin_ns without a system call: the bytes waiting (as peek
 * counts them, so > 0), 0 when none came in time, -1 once the ring is broken. */
ptrdiff_t interop_shm_ring_poll(interop_shm_ring *s, uint64_t spin_ns);
/* We poll the ring from now on: clears `reader_sleeping`, so the peer's writes cost it no wake-up. */
void interop_shm_ring_awake(interop_shm_ring *s);
/* wake_me was readable: resets it and clears both of our flags. Then read, and write what waits. */
void interop_shm_ring_woken(interop_shm_ring *s);
/* Writes 1 to an eventfd (ours, to make our own loop come back; the peer's is done for us). */
void interop_shm_ring_wake(int eventfd);
/* Unmaps and closes the descriptors (the segment goes with the peer's last mapping); again is a
 * no-op. */
void interop_shm_ring_close(interop_shm_ring *s);

#ifdef __cplusplus
}
#endif
#endif
