/* Calling modules and their events (docs/c.md "Calls"): invokers, one-way calls, subscriptions
 * and publishers. The same functions serve a module hosted in this process (direct: arguments
 * passed by pointer, checked as a codec would check them, no encoding) and one across a
 * connection; the generated stubs are thin typed wrappers around them. */
#ifndef INTEROP_CLIENT_H
#define INTEROP_CLIENT_H

#include "codec.h"
#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How a node reaches one module: directly, or over a link. Owned by the node. */
typedef struct interop_invoker interop_invoker;
/** Publishes the events of one module this node hosts. Owned by the node. */
typedef struct interop_publisher interop_publisher;
/** One subscription; ended by interop_unsubscribe. */
typedef struct interop_subscription interop_subscription;

typedef struct interop_call_options {
  uint32_t timeout_ms; /* 0: the node's default_deadline_ms */
} interop_call_options;

/** Called once, on the node's loop thread, when a call ends: rc INTEROP_OK or the error. */
typedef void (*interop_done)(void *user, int rc, const interop_error *err);

/**
 * Starts a call of module->functions[fn]. `params` points at a value of its params type; it and
 * everything it points to must stay valid until `done` runs. `result` (NULL for a function
 * without one) is filled before `done` runs, with what it points to allocated in `arena`. For
 * INTEROP_APPLICATION_ERROR, err->detail lives in `arena` too. Returns INTEROP_OK when the call
 * started (then `done` runs exactly once, never before this returns), or an error code with
 * nothing started (a bad module or function index).
 */
int interop_invoke(interop_invoker *inv, const interop_module *module, uint32_t fn, const void *params,
                   void *result, interop_arena *arena, const interop_call_options *opts, interop_done done,
                   void *user);

/**
 * Decodes a call's answer into a value of the caller's own (not a C struct): the C++ layer reads
 * msgpack straight into its values (ADR 0030). Called once, before `done`, with the RESPONSE's
 * payload; returns INTEROP_OK or the decode's error (then `done` gets it).
 */
typedef struct interop_answer_decoder {
  int (*decode)(void *user, const uint8_t *data, size_t len, interop_codec codec, uint32_t max_depth, interop_error *err);
  void *user;
} interop_answer_decoder;

/** Whether `inv` reaches a module hosted in this node (a direct call), not one over a link. */
bool interop_invoker_is_direct(const interop_invoker *inv);

/**
 * interop_invoke over a link, for a caller with values of its own: the answer goes to `decoder`
 * instead of a C struct (a function without result: NULL), and `params` is borrowed only until
 * this returns (encoded at once, or copied while the link dials). INTEROP_UNIMPLEMENTED for a
 * direct invoker: a module in this node takes C structs (call interop_invoke).
 */
int interop_invoke_decoding(interop_invoker *inv, const interop_module *module, uint32_t fn, const void *params,
                            const interop_answer_decoder *decoder, interop_arena *arena, const interop_call_options *opts,
                            interop_done done, void *user);

/** interop_invoke, then runs the node's loop until the call ends. Not from the loop thread's callbacks. */
int interop_invoke_sync(interop_invoker *inv, const interop_module *module, uint32_t fn, const void *params,
                        void *result, interop_arena *arena, const interop_call_options *opts, interop_error *err);

/** Sends a one-way call; its arguments are borrowed only for this call. */
int interop_send_oneway(interop_invoker *inv, const interop_module *module, uint32_t fn, const void *params,
                        const interop_call_options *opts, interop_error *err);

/** An event's handler: `payload` points at a value of the event's payload type (NULL for none),
 * valid while the handler runs. Runs on the node's loop thread, one event at a time, in order. */
typedef void (*interop_event_handler)(void *user, const void *payload);

int interop_subscribe(interop_invoker *inv, const interop_module *module, uint32_t event,
                      interop_event_handler handler, void *user, interop_subscription **out, interop_error *err);
void interop_unsubscribe(interop_subscription *sub);
/** Events this subscription discarded because its queue was full (docs/wire.md §5). */
uint64_t interop_subscription_dropped(const interop_subscription *sub);

/** Publishes an event to every subscriber; the payload is borrowed for this call only. */
int interop_publish(interop_publisher *pub, const interop_module *module, uint32_t event, const void *payload,
                    interop_error *err);

/*
 * Calling a stream function (docs/c.md "Calling a stream", docs/wire.md §1.5). These wait by
 * running the node's loop, like the _sync calls: use them from the loop's thread, not from inside
 * a handler. The stream is this side's until interop_stream_finish or interop_stream_cancel.
 */
typedef struct interop_stream interop_stream;

/** Returned by interop_stream_next at the end of the callee's items (the answer was RESPONSE). */
#define INTEROP_DONE (-2)

/** Opens a call of stream function `fn`: its REQUEST is sent (the link dialed first if needed). */
int interop_stream_open(interop_invoker *inv, const interop_module *module, uint32_t fn, const void *params,
                        const interop_call_options *opts, interop_stream **out, interop_error *err);
/**
 * Sends one item of fn->input, waiting for the callee's credit. INTEROP_OK: sent. INTEROP_DONE: the
 * callee answered already and wants no more items (interop_stream_finish gives its answer). An
 * item that is not a value of its type is INVALID_ARGUMENT and ends the stream (CANCEL sent).
 */
int interop_stream_send(interop_stream *s, const void *item, interop_error *err);
/** Ends this side's items (STREAM_END). */
int interop_stream_end(interop_stream *s, interop_error *err);
/**
 * Takes the next item of fn->output into `item` (what it points to moves into `arena`), waiting
 * for it. INTEROP_DONE after the last item when the callee ended well; the callee's error after
 * the items before it; a local end (deadline, cancel, lost connection) at once.
 */
int interop_stream_next(interop_stream *s, void *item, interop_arena *arena, interop_error *err);
/**
 * Ends the input if it is still open, waits for the answer (a client stream's result into
 * `result`, its memory into `arena`) and frees the stream. Read the output to INTEROP_DONE first:
 * items nobody takes hold the callee at its credit; to stop early, interop_stream_cancel.
 */
int interop_stream_finish(interop_stream *s, void *result, interop_arena *arena, interop_error *err);
/** Cancels the stream (CANCEL: the callee's handler is told) and frees it. */
void interop_stream_cancel(interop_stream *s);

#ifdef __cplusplus
}
#endif
#endif
