/* Web listeners (ws.c) for ws:// and http:// addresses, and ws:// dialing, called by transport.c.
 * A web link is one TCP connection of a web listener: WebSocket after an upgrade (ws.c), HTTP
 * requests otherwise (http.c). Not installed. */
#ifndef INTEROP_WS_H
#define INTEROP_WS_H

#include <wslay/wslay.h>
#include "transport.h"

typedef struct http_link http_link;

typedef struct ws_link {
  interop_node *node;
  uv_tcp_t tcp;
  uv_pipe_t local;   /* our end of the socketpair; the connection has the other */
  uv_timer_t timer;  /* the opening handshake's deadline (HTTP: a later request's headers') */
  wslay_event_context_ptr ws;
  http_link *http;   /* HTTP requests rather than WebSocket (http.c) */
  tls_conn *tls;     /* wss://, https://: what goes over the TCP socket is encrypted (tls.c) */
  interop_buf head;  /* the opening handshake's bytes, until its blank line */
  interop_buf net;   /* bytes from the network that wslay (or the HTTP parser) has not taken yet */
  size_t net_pos;
  interop_buf frames; /* bytes from the connection, cut into messages at frame ends */
  conn *dialing;     /* client: the connection waiting for the WebSocket to open */
  listener *l;       /* server: the listener that accepted it */
  char key[32];      /* client: the Sec-WebSocket-Key sent */
  char target[600];  /* client: "host:port" then the path, for the request */
  int handles;
  bool server, answered, open, local_open, local_paused, finishing, closing, counted_big;
  bool head_only;    /* HTTP: the request being answered is a HEAD: its answers have no body */
  char cors[600];    /* HTTP: the CORS headers of the request being answered (an allowed foreign page's) */
  uint8_t opcode;    /* of the message being received (a continuation frame has none of its own) */
  bool control;      /* the frame being received is a control frame: wslay answers it */
} ws_link;

/* ws:// and wss://; http:// and https:// */
bool ws_is_address(const char *address);
bool http_is_address(const char *address);
bool ws_is_tls_address(const char *address);
/* The host name of a Host header or "host:port": no port, no IPv6 brackets, lower case. */
void ws_host_name(const char *host, char *out, size_t cap);
/* As transport_listen, for ws://, wss://, http:// and https://host:port (one web listener for all). */
int ws_listen(interop_node *node, const char *address, bool control_only, interop_error *err);
/* As transport_dial, for ws:// and wss://host:port[/path]: the connection starts once the WebSocket is open. */
const char *ws_dial(interop_node *node, const char *address, conn *c);

/* ws://host:port[/path] (or http://) → a socket address (numeric hosts, and localhost) and the "/path". */
int ws_parse_address(const char *address, struct sockaddr_storage *sa, char *hostport, size_t hcap, const char **path);

/* web_security.c: the TLS context of a dial to a wss:// or https:// address: its connect entry's `ca`; NULL for
 * another address, or with why (in node->dial_why). */
tls_ctx *ws_dial_tls(interop_node *node, const char *address, conn *c, bool *failed);

/* For http.c: the link's plumbing, shared with WebSocket. */
int ws_net_write(ws_link *w, const void *p, size_t n);
void ws_local_write(ws_link *w, const uint8_t *p, size_t n);
void ws_link_close(ws_link *w);
/* Stops or restarts reading the network (HTTP: while requests wait for answers). */
void ws_read_net(ws_link *w, bool on);
/* The close callback of the link's handles: the link is freed after its last one. */
void ws_handle_closed(uv_handle_t *h);
/* Closes once what was written to the network is sent. */
void ws_finish(ws_link *w);
/* Makes the connection (a responder of the listener) and its socketpair; -1 when it cannot. */
int ws_accept_conn(ws_link *w);
/* The value of header `name` in a CRLF header block; false when absent. */
bool ws_header(const char *head, const char *name, char *out, size_t cap);
/* web_security.c: why Host and Origin may not pass (docs/transports.md "Security"), or NULL. */
const char *ws_refusal(ws_link *w, const char *host, const char *origin, char *why, size_t cap);
/* An origin of web.allowed_origins (a page of another site that may call: answered with CORS headers). */
bool ws_cross_origin_allowed(ws_link *w, const char *origin);

/* http.c: a web link whose first request is not an upgrade serves HTTP from then on. */
int http_start(ws_link *w);
/* Bytes were added to w->net, or (end) the client closed its side. */
void http_on_net(ws_link *w, bool end);
void http_on_local(ws_link *w, const uint8_t *p, size_t n, bool end);
/* The link closes: its HTTP handles too (http_close), then its memory (http_free). */
void http_close(ws_link *w);
void http_free(ws_link *w);

/* http_client.c: as transport_dial, for http:// and https://host:port[/path]: frames become HTTP requests. */
const char *http_dial(interop_node *node, const char *address, conn *c);

#endif
