/* runtime-haskell's glue to the shm ring core (runtime-c's src/shm_ring.c, compiled into this
 * package as cbits/shm_ring.c; docs/wire.md §9 is the contract): the ring on the C heap, and the
 * few calls Interop.Runtime.Transport.Shm makes through unsafe FFI calls, none of which blocks.
 * The waits are on the Haskell side, in GHC's IO manager. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include "interop/shm_ring.h"

static const char *done(interop_shm_ring *s, const char *why, interop_shm_ring **out) {
  if (why == NULL) return *out = s, NULL;
  interop_shm_ring_close(s);
  free(s);
  return *out = NULL, why;
}

/* The dialer: creates the segment and sends it on the connected set-up socket. NULL, or why not. */
const char *interop_hs_shm_dial(int sock, interop_shm_ring **out) {
  interop_shm_ring *s = malloc(sizeof *s);
  if (s == NULL) return *out = NULL, "out of memory";
  const char *why = interop_shm_ring_create(s, 0);
  return done(s, why != NULL ? why : interop_shm_ring_send_setup(s, sock), out);
}

/* The listener: NULL when set up, "" when the message has not arrived yet, else why not. */
const char *interop_hs_shm_accept(int sock, interop_shm_ring **out) {
  interop_shm_ring *s = malloc(sizeof *s);
  if (s == NULL) return *out = NULL, "out of memory";
  return done(s, interop_shm_ring_receive_setup(s, sock), out);
}

/* Frees all but our own eventfd, which the Haskell side closes through GHC's IO manager (a waiting
 * thread may have it registered there). */
void interop_hs_shm_free(interop_shm_ring *s) {
  s->wake_me = -1;
  interop_shm_ring_close(s);
  free(s);
}

int interop_hs_shm_wake_fd(interop_shm_ring *s) { return s->wake_me; }

/* Why the peer broke the ring, or NULL. */
const char *interop_hs_shm_error(interop_shm_ring *s) { return __atomic_load_n(&s->error, __ATOMIC_ACQUIRE); }

/* The bytes that can be read at once (up to the ring's end), 0, or -1 once broken. */
ptrdiff_t interop_hs_shm_available(interop_shm_ring *s) {
  const uint8_t *p;
  return interop_shm_ring_peek(s, &p);
}

/* 1: asleep, wait for the eventfd; 0: data came meanwhile; -1: broken. */
int interop_hs_shm_sleep(interop_shm_ring *s) {
  if (interop_shm_ring_sleep(s)) return 1;
  return interop_hs_shm_error(s) != NULL ? -1 : 0;
}

/* What the set-up socket says once set up: 0 the peer is there, 1 it closed (end of file or an
 * error), 2 it wrote something (nothing is ever sent after set-up). */
int interop_hs_shm_peer(int sock) {
  char b;
  ssize_t n = recv(sock, &b, 1, MSG_DONTWAIT | MSG_PEEK);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
  return n > 0 ? 2 : 1;
}
