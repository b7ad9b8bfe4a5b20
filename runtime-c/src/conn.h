/* A connection: frames over a libuv stream, the handshake, both sides' exchanges, the peer's
 * subscriptions, limits and flow control (docs/wire.md). Not installed. */
#ifndef INTEROP_CONN_H
#define INTEROP_CONN_H

#include "envelope.h"
#include "node_internal.h"
#include "interop/frame.h"

typedef struct conn conn;
typedef struct node_link node_link;
typedef struct out_frame out_frame; /* a frame written or waiting (outbound.c) */
typedef struct shm_link shm_link;   /* the shm transport's rings (shm.c) */

typedef enum conn_state { CONN_HANDSHAKE, CONN_OPEN, CONN_CLOSING, CONN_CLOSED } conn_state;

/* A call this side sent and waits for. */
typedef struct pending {
  struct pending *next;     /* in the connection's list */
  uint32_t id;
  bool ping;
  const interop_function *fn;
  void *result;
  interop_answer_decoder decoder; /* decode == NULL: into `result` */
  interop_arena *arena;
  interop_done done;
  void *user;
  uv_timer_t timer;
  conn *conn;
  int fail_rc;              /* refused before sending: reported from a zero timer, not inline */
  interop_error fail_err;
  struct interop_stream *stream; /* a stream call: its items (stream_call.c) */
  bool written;             /* its frame went out (holding an in-flight slot) */
  struct pending *next_waiting; /* not written yet: in the connection's queue (calls.c) */
  interop_buf frame;        /* the frame waiting to be written */
} pending;

/* A request of the peer being handled here. */
typedef struct served {
  struct served *next;
  conn *conn;
  uint32_t id;
  uint8_t codec;
  char target[256];
  interop_call *call;
} served;

/* A subscription the peer made to one of our events. */
typedef struct peer_sub {
  struct peer_sub *next;
  char target[256]; /* module.event or module.* */
  uint32_t id;
  uint8_t codec;
  conn *conn;
  out_frame *held_head, *held_tail; /* events waiting while the connection is congested */
  size_t held;
} peer_sub;

struct conn {
  conn *next;               /* in the node's list */
  interop_node *node;
  node_link *link;               /* the link this connection serves (initiator side), or NULL */
  union {
    uv_pipe_t pipe;
    uv_tcp_t tcp;
  } h;
  uv_pipe_t out;            /* stdio: frames go out on a second pipe */
  bool split;               /* reading h.pipe, writing `out` */
  uv_stream_t *in_stream, *out_stream;
  shm_link *shm;            /* the shm transport: no streams, two rings (shm.c) */
  out_frame *shm_head, *shm_tail; /* shm: frames the ring has no room for yet, in order */
  size_t shm_queued;        /* their bytes not yet in the ring */
  bool initiator;
  conn_state state;
  bool control_only;        /* a control endpoint: only interop.control */
  int handles_open;
  interop_frame_decoder dec;
  uv_timer_t handshake_timer;
  uv_timer_t frame_timer;   /* a frame must be complete within frame_timeout_ms (docs/wire.md §5.1) */
  bool frame_timing;
  uv_timer_t idle_timer;    /* accepted connections: closed when idle for idle_timeout_ms */
  bool active;              /* bytes read or written since the last idle check */
  listener *listener;       /* the listener that accepted it (counted against max_connections) */
  char peer[128];
  unsigned peer_codecs;     /* bit n: the peer decodes codec n (1 json, 2 msgpack, 3 protobuf) */
  bool peer_goodbye;        /* the peer said GOODBYE: close once nothing is outstanding */
  bool flushing;            /* closing once what was written is sent */
  /* Flow control (outbound.c, docs/wire.md §5) */
  bool congested;           /* more than the high-water mark queued, until it drains */
  unsigned paused;          /* why reading the peer stopped (PAUSE_*), 0 while reading */
  size_t held_answers, held_oneways; /* such frames queued, not yet taken by the socket */
  uint64_t event_seq;
  struct cJSON *peer_hs;    /* the peer's HELLO or WELCOME: its offers, wants and compatibility tables */
  struct verdict *verdicts; /* what this side may call of the peer's other versions (versions.c) */
  const interop_module *same_module; /* the last module found with the peer's own fingerprint (versions.c) */
  uint32_t next_id;
  pending *pending;
  size_t in_flight;         /* our requests written and outstanding (at most max_in_flight) */
  pending *waiting, *waiting_tail; /* ours not written yet: no slot, or congested (calls.c) */
  served *served;
  size_t served_count;
  peer_sub *peer_subs;
  void (*on_open)(conn *c, int rc, const interop_error *err); /* initiator: handshake done */
  void (*on_close)(conn *c);
};

conn *conn_new(interop_node *node, bool initiator);
/* Starts reading and, for the initiator, sends HELLO. */
void conn_start(conn *c);
void conn_close(conn *c, const char *why);
/* Frees a connection that never started (its dial failed at once): its timers close first. */
void conn_discard(conn *c);
/* Closes once what was written is sent (GOODBYE, a refusal). */
void conn_close_after_flush(conn *c, const char *why);
/* outbound.c: writing, and what waits when the peer does not read (docs/wire.md §5). */
void conn_send(conn *c, const interop_frame *f);
/* A frame already encoded. */
void conn_send_bytes(conn *c, const uint8_t *data, size_t len);
/* An EVENT for the peer's subscription `s`: written, or waiting in its bounded queue. */
void conn_send_event(conn *c, peer_sub *s, const interop_frame *f);
/* Whether max_in_flight one-way calls already wait for the congested peer to read. */
bool conn_oneways_full(conn *c);
/* Frees a peer's subscription with its waiting events (counted as dropped when `dropped`). */
void conn_free_peer_sub(conn *c, peer_sub *s, bool dropped);
/* conn.c: stop and restart reading the peer for a reason (paused_reads counts each stop): more
 * than max_in_flight answers it does not read, or a full `block` subscription queue. Reading
 * resumes when no reason is left. */
enum { PAUSE_ANSWERS = 1, PAUSE_EVENTS = 2 };
void conn_pause_reading(conn *c, unsigned why);
void conn_resume_reading(conn *c, unsigned why);
/* GOODBYE (docs/wire.md §1.1), written now if the transport takes it now: for a node closing. */
void conn_goodbye_now(conn *c, const char *reason);
/* After the peer's GOODBYE: closes the connection once no exchange is outstanding either way. */
void conn_maybe_finish(conn *c);
void conn_send_error(conn *c, uint32_t id, const char *target, size_t target_len, uint8_t codec, const interop_error *e);

/* The idle check of an accepted connection (a repeating timer started after its handshake). */
void conn_idle_check(uv_timer_t *t);

/* handshake.c */
void handshake_send_hello(conn *c);
void handshake_on_frame(conn *c, const interop_frame *f);

/* serve.c: frames that start exchanges here */
void serve_request(conn *c, const interop_frame *f);
void serve_oneway(conn *c, const interop_frame *f);
void serve_cancel(conn *c, const interop_frame *f);
void serve_subscribe(conn *c, const interop_frame *f);
void serve_unsubscribe(conn *c, const interop_frame *f);
void serve_close(conn *c);
/* Sends an event to every peer subscribed to it. */
void serve_publish(interop_node *node, const interop_module *module, uint32_t event, const void *payload);

/* stream_serve.c: the items of the peer's stream REQUESTs (docs/wire.md §1.5) */
/* Checks a REQUEST's stream flags against its function (answering a mismatch) and opens the
 * stream of a stream function; then, once its parameters decoded, stream_serve_accepted grants
 * the caller's input its window. */
bool stream_serve_open(conn *c, served *s, const interop_frame *f);
void stream_serve_accepted(interop_call *call);
/* A STREAM_ITEM, STREAM_END or STREAM_CREDIT. */
void stream_on_frame(conn *c, const interop_frame *f);

/* calls.c: our exchanges on the connection */
/* `decoder` (NULL: decode into `result`) takes the answer's payload instead (interop_invoke_decoding). */
int calls_start(conn *c, const interop_module *m, const interop_function *fn, const void *params, void *result,
                const interop_answer_decoder *decoder, interop_arena *arena, const interop_call_options *opts,
                interop_done done, void *user);
int calls_oneway(conn *c, const interop_module *m, const interop_function *fn, const void *params, interop_error *err);
void calls_on_answer(conn *c, const interop_frame *f);
/* Sends the REQUEST of a stream call (flags of its directions, deadline running): the pending
 * exchange, whose `done` gets the answer; NULL with err set when it cannot start. */
pending *calls_start_stream(conn *c, const interop_module *m, const interop_function *fn, const void *params,
                            const interop_call_options *opts, void *result, interop_arena *arena, interop_done done,
                            void *user, interop_error *err);
/* The codec this side sends a call of (or subscribes to) module.member in: the member's own codec
 * (config `member_codecs`) if the peer decodes it, else the link's if the peer decodes it, else the
 * first of ours (msgpack, json, protobuf) that the peer decodes. member NULL: the link's rule. */
uint8_t calls_send_codec(conn *c, const char *module, const char *member);
/* Whether a request written now goes out now: a free in-flight slot, not congested. */
bool calls_can_write(conn *c);
/* Writes waiting requests while they may be written (a slot freed, the connection drained). */
void calls_pump(conn *c);
/* Fails the requests not written yet (the peer said GOODBYE: nothing new starts). */
void calls_fail_waiting(conn *c, const interop_error *err);
/* Ends one of our exchanges here with rc (a CANCEL goes out first when `cancel`). */
void calls_abort(conn *c, pending *p, int rc, const interop_error *err, bool cancel);
void calls_close(conn *c);
/* Sends a SUBSCRIBE (answered like a call, with no result). */
void calls_subscribe(conn *c, const char *target);
/* An EVENT for one of our subscriptions over this connection (events.c). */
void link_on_event(conn *c, const interop_frame *f);

/* versions.c: whether a call (or SUBSCRIBE, when `event`) of `member` of `m` may go to the peer's
 * version of the module (docs/wire.md §2.2); the manifest's mixed_versions. */
int versions_check(conn *c, const interop_module *m, bool event, const char *member, interop_error *err);
void versions_free(conn *c);
struct cJSON *versions_report(interop_node *node);

/* control.c */
bool control_serve(conn *c, const interop_frame *f);

/* The hosted module serving `module.member`, and the member's name. */
hosted *node_hosted_by_target(interop_node *node, const char *target, size_t len, const char **member, size_t *member_len);
void node_add_conn(interop_node *node, conn *c);
void node_remove_conn(interop_node *node, conn *c);

#endif
