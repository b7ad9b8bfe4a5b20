/* A node: one process's host of modules (docs/config.md), on one libuv loop. It serves the modules
 * it hosts, gives invokers for calling them (direct when hosted here) and publishers for their
 * events, and keeps the health counters of docs/wire.md §7.
 *
 * Threads: every function here runs on the thread that runs the node's loop, except
 * interop_node_post, which any thread may call to run work on the loop. */
#ifndef INTEROP_NODE_H
#define INTEROP_NODE_H

#include "client.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct interop_node interop_node;

/** docs/wire.md §5, with the same defaults everywhere. */
typedef struct interop_limits {
  uint32_t max_frame_bytes;      /* 16777216 */
  uint32_t max_depth;            /* 64 */
  uint32_t max_in_flight;        /* 256 */
  uint32_t max_event_queue;      /* 1024 */
  uint32_t default_deadline_ms;  /* 30000 */
  uint32_t handshake_timeout_ms; /* 10000 */
  uint32_t max_target_bytes;     /* 1024 */
  uint32_t event_queue_policy;   /* interop_queue_policy: drop_oldest */
  uint32_t max_connections;      /* 512, per listener (docs/wire.md §5.1) */
  uint32_t idle_timeout_ms;      /* 300000 */
  uint32_t frame_timeout_ms;     /* 30000 */
  uint32_t stream_window;        /* 64 (streams are not served by runtime-c yet) */
} interop_limits;

typedef enum interop_queue_policy {
  INTEROP_DROP_OLDEST = 0,
  INTEROP_DROP_NEWEST = 1,
  INTEROP_BLOCK = 2
} interop_queue_policy;

void interop_limits_default(interop_limits *limits);

/** The health counters (docs/wire.md §7), in the order of interop_counter_names. */
typedef enum interop_counter {
  INTEROP_REQUESTS_SERVED,
  INTEROP_HANDLER_ERRORS,
  INTEROP_EVENT_HANDLER_ERRORS,
  INTEROP_REJECTED_REQUESTS,
  INTEROP_REJECTED_FRAMES,
  INTEROP_REJECTED_CONNECTIONS,
  INTEROP_REJECTED_HANDSHAKES,
  INTEROP_IDLE_TIMEOUTS,
  INTEROP_FRAME_TIMEOUTS,
  INTEROP_LATE_RESPONSES,
  INTEROP_LATE_CANCELS,
  INTEROP_LATE_STREAM_FRAMES,
  INTEROP_DROPPED_ONEWAYS,
  INTEROP_DROPPED_EVENTS,
  INTEROP_UNSOLICITED_EVENTS,
  INTEROP_UNDECODABLE_EVENTS,
  INTEROP_UNENCODABLE_EVENTS,
  INTEROP_PAUSED_READS,
  INTEROP_COUNTER_COUNT
} interop_counter;

extern const char *const interop_counter_names[INTEROP_COUNTER_COUNT];

/**
 * Starts a node. `config` is the node config JSON text (docs/config.md), a path to it, or NULL
 * for the environment variable INTEROP_NODE_CONFIG. `impls` are the module implementations the
 * program has; the config's `modules` names those it hosts (absent: all of them). The node runs
 * on `loop` (NULL: a loop of its own). On failure returns the code, err says why, *out is NULL.
 */
int interop_node_start(const char *config, const interop_module_impl *const *impls, size_t impls_count,
                       void *uv_loop, interop_node **out, interop_error *err);

/** The invoker for `module`: direct when this node hosts it. NULL (err set) when it is not reachable. */
interop_invoker *interop_node_invoker(interop_node *node, const interop_module *module, interop_error *err);
/** The publisher of a module this node hosts; NULL (err set) otherwise. */
interop_publisher *interop_node_publisher(interop_node *node, const interop_module *module, interop_error *err);

/** Runs the loop until interop_node_stop (from a callback on the loop, or posted from another thread). */
int interop_node_run(interop_node *node);
void interop_node_stop(interop_node *node);
/** Runs one iteration of the loop, waiting for work when `wait`. */
int interop_node_run_once(interop_node *node, bool wait);
/** Closes the node and frees it (calls in flight fail with UNAVAILABLE). */
void interop_node_close(interop_node *node);

/** Thread-safe: runs fn(arg) on the node's loop thread soon. INTEROP_UNAVAILABLE once closing. */
int interop_node_post(interop_node *node, void (*fn)(void *arg), void *arg);

const char *interop_node_name(const interop_node *node);
/** The address of listener `index` as bound (tcp://127.0.0.1:<port> for a port 0), or NULL. */
const char *interop_node_endpoint(const interop_node *node, size_t index);
const interop_limits *interop_node_limits(const interop_node *node);
uint64_t interop_node_counter(const interop_node *node, interop_counter counter);
/** The libuv loop (uv_loop_t *), for programs that add their own handles. */
void *interop_node_loop(interop_node *node);

#ifdef __cplusplus
}
#endif
#endif
