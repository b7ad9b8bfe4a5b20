/* The module ABI (docs/c.md "The module ABI", ADR 0011): what a module library exports, what a
 * node host gives it, and how calls reach a handler, the same whether the caller is in the same
 * process (direct: no encoding) or across a connection. Every type here is plain C data and
 * function pointers taking a `void *` context, so C++, D (extern(C)) and Haskell (FFI) can
 * implement and call it. */
#ifndef INTEROP_MODULE_H
#define INTEROP_MODULE_H

#include "arena.h"
#include "buf.h"
#include "error.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bumped when a structure below changes meaning; fields are only ever added at the end. */
#define INTEROP_ABI_VERSION 2

typedef enum interop_function_kind {
  INTEROP_FUNCTION_CALL = 1,  /* request/response */
  INTEROP_FUNCTION_ONEWAY = 2, /* no answer */
  INTEROP_FUNCTION_STREAM = 3  /* items flow between REQUEST and answer (docs/wire.md §1.5) */
} interop_function_kind;

typedef struct interop_function {
  const char *name;                  /* IDL name */
  uint32_t kind;                     /* interop_function_kind */
  uint32_t throws_count;
  const interop_type *params;        /* a struct whose fields are the parameters */
  const interop_type *result;        /* NULL: no result */
  const interop_type *const *throws; /* declared error types */
  const interop_type *input;         /* a stream's client items (the caller sends), or NULL */
  const interop_type *output;        /* a stream's server items (the callee sends), or NULL */
} interop_function;

typedef struct interop_event {
  const char *name;
  const interop_type *payload; /* NULL: no payload */
} interop_event;

typedef struct interop_module interop_module;
struct interop_module {
  uint32_t abi_version;             /* INTEROP_ABI_VERSION */
  uint32_t functions_count;
  uint32_t events_count;
  uint32_t imports_count;
  const char *name;                 /* "example.chat" */
  const char *version;
  const char *fingerprint;          /* "sha256:…" (docs/ir.md) */
  const char *ir_json;              /* the module's IR as JSON, for the manifest */
  const interop_function *functions;
  const interop_event *events;
  const interop_module *const *imports; /* modules whose types this one uses */
};

typedef struct interop_call interop_call;

/**
 * A handler. `params` points at a value of fn->params (valid until the call completes), `result`
 * at zeroed storage of fn->result's size. Allocate what the result points to with
 * interop_call_arena(call). Return INTEROP_OK (result set), an error code with `err` filled
 * (INTEROP_APPLICATION_ERROR with err->type = a declared error's descriptor and err->detail its
 * value), or INTEROP_PENDING and finish later, on the node's loop thread, with interop_call_finish.
 */
typedef int (*interop_handler)(void *impl, interop_call *call, const void *params, void *result,
                               interop_error *err);

/** Returned by a handler that answers later. */
#define INTEROP_PENDING (-1)

/** The call's arena: what results and error details point to lives here until the call ends. */
interop_arena *interop_call_arena(interop_call *call);
/** Milliseconds left before the caller's deadline (0 when it passed, UINT32_MAX without one). */
uint32_t interop_call_remaining_ms(const interop_call *call);
/** Whether the caller cancelled or its deadline passed: stop working, nothing will be sent. */
bool interop_call_cancelled(const interop_call *call);
/** Called once (on the loop thread) when the call is cancelled or its deadline passes. */
void interop_call_on_cancel(interop_call *call, void (*cb)(void *arg), void *arg);
/** The peer's node name ("" for a direct call from this node). */
const char *interop_call_peer(const interop_call *call);
/** Finishes a call whose handler returned INTEROP_PENDING: rc and err as a handler returns them. */
void interop_call_finish(interop_call *call, int rc, const interop_error *err);

/*
 * Streams (docs/wire.md §1.5, docs/c.md "Streams"), for the handler of a stream function, on the
 * node's loop thread. A stream's handler usually returns INTEROP_PENDING and ends the stream with
 * interop_call_finish: INTEROP_OK ends the output (or answers a client stream with `result`), an
 * error ends it with that error, after the items sent before.
 */

/**
 * Sends one item of fn->output (a server stream). INTEROP_OK: sent. INTEROP_PENDING: the caller
 * has granted no credit for it now; nothing was sent, send it again once the callback of
 * interop_call_on_ready runs. INTEROP_CANCELLED: the stream is over (cancelled, deadline, closed).
 * INTEROP_INTERNAL: the item is not a value of its type; the caller got INTERNAL, the stream is
 * over. The item is only read during the call.
 */
int interop_call_send_item(interop_call *call, const void *item, interop_error *err);
/** Runs cb(arg) once, on the loop, when interop_call_send_item may send again (credit arrived). */
void interop_call_on_ready(interop_call *call, void (*cb)(void *arg), void *arg);
/**
 * Receives fn->input (a client stream): cb(arg, item) for each item in order, `item` pointing at
 * a value of the item type valid until cb returns (copy what you keep), then cb(arg, NULL) once
 * when the caller ended its items. Items that arrived before this was set are delivered now. An
 * item counts as taken when cb returns: credit is granted back to the caller as items are taken.
 */
void interop_call_on_item(interop_call *call, void (*cb)(void *arg, const void *item), void *arg);

/*
 * msgpack handlers (ADR 0037): an implementation whose values are not the C structs (C++) may
 * give, per function, a handler that takes a msgpack REQUEST's params as bytes and answers with
 * its result as msgpack bytes, so a served call is decoded straight into its values and encoded
 * straight from them. They serve only REQUESTs of call functions in msgpack over a connection;
 * JSON, one-way and stream functions, and direct calls between modules use `handlers`.
 */
typedef struct interop_msgpack_handler {
  /* Decodes `len` bytes of msgpack params (within max_depth) into the implementation's values,
   * allocated as it likes (interop_call_arena(call) lives until the call ends), and returns them;
   * NULL with `err` set as interop_decode sets it (same code, same message) when they do not
   * decode. What it returns goes to `handler` at once, which owns it from then on. */
  void *(*decode)(interop_call *call, const uint8_t *data, size_t len, uint32_t max_depth, interop_error *err);
  /* Runs the function on what decode returned: as any handler, but it answers OK either with a
   * C result in `result` or with interop_call_answer_msgpack. */
  interop_handler handler;
} interop_msgpack_handler;

/**
 * For a handler run by an interop_msgpack_handler: the call's result is the `len` bytes at `data`
 * (copied into the call's arena), the msgpack of a value of fn->result that the handler checked
 * and encoded within interop_call_max_depth(call). Answer INTEROP_OK next (return it or
 * interop_call_finish). INTEROP_RESOURCE_EXHAUSTED when out of memory.
 */
int interop_call_answer_msgpack(interop_call *call, const uint8_t *data, size_t len);
/**
 * interop_call_answer_msgpack without the copy: the call takes over `bytes->data` (malloc'd, as an
 * interop_buf's is) and frees it when it ends; `*bytes` is left empty (INTEROP_BUF_INIT) whatever
 * the outcome. A large answer is then not copied once more on its way to the connection.
 * INTEROP_RESOURCE_EXHAUSTED when `bytes->failed` (the encoding ran out of memory).
 */
int interop_call_answer_msgpack_buf(interop_call *call, interop_buf *bytes);
/** The nesting limit (limits.max_depth) values of this call are decoded and encoded within. */
uint32_t interop_call_max_depth(const interop_call *call);

typedef struct interop_node interop_node;

/** interop_module_impl.flags: the structure ends with `msgpack_handlers` (ADR 0037). */
#define INTEROP_IMPL_MSGPACK_HANDLERS 1u

/**
 * What a module library exports, through one function named `interop_module_entry`:
 *   const interop_module_impl *interop_module_entry(void);
 * The host calls `init` once before any call, on the node's loop thread, with the node that
 * hosts it (for invokers and publishers: node.h); a D library starts druntime there, a Haskell
 * one hs_init. `fini` runs once after the last call.
 */
typedef struct interop_module_impl {
  uint32_t abi_version;               /* INTEROP_ABI_VERSION */
  uint32_t flags;                     /* INTEROP_IMPL_*: which fields after `fini` exist; else 0 */
  const interop_module *module;
  const interop_handler *handlers;    /* module->functions_count entries; NULL = UNIMPLEMENTED */
  void *impl;                         /* the handlers' first argument */
  int (*init)(void *impl, interop_node *node, interop_error *err); /* may be NULL */
  void (*fini)(void *impl);                                        /* may be NULL */
  /* Read only with INTEROP_IMPL_MSGPACK_HANDLERS in flags (older libraries end before it):
   * module->functions_count entries, an entry with a NULL handler means `handlers` serves it. */
  const interop_msgpack_handler *msgpack_handlers;
} interop_module_impl;

typedef const interop_module_impl *(*interop_module_entry_fn)(void);
#define INTEROP_MODULE_ENTRY "interop_module_entry"

#ifdef __cplusplus
}
#endif
#endif
