/* The node's parts share these definitions; not installed. */
#ifndef INTEROP_NODE_INTERNAL_H
#define INTEROP_NODE_INTERNAL_H

#include <uv.h>
#include "interop/node.h"
#include "interop/shm_ring.h"
#include "internal.h"

typedef struct hosted hosted;
typedef struct sub_list {
  interop_subscription *head;
} sub_list;

typedef struct node_link node_link;
typedef struct conn conn;
typedef struct listener listener;

struct interop_invoker {
  interop_node *node;
  const interop_module *module;
  hosted *hosted; /* direct: the implementation is in this node */
  node_link *link;     /* else the link that reaches it */
};

struct interop_publisher {
  interop_node *node;
  hosted *hosted;
};

struct hosted {
  const interop_module_impl *impl;
  interop_invoker invoker;
  interop_publisher publisher;
  sub_list subs; /* in-process subscriptions to this module's events */
};

/* A call in flight to a handler of this node (direct now; served connections later). */
struct interop_call {
  interop_node *node;
  const interop_function *fn;
  const char *peer;
  void *result;            /* the handler writes here: private storage, moved to the caller's */
  interop_arena arena;     /* what the result points to; adopted by the caller's arena */
  void *caller_result;
  interop_arena *caller_arena;
  interop_done done;
  void *user;
  int rc;
  bool timer_started;
  uint64_t deadline;       /* uv_now() at which it expires; 0 = none */
  bool cancelled;          /* the caller gave up: nothing the handler does reaches it */
  bool handler_done;       /* the handler returned or called interop_call_finish */
  bool delivered;          /* the caller's `done` is queued or has run */
  void (*on_cancel)(void *arg);
  void *on_cancel_arg;
  interop_call *next_ready;
  void *params;            /* a copy of the top-level params struct */
  interop_handler handler;
  void *impl;
  bool run_pending;        /* queued to run its handler on the next loop turn (one-way) */
  bool inline_delivery;    /* the one that ran the handler takes an outcome it gives at once itself */
  bool held;               /* ... and it did: the outcome waits for it, not in the ready queue */
  /* Served calls (a peer's request): instead of copying into the caller's storage and running
   * `done`, the outcome goes to `finished` (it writes the answer), then the call is freed. */
  void (*finished)(interop_call *call);
  void *owner;
  struct stream_served *stream; /* a stream function's items, served over a connection or direct (stream_serve.c) */
  bool caller_gone;        /* a direct stream's caller ended it here: its storage is no longer ours to fill */
  bool spare_sized;        /* allocated the size kept for reuse (direct.c call_alloc) */
  bool answered_msgpack;   /* the result is `answer`, encoded by a msgpack handler (ADR 0037) */
  const uint8_t *answer;   /* in the call's arena, or answer_owned */
  size_t answer_len;
  uint8_t *answer_owned;   /* taken over by interop_call_answer_msgpack_buf: freed with the call */
  /* Last, so that a new call zeroes only what is above (call_alloc): the error is most of it. */
  interop_error err;
  uv_timer_t timer;        /* initialised when the deadline timer starts (timer_started) */
};

/* A call to a handler of this node, for a peer's request: `params` already decoded into the
 * call's arena by the caller of call_new. Deadline: timeout_ms, 0 for none. */
interop_call *call_new(interop_node *node, const interop_function *fn, const char *peer,
                       void (*finished)(interop_call *call), void *owner);
void call_run(interop_call *call, interop_handler h, void *impl, void *params, uint32_t timeout_ms, bool later);
/* The caller gave up (CANCEL, a closed connection): the handler is told, nothing is answered. */
void call_cancel(interop_call *call, int code, const char *why);
/* A direct call of a hosted stream function, checked and set up (the parameters copied), not run
 * yet: interop_call_run runs it. NULL with err set when it cannot start (a bad value,
 * UNIMPLEMENTED). */
interop_call *direct_stream_call(interop_invoker *inv, const interop_function *f, const void *params, void *result,
                                 interop_arena *arena, const interop_call_options *opts, interop_done done, void *user,
                                 interop_error *err);
void interop_call_run(interop_call *call);
/* Frees a call (one that never ran, or that neither side needs any more). */
void direct_call_free(interop_call *call);
/* Frees the call objects kept for reuse (interop_node_close). */
void direct_calls_free_spares(interop_node *node);
/* stream_serve.c: the exchange is over here: what its stream holds goes (no-op without one). */
void stream_serve_free(interop_call *call);

typedef struct posted {
  struct posted *next;
  void (*fn)(void *arg);
  void *arg;
} posted;

#define WEB_ALLOWED_MAX 16 /* entries of web.allowed_hosts and web.allowed_origins */

struct interop_node {
  uv_loop_t *loop;
  uv_loop_t own_loop;
  bool owns_loop;
  bool closing;
  char name[128];
  interop_limits limits;
  uint64_t counters[INTEROP_COUNTER_COUNT];
  hosted *hosted;
  size_t hosted_count;
  uv_async_t wake;         /* runs posted work and delivers completions */
  uv_mutex_t post_lock;
  posted *posted_head, *posted_tail;
  interop_call *ready_head, *ready_tail;
  interop_call *spare_calls;  /* freed call objects kept for the next calls (direct.c) */
  interop_buf scratch;        /* a payload's encoding buffer, kept between calls (node_scratch_take) */
  size_t spare_count;
  interop_subscription *events_ready; /* subscriptions with events to deliver */
  uint64_t started_ms;
  char token[256];         /* incoming HELLOs must carry it, when set */
  char tls_cert[512], tls_key[512]; /* the config's tls: PEM files of wss:// and https:// listeners */
  struct {                 /* the config's web: what web listeners accept besides their own (ws.c) */
    char hosts[WEB_ALLOWED_MAX][256], origins[WEB_ALLOWED_MAX][256]; /* lower case; origins without a trailing / */
    size_t hosts_count, origins_count;
    bool any_host, any_origin; /* "*" */
  } web;
  struct {                 /* the config's shm section and the links polling their rings (shm.c) */
    uint64_t spin_ns;      /* shm.spin_us in ns: how long a link polls after traffic; 0: it sleeps at once */
    struct shm_link *hot;  /* links within that window */
    uv_idle_t idle;        /* active while `hot` is not empty: the loop polls them instead of waiting */
    uint64_t calm_until;   /* uv_hrtime() before which no link polls: a poller was preempted */
    uint64_t backoff_ns;   /* how long the last such pause was */
  } shm;
  char dial_why[600];      /* why the last dial could not start (transport_dial's answer) */
  conn *conns;             /* open connections */
  size_t conns_count;
  node_link *links;
  listener *listeners;
  interop_subscription *remote_subs; /* ours, over links */
  char listen[8][512];     /* from the config, started once the modules are hosted */
  size_t listen_count;
  char control[512];
  bool stdio;              /* a plugin: serve on stdin/stdout */
  struct compat_cached *compat_cache; /* the compatibility tables of our modules (compat.c) */
};

void node_count(interop_node *node, interop_counter c);
/* Queues a call's completion for the next loop turn. */
void node_ready(interop_node *node, interop_call *call);
void node_wake(interop_node *node);
/* The node's encoding buffer, empty, lent until node_scratch_give: a payload then costs no
 * allocation once the buffer has grown. Taken out of the node while lent, so an encoding started
 * meanwhile (from a callback) gets a fresh one. */
interop_buf node_scratch_take(interop_node *node);
void node_scratch_give(interop_node *node, interop_buf *b);
/* Delivers queued events (events.c). */
void events_deliver(interop_node *node);
void events_close(interop_node *node);
/* Parses a node config (config.c): name, limits, token, links and listeners (started later by
 * node_start_endpoints). */
int node_config(interop_node *node, const char *text, const char **modules, size_t *modules_count,
                char *modules_storage, size_t storage_size, interop_error *err);
int node_start_endpoints(interop_node *node, interop_error *err);
void listeners_close(interop_node *node);
/* events.c: our subscriptions over a link, sent again whenever it (re)opens. */
void events_link_open(node_link *l);
bool events_link_has_subscriptions(node_link *l);

/* Deep copy of a value into an arena (copy.c): what a queued event keeps. */
int interop_copy(const interop_type *t, const void *src, void *dst, interop_arena *a);

#endif
