/* libFuzzer target for the shm ring reader and writer (src/shm_ring.c) against a hostile peer: the
 * input is a script of what the peer does to the shared segment (indices anywhere, past the end,
 * backwards; garbage and wrong lengths in the ring's bytes; its flags) between our reads, writes
 * and sleeps, and it scribbles over our own fields too. Whatever it does, no access leaves the mapping (ASan), our indices never pass what
 * the peer published, the bytes read go into a frame decoder as the transport does, and once the
 * ring is broken it stays broken with one of the two typed sentences. */
#include <stdlib.h>
#include <string.h>
#include "interop/interop.h"
#include "interop/shm_ring.h"

#define RING 4096u

static uint64_t take(const uint8_t *data, size_t size, size_t *pos, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n && *pos < size; i++) v |= (uint64_t)data[(*pos)++] << (8 * i);
  return v;
}

static void check_error(const interop_shm_ring *r) {
  if (r->error != NULL && strcmp(r->error, "shm ring broken by the peer: write index out of range") != 0 &&
      strcmp(r->error, "shm ring broken by the peer: read index out of range") != 0)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static interop_shm_ring r;
  static bool made;
  if (!made && interop_shm_ring_create(&r, RING) != NULL) abort();
  made = true;
  /* A fresh pair of rings each run, on the same segment. */
  memset(r.base + 64, 0, INTEROP_SHM_HEADER_BYTES - 64);
  r.rpos = r.wpos = 0;
  r.error = NULL;
  interop_shm_ring_woken(&r);
  /* We are the dialer: ring 1 is ours to read, ring 0 ours to write; the peer writes the rest. */
  uint64_t *peer_widx = (uint64_t *)(r.base + INTEROP_SHM_WRITE_INDEX(1));
  uint64_t *peer_ridx = (uint64_t *)(r.base + INTEROP_SHM_READ_INDEX(0));
  uint8_t *peer_data = r.base + INTEROP_SHM_HEADER_BYTES + RING;
  interop_frame_decoder dec;
  interop_frame_decoder_init(&dec, 1 << 16);
  uint8_t buf[3 * RING], out[RING];
  memset(out, 0x5a, sizeof out);
  size_t pos = 0;
  bool broken = false;
  while (pos < size) {
    uint8_t op = data[pos++];
    switch (op % 8) {
      case 0: /* the peer publishes a write index: near ours, or anything */
        *peer_widx = op & 8 ? r.rpos + take(data, size, &pos, 2) : take(data, size, &pos, 8);
        break;
      case 1: { /* the peer writes bytes at some offset of its ring (a frame head, garbage) */
        size_t at = (size_t)take(data, size, &pos, 2) % RING, n = (size_t)take(data, size, &pos, 1);
        for (size_t i = 0; i < n && pos < size; i++) peer_data[(at + i) % RING] = data[pos++];
        break;
      }
      case 2: /* the peer publishes a read index of our ring */
        *peer_ridx = op & 8 ? r.wpos - take(data, size, &pos, 2) : take(data, size, &pos, 8);
        break;
      case 3: { /* we read, as the transport does: into the decoder */
        uint64_t before = r.rpos;
        ptrdiff_t n = interop_shm_ring_read(&r, buf, 1 + (size_t)take(data, size, &pos, 2) % sizeof buf);
        /* Read only what the peer published, never more than a ring ahead of us. */
        if (n < -1 || (n > 0 && (r.rpos > *peer_widx || *peer_widx - before > RING))) abort();
        if (n > 0 && !interop_frame_decoder_push(&dec, buf, (size_t)n)) abort();
        interop_frame f;
        interop_error err;
        int got;
        while ((got = interop_frame_decoder_next(&dec, &f, &err)) == 1) interop_frame_check(&f, &err);
        if (got < 0) { /* a framing error: the transport closes; start a new stream */
          interop_frame_decoder_free(&dec);
          interop_frame_decoder_init(&dec, 1 << 16);
        }
        broken |= n < 0;
        break;
      }
      case 4: { /* we write */
        ptrdiff_t n = interop_shm_ring_write(&r, out, (size_t)take(data, size, &pos, 2) % sizeof out);
        if (n < -1 || (n > 0 && (*peer_ridx > r.wpos || r.wpos - *peer_ridx > RING))) abort(); /* room not given */
        broken |= n < 0;
        break;
      }
      case 5: /* we would sleep; the peer flips its flags */
        if (interop_shm_ring_sleep(&r) && broken) abort();
        interop_shm_ring_woken(&r);
        break;
      case 6: { /* the peer scribbles over any control field, ours included (we never read ours back) */
        size_t at = 64 + (size_t)take(data, size, &pos, 2) % (INTEROP_SHM_HEADER_BYTES - 64 - 8);
        uint64_t v = take(data, size, &pos, 8);
        memcpy(r.base + at, &v, sizeof v);
        break;
      }
      default: { /* peek and consume part of it */
        const uint8_t *p;
        ptrdiff_t n = interop_shm_ring_peek(&r, &p);
        if (n > 0) {
          if (p < r.in.data || p + n > r.in.data + RING) abort();
          interop_shm_ring_consume(&r, (size_t)n / 2);
        }
        broken |= n < 0;
      }
    }
    check_error(&r);
    if (broken && r.error == NULL) abort(); /* broken for good */
  }
  interop_frame_decoder_free(&dec);
  return 0;
}
