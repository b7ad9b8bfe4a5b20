/* The shm transport (docs/wire.md §9, ADR 0033): two single-producer single-consumer byte rings in
 * a sealed memfd, set up over a Unix socket that passes the memfd and two eventfds with SCM_RIGHTS
 * and stays open only so that each side sees the other die. The rings carry the same byte stream
 * of frames as a socket, so the frame decoder, limits and flow control work unchanged.
 * Not installed. */
#ifndef INTEROP_SHM_H
#define INTEROP_SHM_H

#include "transport.h"

typedef struct shm_link shm_link;

bool shm_is_address(const char *address);
/* As transport_dial for shm:/path/to/setup.sock: connects, creates the segment, sends it. */
const char *shm_dial(interop_node *node, const char *address, conn *c);
/* An accepted set-up socket becomes the connection's link; the segment arrives on it later. */
int shm_accept(conn *c, uv_stream_t *server);

/* For conn.c and outbound.c. */
void shm_read(conn *c, bool on);
/* Copies what fits of p into the ring now; the count copied. When it is less than n, the link
 * calls conn_shm_writable once the peer has made room. */
size_t shm_put(conn *c, const uint8_t *p, size_t n);
/* Polls the node's hot links (those with traffic within shm.spin_us) for a slice of time: returns
 * when one had bytes (handled), when *done (if given) is set, or at the slice's end. The node's
 * idle handle calls it; so does a synchronous caller before it lets the loop wait. */
void shm_spin(interop_node *node, const bool *done);
/* Closes the link's handles (each closed with `closed`, as the connection's own handles). */
void shm_close(conn *c, uv_close_cb closed);
void shm_free(shm_link *s);

/* outbound.c: the ring took bytes; write what waits. */
void conn_shm_writable(conn *c);
/* outbound.c: frees what still waits for the ring (the connection closed). */
void conn_shm_drop(conn *c);
/* conn.c: bytes read from the peer, as from a socket; `end` when it is gone. */
void conn_received(conn *c, const uint8_t *p, size_t n);
void conn_peer_gone(conn *c, const char *why);

#endif
