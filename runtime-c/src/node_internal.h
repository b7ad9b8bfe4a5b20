/* The node's parts share these definitions; not installed. */
#ifndef INTEROP_NODE_INTERNAL_H
#define INTEROP_NODE_INTERNAL_H

#include <uv.h>
#include "interop/node.h"
#include "internal.h"

typedef struct hosted hosted;
typedef struct sub_list {
  interop_subscription *head;
} sub_list;

struct interop_invoker {
  interop_node *node;
  const interop_module *module;
  hosted *hosted; /* direct: the implementation is in this node */
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
  interop_error err;
  uv_timer_t timer;
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
};

typedef struct posted {
  struct posted *next;
  void (*fn)(void *arg);
  void *arg;
} posted;

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
  interop_subscription *events_ready; /* subscriptions with events to deliver */
  uint64_t started_ms;
};

void node_count(interop_node *node, interop_counter c);
/* Queues a call's completion for the next loop turn. */
void node_ready(interop_node *node, interop_call *call);
void node_wake(interop_node *node);
/* Delivers queued events (events.c). */
void events_deliver(interop_node *node);
void events_close(interop_node *node);
/* Parses a node config (config.c). */
int node_config(interop_node *node, const char *text, const char **modules, size_t *modules_count,
                char *modules_storage, size_t storage_size, interop_error *err);

/* Deep copy of a value into an arena (copy.c): what a queued event keeps. */
int interop_copy(const interop_type *t, const void *src, void *dst, interop_arena *a);

#endif
