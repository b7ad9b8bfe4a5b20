/* Direct calls (docs/wire.md §8 "direct"): the caller and the handler are in one process, so a
 * call passes pointers: no encoding, no frames. Arguments and results are checked exactly as a
 * codec would check them (interop_check), errors are those a connection gives (a declared error
 * as itself, anything else INTERNAL), and deadlines and cancellation behave the same. */
#include <stddef.h>
#include <stdlib.h>
#include "links.h"
#include "shm.h"

static const interop_function *lookup(interop_invoker *inv, const interop_module *module, uint32_t fn,
                                      interop_error *err) {
  if (module != inv->module && strcmp(module->name, inv->module->name) != 0) {
    interop_error_set(err, INTEROP_NOT_FOUND, "module %s is not served by this invoker (it serves %s)", module->name,
                      inv->module->name);
    return NULL;
  }
  if (fn >= module->functions_count) {
    interop_error_set(err, INTEROP_UNIMPLEMENTED, "%s has no function #%u", module->name, fn);
    return NULL;
  }
  return &module->functions[fn];
}

/* The handler of `f` in the hosted implementation (matched by name: the caller's module
 * descriptor may come from another library than the implementation's). */
static interop_handler handler_of(const interop_module_impl *impl, const interop_function *f, const interop_function **own) {
  const interop_module *m = impl->module;
  for (uint32_t i = 0; i < m->functions_count; i++)
    if (strcmp(m->functions[i].name, f->name) == 0) {
      *own = &m->functions[i];
      return impl->handlers[i];
    }
  return NULL;
}

/* The handler of `f` in the invoker's hosted implementation: by index for the same descriptor. */
static interop_handler hosted_handler(interop_invoker *inv, const interop_function *f) {
  const interop_function *own = NULL;
  const interop_module *hm = inv->hosted->impl->module;
  if (f >= hm->functions && f < hm->functions + hm->functions_count) return inv->hosted->impl->handlers[f - hm->functions];
  return handler_of(inv->hosted->impl, f, &own);
}

/* What a handler's error becomes for the caller: its code, a declared error as itself, anything
 * else (an undeclared error type, a bad detail, a code outside docs/wire.md) INTERNAL. */
static void handler_error(interop_call *call, int rc) {
  node_count(call->node, INTEROP_HANDLER_ERRORS);
  interop_error *e = &call->err;
  const char *fname = call->fn->name;
  if (rc == INTEROP_APPLICATION_ERROR) {
    bool declared = false;
    /* Matched by name too: the handler's descriptor may be another library's copy of the same
     * schema (the invoker checked that the fingerprints match); the caller gets its own. */
    for (uint32_t i = 0; i < call->fn->throws_count && !declared; i++) {
      const interop_type *t = call->fn->throws[i];
      declared = t == e->type || (e->type != NULL && strcmp(t->name, e->type->name) == 0);
      if (declared) e->type = t;
    }
    interop_error check;
    if (!declared || e->detail == NULL) {
      interop_error_set(e, INTEROP_INTERNAL, "%s raised %s, which it does not declare", fname,
                        e->type != NULL ? e->type->name : "an application error without a type");
    } else if (interop_check(e->type, e->detail, call->node->limits.max_depth, &check) != INTEROP_OK) {
      interop_error_set(e, INTEROP_INTERNAL, "%s: error %s does not encode: %s", fname, e->type->name, check.message);
    } else {
      e->code = INTEROP_APPLICATION_ERROR; /* the handler's return value says it, err->code need not */
      snprintf(e->type_name, sizeof e->type_name, "%s", e->type->name);
      if (e->message[0] == '\0') snprintf(e->message, sizeof e->message, "%s", e->type->name);
    }
  } else if (interop_code_name((uint32_t)rc)[0] == 'U' && rc != INTEROP_UNKNOWN && rc != INTEROP_UNIMPLEMENTED &&
             rc != INTEROP_UNAVAILABLE && rc != INTEROP_UNAUTHENTICATED) {
    interop_error_set(e, INTEROP_INTERNAL, "%s failed with code %d", fname, rc);
  } else {
    e->code = (uint32_t)rc;
  }
  call->rc = (int)e->code;
}

/* The handler ended (returned, or called interop_call_finish): check and keep its outcome. */
static void handler_ended(interop_call *call, int rc) {
  call->handler_done = true;
  if (call->delivered) return; /* the caller already gave up: nothing reaches it */
  if (rc == INTEROP_OK) {
    call->rc = INTEROP_OK;
    interop_error check;
    /* A result a msgpack handler encoded was checked by its encoder (the same checks). */
    if (call->fn->result != NULL && !call->answered_msgpack &&
        interop_check(call->fn->result, call->result, call->node->limits.max_depth, &check) != INTEROP_OK) {
      node_count(call->node, INTEROP_HANDLER_ERRORS);
      call->rc = interop_error_set(&call->err, INTEROP_INTERNAL, "%s: result does not encode: %s", call->fn->name,
                                   check.message);
    }
  } else {
    handler_error(call, rc);
  }
  call->delivered = true;
  /* Whoever runs the handler and waits for this very outcome (a _sync caller, a served request)
   * takes it at once: no loop turn, no wake-up. */
  if (call->inline_delivery) {
    call->held = true;
    return;
  }
  node_ready(call->node, call);
}

/* Call objects of up to SPARE_EXTRA bytes of result and parameters are allocated that size and
 * kept for the next call when freed, at most MAX_SPARES per node: a call costs no malloc/free
 * pair (a tenth of a direct call, bench/LIMITS.md). Calls belong to the loop's thread. Under
 * AddressSanitizer a kept call is poisoned, so a use after its end is still caught. */
#define SPARE_EXTRA 1024
#define MAX_SPARES 16
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define INTEROP_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(INTEROP_ASAN)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* A call object with `extra` bytes behind it (result storage, parameters), zeroed as calloc would
 * but for the error, which is only cleared: it is most of the object and most calls never fill it. */
static interop_call *call_alloc(interop_node *node, size_t extra) {
  interop_call *call = node->spare_calls;
  bool spare_sized = extra <= SPARE_EXTRA;
  if (spare_sized && call != NULL) {
    UNPOISON(call, sizeof *call + SPARE_EXTRA);
    node->spare_calls = call->next_ready;
    node->spare_count--;
  } else {
    call = malloc(sizeof *call + (spare_sized ? SPARE_EXTRA : extra));
    if (call == NULL) return NULL;
  }
  memset(call, 0, offsetof(interop_call, err));
  interop_error_clear(&call->err);
  memset(call + 1, 0, extra);
  call->node = node;
  call->spare_sized = spare_sized;
  return call;
}

void direct_call_free(interop_call *call) {
  if (call->stream != NULL) stream_serve_free(call);
  interop_arena_free(&call->arena);
  free(call->answer_owned);
  call->answer_owned = NULL;
  interop_node *node = call->node;
  if (!call->spare_sized || node->closing || node->spare_count >= MAX_SPARES) return free(call);
  call->next_ready = node->spare_calls;
  node->spare_calls = call;
  node->spare_count++;
  POISON(call, sizeof *call + SPARE_EXTRA);
}

void direct_calls_free_spares(interop_node *node) {
  while (node->spare_calls != NULL) {
    interop_call *call = node->spare_calls;
    UNPOISON(call, sizeof *call + SPARE_EXTRA);
    node->spare_calls = call->next_ready;
    free(call);
  }
  node->spare_count = 0;
}

static void on_timer_closed(uv_handle_t *h) { direct_call_free(h->data); }

/* Frees the call once neither side needs it. */
static void maybe_free(interop_call *call) {
  if (!call->handler_done || call->done != NULL || call->finished != NULL) return;
  if (call->timer_started) uv_close((uv_handle_t *)&call->timer, on_timer_closed);
  else direct_call_free(call);
}

/* Runs the caller's `done` (from the node's ready queue), or the handler of a deferred call. */
void interop_call_deliver(interop_call *call) {
  if (call->run_pending) {
    interop_call_run(call);
    return;
  }
  if (call->finished != NULL) {
    void (*finished)(interop_call *) = call->finished;
    call->finished = NULL;
    if (call->timer_started) uv_timer_stop(&call->timer);
    finished(call);
    maybe_free(call);
    return;
  }
  interop_done done = call->done;
  call->done = NULL;
  if (call->timer_started) uv_timer_stop(&call->timer);
  if (call->rc == INTEROP_OK && call->fn->result != NULL && !call->caller_gone) {
    memcpy(call->caller_result, call->result, call->fn->result->size);
  }
  /* What the result and an error's detail point to moves into the caller's arena. A cancelled
   * call keeps its arena: the handler may still be writing into it. */
  if (!call->cancelled && !call->caller_gone && call->caller_arena != NULL) interop_arena_adopt(call->caller_arena, &call->arena);
  if (done != NULL) done(call->user, call->rc, &call->err);
  maybe_free(call);
}

static void cancel(interop_call *call, int code, const char *why) {
  if (call->delivered) return;
  call->cancelled = true;
  call->rc = interop_error_set(&call->err, (uint32_t)code, "%s: %s", call->fn->name, why);
  call->delivered = true;
  /* The handler's storage stays with the call: a late result must not reach the caller's. */
  if (call->on_cancel != NULL) call->on_cancel(call->on_cancel_arg);
  node_ready(call->node, call);
}

static void on_deadline(uv_timer_t *t) { cancel(t->data, INTEROP_DEADLINE_EXCEEDED, "deadline exceeded"); }

/* Runs the handler of a started call (now for calls, on the next loop turn for one-way calls). */
void interop_call_run(interop_call *call) {
  call->run_pending = false;
  interop_error_clear(&call->err);
  int rc = call->handler(call->impl, call, call->params, call->result, &call->err);
  if (rc != INTEROP_PENDING) {
    handler_ended(call, rc);
    return;
  }
  if (call->deadline == UINT64_MAX || call->delivered) return; /* no deadline, or already over */
  uint64_t now = uv_now(call->node->loop);
  uv_timer_init(call->node->loop, &call->timer);
  call->timer.data = call;
  call->timer_started = true;
  uv_timer_start(&call->timer, on_deadline, call->deadline > now ? call->deadline - now : 0, 0);
}

/* A call to a hosted handler: checks, then runs it (now, or on the next loop turn when `later`). */
static int start_call(interop_invoker *inv, const interop_function *f, const void *params, void *result,
                      interop_arena *arena, const interop_call_options *opts, interop_done done, void *user,
                      bool later, interop_call **started) {
  interop_node *node = inv->node;
  size_t rsize = f->result != NULL ? (f->result->size + 15) & ~(size_t)15 : 0;
  interop_call *call = call_alloc(node, rsize + f->params->size);
  if (call == NULL) return INTEROP_RESOURCE_EXHAUSTED;
  call->fn = f;
  call->peer = "";
  call->result = (char *)(call + 1);
  call->params = (char *)call->result + rsize;
  memcpy(call->params, params, f->params->size);
  call->caller_result = result;
  call->caller_arena = arena;
  call->done = done;
  call->user = user;
  interop_arena_init(&call->arena);
  uint32_t timeout = opts != NULL && opts->timeout_ms != 0 ? opts->timeout_ms : node->limits.default_deadline_ms;
  uv_update_time(node->loop); /* the loop's cached time may be stale: a deadline runs from now */
  call->deadline = uv_now(node->loop) + timeout;
  call->handler = hosted_handler(inv, f);
  call->impl = inv->hosted->impl->impl;
  interop_error check;
  int rc = interop_check(f->params, call->params, node->limits.max_depth, &check);
  if (rc != INTEROP_OK || call->handler == NULL) {
    call->handler_done = true;
    call->delivered = true;
    if (rc != INTEROP_OK) call->rc = interop_error_set(&call->err, check.code, "%s: %s", f->name, check.message);
    else call->rc = interop_error_set(&call->err, INTEROP_UNIMPLEMENTED, "%s.%s has no implementation", inv->module->name, f->name);
    if (started != NULL) *started = call; /* the _sync caller delivers it */
    else node_ready(node, call);
    return INTEROP_OK;
  }
  if (started != NULL) {
    *started = call;
    call->inline_delivery = true; /* interop_invoke_sync delivers it itself if the handler answers now */
  }
  if (later) {
    call->run_pending = true;
    node_ready(node, call);
  } else {
    interop_call_run(call);
  }
  return INTEROP_OK;
}

interop_call *direct_stream_call(interop_invoker *inv, const interop_function *f, const void *params, void *result,
                                 interop_arena *arena, const interop_call_options *opts, interop_done done, void *user,
                                 interop_error *err) {
  interop_node *node = inv->node;
  interop_error check;
  if (interop_check(f->params, params, node->limits.max_depth, &check) != INTEROP_OK) {
    interop_error_set(err, check.code, "%s: %s", f->name, check.message);
    return NULL;
  }
  interop_handler handler = hosted_handler(inv, f);
  if (handler == NULL) {
    interop_error_set(err, INTEROP_UNIMPLEMENTED, "%s.%s has no implementation", inv->module->name, f->name);
    return NULL;
  }
  size_t rsize = f->result != NULL ? (f->result->size + 15) & ~(size_t)15 : 0;
  interop_call *call = call_alloc(node, rsize);
  if (call == NULL) {
    interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
    return NULL;
  }
  call->node = node, call->fn = f, call->peer = "";
  call->result = rsize > 0 ? (char *)(call + 1) : NULL;
  call->caller_result = result, call->caller_arena = arena, call->done = done, call->user = user;
  call->handler = handler, call->impl = inv->hosted->impl->impl;
  interop_arena_init(&call->arena);
  /* The handler may keep the parameters until the stream ends; the caller's are borrowed. */
  call->params = interop_arena_alloc(&call->arena, f->params->size, f->params->align);
  if (call->params == NULL || interop_copy(f->params, params, call->params, &call->arena) != INTEROP_OK) {
    direct_call_free(call);
    interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
    return NULL;
  }
  uint32_t timeout = opts != NULL && opts->timeout_ms != 0 ? opts->timeout_ms : node->limits.default_deadline_ms;
  uv_update_time(node->loop);
  call->deadline = uv_now(node->loop) + timeout;
  return call;
}

int interop_invoke(interop_invoker *inv, const interop_module *module, uint32_t fn, const void *params,
                   void *result, interop_arena *arena, const interop_call_options *opts, interop_done done,
                   void *user) {
  interop_error err;
  const interop_function *f = lookup(inv, module, fn, &err);
  if (f == NULL) return (int)err.code;
  if (f->kind != INTEROP_FUNCTION_CALL) return INTEROP_INVALID_ARGUMENT;
  if (inv->link != NULL) return link_invoke(inv->link, module, f, params, result, NULL, arena, opts, done, user);
  return start_call(inv, f, params, result, arena, opts, done, user, false, NULL);
}

bool interop_invoker_is_direct(const interop_invoker *inv) { return inv->link == NULL; }

int interop_invoke_decoding(interop_invoker *inv, const interop_module *module, uint32_t fn, const void *params,
                            const interop_answer_decoder *decoder, interop_arena *arena, const interop_call_options *opts,
                            interop_done done, void *user) {
  interop_error err;
  const interop_function *f = lookup(inv, module, fn, &err);
  if (f == NULL) return (int)err.code;
  if (f->kind != INTEROP_FUNCTION_CALL) return INTEROP_INVALID_ARGUMENT;
  if (inv->link == NULL) return INTEROP_UNIMPLEMENTED;
  return link_invoke(inv->link, module, f, params, NULL, decoder, arena, opts, done, user);
}

typedef struct sync_wait {
  bool done;
  int rc;
  interop_error *err;
} sync_wait;

static void sync_done(void *user, int rc, const interop_error *err) {
  sync_wait *w = user;
  w->done = true;
  w->rc = rc;
  /* Only a failure is copied: interop_invoke_sync cleared *w->err, and the copy is most of an
   * interop_error's 700 bytes, a sixth of a direct call's time (bench/LIMITS.md). */
  if (w->err != NULL && rc != INTEROP_OK) *w->err = *err;
}

int interop_invoke_sync(interop_invoker *inv, const interop_module *module, uint32_t fn, const void *params,
                        void *result, interop_arena *arena, const interop_call_options *opts, interop_error *err) {
  sync_wait w = {false, 0, err};
  if (err != NULL) interop_error_clear(err);
  interop_call *call = NULL;
  int rc;
  const interop_function *f = inv->link == NULL ? lookup(inv, module, fn, err) : NULL;
  if (inv->link != NULL) rc = interop_invoke(inv, module, fn, params, result, arena, opts, sync_done, &w);
  else if (f == NULL) return (int)err->code;
  else if (f->kind != INTEROP_FUNCTION_CALL) rc = INTEROP_INVALID_ARGUMENT;
  else rc = start_call(inv, f, params, result, arena, opts, sync_done, &w, false, &call);
  if (rc != INTEROP_OK) return interop_error_set(err, (uint32_t)rc, "call not started: %s", interop_code_name((uint32_t)rc));
  if (call != NULL) {
    call->inline_delivery = false;
    call->held = false;
    if (call->delivered && !call->run_pending) interop_call_deliver(call); /* answered already */
    else if (call->delivered) node_ready(call->node, call);
  }
  while (!w.done) {
    shm_spin(inv->node, &w.done); /* an answer over shared memory comes without a system call */
    if (!w.done) uv_run(inv->node->loop, UV_RUN_ONCE);
  }
  return w.rc;
}

/* A one-way call's end: nobody waits for it; its arguments' copy goes. */
static void oneway_done(void *user, int rc, const interop_error *err) {
  (void)rc, (void)err;
  interop_arena *arena = user;
  interop_arena_free(arena);
  free(arena);
}

int interop_send_oneway(interop_invoker *inv, const interop_module *module, uint32_t fn, const void *params,
                        const interop_call_options *opts, interop_error *err) {
  const interop_function *f = lookup(inv, module, fn, err);
  if (f == NULL) return (int)err->code;
  if (f->kind != INTEROP_FUNCTION_ONEWAY)
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s is not a one-way function", f->name);
  if (inv->link != NULL) return link_oneway(inv->link, module, f, params, err);
  /* Checked now, as an encoder refuses a value before sending. The arguments are borrowed only
   * for this call and the handler runs on a later loop turn (as a remote one would), so they are
   * copied (not encoded) into an arena the call owns. */
  if (interop_check(f->params, params, inv->node->limits.max_depth, err) != INTEROP_OK) return (int)err->code;
  interop_arena *arena = calloc(1, sizeof *arena);
  void *copy = arena != NULL ? interop_arena_alloc(arena, f->params->size, f->params->align) : NULL;
  if (copy == NULL || interop_copy(f->params, params, copy, arena) != INTEROP_OK ||
      start_call(inv, f, copy, NULL, arena, opts, oneway_done, arena, true, NULL) != INTEROP_OK) {
    if (arena != NULL) interop_arena_free(arena);
    free(arena);
    return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  }
  return INTEROP_OK;
}

/* ---- what handlers see (module.h) ---- */

interop_arena *interop_call_arena(interop_call *call) { return &call->arena; }
bool interop_call_cancelled(const interop_call *call) { return call->cancelled; }
const char *interop_call_peer(const interop_call *call) { return call->peer; }

int interop_call_answer_msgpack(interop_call *call, const uint8_t *data, size_t len) {
  uint8_t *copy = interop_arena_alloc(&call->arena, len, 1);
  if (copy == NULL && len > 0) return INTEROP_RESOURCE_EXHAUSTED;
  if (len > 0) memcpy(copy, data, len);
  call->answer = copy, call->answer_len = len;
  call->answered_msgpack = true;
  return INTEROP_OK;
}

int interop_call_answer_msgpack_buf(interop_call *call, interop_buf *bytes) {
  interop_buf taken = *bytes;
  interop_buf_init(bytes);
  if (taken.failed) {
    interop_buf_free(&taken);
    return INTEROP_RESOURCE_EXHAUSTED;
  }
  free(call->answer_owned);
  call->answer_owned = taken.data;
  call->answer = taken.data, call->answer_len = taken.len;
  call->answered_msgpack = true;
  return INTEROP_OK;
}

uint32_t interop_call_max_depth(const interop_call *call) { return call->node->limits.max_depth; }

uint32_t interop_call_remaining_ms(const interop_call *call) {
  if (call->deadline == UINT64_MAX) return UINT32_MAX;
  uint64_t now = uv_now(call->node->loop);
  return call->deadline > now ? (uint32_t)(call->deadline - now) : 0;
}

void interop_call_on_cancel(interop_call *call, void (*cb)(void *arg), void *arg) {
  call->on_cancel = cb;
  call->on_cancel_arg = arg;
}

void interop_call_finish(interop_call *call, int rc, const interop_error *err) {
  if (call->handler_done) return;
  /* After a cancel the caller's outcome is decided: the handler's error no longer counts. */
  if (err != NULL && err != &call->err && !call->delivered) call->err = *err;
  handler_ended(call, rc);
  maybe_free(call);
}

interop_call *call_new(interop_node *node, const interop_function *fn, const char *peer,
                       void (*finished)(interop_call *call), void *owner) {
  size_t rsize = fn->result != NULL ? fn->result->size : 0;
  interop_call *call = call_alloc(node, rsize);
  if (call == NULL) return NULL;
  call->fn = fn;
  call->peer = peer;
  call->result = (char *)(call + 1);
  call->finished = finished;
  call->owner = owner;
  interop_arena_init(&call->arena);
  return call;
}

void call_run(interop_call *call, interop_handler h, void *impl, void *params, uint32_t timeout_ms, bool later) {
  call->handler = h;
  call->impl = impl;
  call->params = params;
  if (timeout_ms != 0) uv_update_time(call->node->loop); /* a deadline runs from now, not the last loop turn */
  call->deadline = timeout_ms == 0 ? UINT64_MAX : uv_now(call->node->loop) + timeout_ms;
  if (later) {
    call->run_pending = true;
    node_ready(call->node, call);
    return;
  }
  /* A handler that answers at once is answered in this loop turn (the answer written now), not
   * through the ready queue, which would cost a wake-up and a second loop turn per call. */
  call->inline_delivery = true;
  interop_call_run(call);
  call->inline_delivery = false;
  if (call->held) {
    call->held = false;
    interop_call_deliver(call);
  }
}

void call_cancel(interop_call *call, int code, const char *why) { cancel(call, code, why); }
