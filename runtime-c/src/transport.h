/* Byte transports (docs/wire.md §8, docs/transports.md) on libuv: unix sockets, TCP, and stdio
 * pipes to a spawned plugin or, in a plugin, to its parent. Not installed. */
#ifndef INTEROP_TRANSPORT_H
#define INTEROP_TRANSPORT_H

#include "links.h"
#include "tls.h"

struct listener {
  listener *next;
  interop_node *node;
  union {
    uv_pipe_t pipe;
    uv_tcp_t tcp;
  } h;
  size_t open;      /* accepted connections still open (max_connections) */
  bool unix_socket;
  tls_ctx *tls;     /* wss:// and https:// listeners: the certificate and key (tls.c) */
  bool shm;         /* shm: a unix socket that sets up shared memory (shm.c) */
  bool control_only;
  char path[512];    /* the socket file, removed on close */
  char address[512]; /* as bound: tcp://127.0.0.1:<the real port> */
};

/* Dials an address for a connection; NULL when started, else why not. */
const char *transport_dial(interop_node *node, const char *address, conn *c);
/* A dial that did not reach the peer: its waiting calls fail with UNAVAILABLE. */
void transport_dial_failed(conn *c, const char *why);
/* Listens on an address; accepted connections are responders. */
int transport_listen(interop_node *node, const char *address, bool control_only, interop_error *err);
/* Spawns a link's plugin and connects to its stdin/stdout; NULL when started, else why not. */
const char *transport_spawn(node_link *l, conn *c);
/* GOODBYE, close stdin, SIGTERM after the grace period, SIGKILL after another. */
void transport_stop_plugin(node_link *l);
/* This process is a stdio plugin: serve on stdin/stdout (the parent is the initiator). */
int transport_stdio(interop_node *node, node_link *parent, interop_error *err);

#endif
