/* The shm segment and its two rings, as docs/wire.md §9 lays them out: set-up (make, send,
 * receive and check), put, take, and the sleeping and waiting flags. No event loop and no Node:
 * the addon (addon.c) drives it from Node's loop. */
#ifndef INTEROP_TS_SHM_RING_H
#define INTEROP_TS_SHM_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct shm_ring_dir {
  uint64_t *widx;   /* written by the producer only */
  uint32_t *wwait;  /* the producer waits for room */
  uint64_t *ridx;   /* written by the consumer only */
  uint32_t *rsleep; /* the consumer sleeps */
  uint8_t *data;
} shm_ring_dir;

typedef struct shm_rings {
  int memfd, wake_me, wake_peer; /* -1 when not open */
  uint8_t *base;
  size_t size;
  uint32_t ring_bytes;
  shm_ring_dir in, out;
  uint64_t rpos, wpos; /* our own indices: never read back from the segment */
} shm_rings;

void shm_rings_init(shm_rings *s);
/* Dialer: creates the sealed segment and the two eventfds, sends them on `sock`; NULL or why not. */
const char *shm_rings_create_and_send(shm_rings *s, int sock, uint32_t ring_bytes);
/* Listener: receives and checks the set-up message on a non-blocking `sock`; NULL when set up,
 * "" when nothing is there yet, else why it was refused (descriptors closed). */
const char *shm_rings_receive(shm_rings *s, int sock);
void shm_rings_free(shm_rings *s);

/* Bytes waiting in the inbound ring; -1 when the peer's write index is impossible. */
int64_t shm_rings_inbound(shm_rings *s);
/* Copies up to `max` waiting bytes (at most to the ring's end) into `to`, publishes the room and
 * wakes a waiting writer; the count copied. */
size_t shm_rings_take(shm_rings *s, uint8_t *to, size_t max);
/* Copies what fits of p into the outbound ring, waking a sleeping reader; the count copied, or
 * -1 when the peer's read index is impossible. When less than n, `writer_waiting` is set: the
 * peer wakes us once it has made room. */
int64_t shm_rings_put(shm_rings *s, const uint8_t *p, size_t n);
/* Whether the outbound ring has room again (clears `writer_waiting` when it has). */
bool shm_rings_room_again(shm_rings *s);
/* Sets `reader_sleeping` and looks again: true when asleep, false when data came meanwhile. */
bool shm_rings_sleep(shm_rings *s);
void shm_rings_awake(shm_rings *s);
/* Resets our eventfd after a wake-up. */
void shm_rings_clear_wake(shm_rings *s);

#endif
