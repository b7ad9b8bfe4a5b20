/* A raw peer for runtime-c's tests: frames written and read by hand on a socket, the node's loop
 * turning meanwhile (both run on the test's thread). */
#ifndef INTEROP_TEST_RAW_PEER_H
#define INTEROP_TEST_RAW_PEER_H

#include <uv.h>
#include "support.h"

/* Connects to a unix socket (blocking); asserts it worked. */
int raw_connect(const char *path);
/* Writes one frame with `payload` as it is; asserts it was taken whole. */
void raw_put(int fd, uint8_t kind, uint8_t codec, uint16_t flags, uint32_t id, const char *target, const char *payload);
/* Runs the loop once without waiting, then sleeps 1 ms. */
void raw_turn(uv_loop_t *loop);
/* The next frame's kind (its id into *id, its payload as text into `text`), 0 at EOF, -1 when
 * none came within `wait_ms`. */
int raw_next(int fd, interop_frame_decoder *d, uv_loop_t *loop, int wait_ms, uint32_t *id, char *text, size_t size);
/* A connection accepted on a listening socket within 3 s, or -1. */
int raw_accept(int listener, uv_loop_t *loop);

#endif
