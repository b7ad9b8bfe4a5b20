/* The node: its loop, hosted modules, counters, posted work and deferred completions. */
#include <signal.h>
#include <stdlib.h>
#include "compat.h"
#include "transport.h"

const char *const interop_counter_names[INTEROP_COUNTER_COUNT] = {
    "requests_served",    "handler_errors",     "event_handler_errors", "rejected_requests",  "rejected_frames",
    "rejected_connections", "rejected_handshakes", "idle_timeouts",     "frame_timeouts",     "late_responses",
    "late_cancels",       "late_stream_frames", "dropped_oneways",      "dropped_events",     "unsolicited_events",
    "undecodable_events", "unencodable_events", "paused_reads"};

void interop_limits_default(interop_limits *l) {
  l->max_frame_bytes = 16777216;
  l->max_depth = 64;
  l->max_in_flight = 256;
  l->max_event_queue = 1024;
  l->default_deadline_ms = 30000;
  l->handshake_timeout_ms = 10000;
  l->max_target_bytes = 1024;
  l->event_queue_policy = INTEROP_DROP_OLDEST;
  l->max_connections = 512;
  l->idle_timeout_ms = 300000;
  l->frame_timeout_ms = 30000;
  l->stream_window = 64;
}

void node_count(interop_node *node, interop_counter c) { node->counters[c]++; }
uint64_t interop_node_counter(const interop_node *node, interop_counter c) { return node->counters[c]; }
const char *interop_node_name(const interop_node *node) { return node->name; }
const interop_limits *interop_node_limits(const interop_node *node) { return &node->limits; }
void *interop_node_loop(interop_node *node) { return node->loop; }

void node_wake(interop_node *node) { uv_async_send(&node->wake); }

/* Larger buffers go back to the allocator: a blob's megabytes are not kept for small calls. */
#define SCRATCH_KEEP (64u * 1024u)

interop_buf node_scratch_take(interop_node *node) {
  interop_buf b = node->scratch;
  interop_buf_init(&node->scratch);
  b.len = 0;
  return b;
}

void node_scratch_give(interop_node *node, interop_buf *b) {
  if (node->scratch.data == NULL && !b->failed && b->cap <= SCRATCH_KEEP) node->scratch = *b;
  else interop_buf_free(b);
  interop_buf_init(b);
}

void node_ready(interop_node *node, interop_call *call) {
  call->next_ready = NULL;
  if (node->ready_tail != NULL) node->ready_tail->next_ready = call;
  else node->ready_head = call;
  node->ready_tail = call;
  node_wake(node);
}

void interop_call_release(interop_call *call); /* direct.c */
void interop_call_deliver(interop_call *call); /* direct.c */

static void on_wake(uv_async_t *h) {
  interop_node *node = h->data;
  uv_mutex_lock(&node->post_lock);
  posted *work = node->posted_head;
  node->posted_head = node->posted_tail = NULL;
  uv_mutex_unlock(&node->post_lock);
  while (work != NULL) {
    posted *next = work->next;
    work->fn(work->arg);
    free(work);
    work = next;
  }
  /* Completions queued while delivering are delivered on the next wake, not in this loop. */
  interop_call *ready = node->ready_head;
  node->ready_head = node->ready_tail = NULL;
  while (ready != NULL) {
    interop_call *next = ready->next_ready;
    interop_call_deliver(ready);
    ready = next;
  }
  events_deliver(node);
}

int interop_node_post(interop_node *node, void (*fn)(void *arg), void *arg) {
  posted *p = malloc(sizeof *p);
  if (p == NULL) return INTEROP_RESOURCE_EXHAUSTED;
  *p = (posted){NULL, fn, arg};
  uv_mutex_lock(&node->post_lock);
  if (node->closing) {
    uv_mutex_unlock(&node->post_lock);
    free(p);
    return INTEROP_UNAVAILABLE;
  }
  if (node->posted_tail != NULL) node->posted_tail->next = p;
  else node->posted_head = p;
  node->posted_tail = p;
  uv_async_send(&node->wake);
  uv_mutex_unlock(&node->post_lock);
  return INTEROP_OK;
}

static bool same_module(const interop_module *a, const interop_module *b) {
  return a == b || strcmp(a->name, b->name) == 0;
}

static hosted *find_hosted(interop_node *node, const interop_module *module) {
  for (size_t i = 0; i < node->hosted_count; i++)
    if (same_module(node->hosted[i].impl->module, module)) return &node->hosted[i];
  return NULL;
}

interop_invoker *interop_node_invoker(interop_node *node, const interop_module *module, interop_error *err) {
  hosted *h = find_hosted(node, module);
  node_link *l = h == NULL ? links_find(node, module->name) : NULL;
  if (l != NULL) {
    interop_invoker *inv = link_invoker(l, module);
    if (inv == NULL) interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "too many modules on one link");
    return inv;
  }
  if (h == NULL) {
    interop_error_set(err, INTEROP_NOT_FOUND, "module %s is neither hosted by node %s nor reached by a link",
                      module->name, node->name);
    return NULL;
  }
  if (strcmp(h->impl->module->fingerprint, module->fingerprint) != 0) {
    interop_error_set(err, INTEROP_SCHEMA_MISMATCH, "module %s: caller was generated from %s, implementation from %s",
                      module->name, module->fingerprint, h->impl->module->fingerprint);
    return NULL;
  }
  return &h->invoker;
}

interop_publisher *interop_node_publisher(interop_node *node, const interop_module *module, interop_error *err) {
  hosted *h = find_hosted(node, module);
  if (h == NULL) {
    interop_error_set(err, INTEROP_NOT_FOUND, "node %s does not host module %s", node->name, module->name);
    return NULL;
  }
  return &h->publisher;
}

static bool wanted(const char **modules, size_t n, const char *name) {
  if (modules == NULL) return true;
  for (size_t i = 0; i < n; i++)
    if (strcmp(modules[i], name) == 0) return true;
  return false;
}

static int host_modules(interop_node *node, const interop_module_impl *const *impls, size_t n, const char **modules,
                        size_t modules_count, interop_error *err) {
  node->hosted = calloc(n > 0 ? n : 1, sizeof *node->hosted);
  if (node->hosted == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  for (size_t i = 0; i < n; i++) {
    const interop_module_impl *impl = impls[i];
    if (impl->abi_version != INTEROP_ABI_VERSION || impl->module->abi_version != INTEROP_ABI_VERSION)
      return interop_error_set(err, INTEROP_INTERNAL, "module %s was built for module ABI %u, this runtime has %u",
                               impl->module->name, impl->abi_version, INTEROP_ABI_VERSION);
    if (!wanted(modules, modules_count, impl->module->name)) continue;
    hosted *h = &node->hosted[node->hosted_count++];
    h->impl = impl;
    h->invoker = (interop_invoker){node, impl->module, h, NULL};
    h->publisher = (interop_publisher){node, h};
  }
  for (size_t i = 0; modules != NULL && i < modules_count; i++) {
    bool found = false;
    for (size_t k = 0; k < node->hosted_count; k++) found |= strcmp(node->hosted[k].impl->module->name, modules[i]) == 0;
    if (!found)
      return interop_error_set(err, INTEROP_NOT_FOUND, "modules: %s has no implementation in this program", modules[i]);
  }
  for (size_t i = 0; i < node->hosted_count; i++) {
    const interop_module_impl *impl = node->hosted[i].impl;
    if (impl->init != NULL && impl->init(impl->impl, node, err) != INTEROP_OK) return (int)err->code;
  }
  return INTEROP_OK;
}

/* A write to a peer that went away must close that connection, not end the process: libuv
 * writes with write(2), so SIGPIPE is ignored unless the program handles it already. */
static void ignore_sigpipe(void) {
  struct sigaction old;
  if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
}

int interop_node_start(const char *config, const interop_module_impl *const *impls, size_t impls_count,
                       void *uv_loop, interop_node **out, interop_error *err) {
  *out = NULL;
  ignore_sigpipe();
  interop_node *node = calloc(1, sizeof *node);
  if (node == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  interop_limits_default(&node->limits);
  if (uv_loop != NULL) {
    node->loop = uv_loop;
  } else {
    uv_loop_init(&node->own_loop);
    node->loop = &node->own_loop;
    node->owns_loop = true;
  }
  uv_mutex_init(&node->post_lock);
  uv_async_init(node->loop, &node->wake, on_wake);
  node->wake.data = node; /* referenced: the loop runs until interop_node_stop or close */
  uv_idle_init(node->loop, &node->shm.idle);
  node->shm.idle.data = node;
  node->shm.spin_ns = INTEROP_SHM_SPIN_US_DEFAULT * 1000u;
  node->started_ms = uv_now(node->loop);
  const char *modules[64];
  char storage[4096];
  size_t modules_count = 0;
  int rc = node_config(node, config, modules, &modules_count, storage, sizeof storage, err);
  if (rc == INTEROP_OK)
    rc = host_modules(node, impls, impls_count, modules_count == SIZE_MAX ? NULL : modules,
                      modules_count == SIZE_MAX ? 0 : modules_count, err);
  if (rc == INTEROP_OK) rc = node_start_endpoints(node, err);
  if (rc != INTEROP_OK) {
    interop_node_close(node);
    return rc;
  }
  *out = node;
  return INTEROP_OK;
}

int interop_node_run(interop_node *node) { return uv_run(node->loop, UV_RUN_DEFAULT); }

void interop_node_stop(interop_node *node) { uv_stop(node->loop); }

int interop_node_run_once(interop_node *node, bool wait) {
  return uv_run(node->loop, wait ? UV_RUN_ONCE : UV_RUN_NOWAIT);
}

static void on_closed(uv_handle_t *h) { (void)h; }

void node_add_conn(interop_node *node, conn *c) {
  c->next = node->conns;
  node->conns = c;
  node->conns_count++;
}

void node_remove_conn(interop_node *node, conn *c) {
  for (conn **p = &node->conns; *p != NULL; p = &(*p)->next) {
    if (*p == c) {
      *p = c->next;
      node->conns_count--;
      return;
    }
  }
}

hosted *node_hosted_by_target(interop_node *node, const char *target, size_t len, const char **member, size_t *member_len) {
  size_t dot = len;
  while (dot > 0 && target[dot - 1] != '.') dot--;
  if (dot == 0) return NULL;
  *member = target + dot;
  *member_len = len - dot;
  for (size_t i = 0; i < node->hosted_count; i++) {
    const char *name = node->hosted[i].impl->module->name;
    if (strlen(name) == dot - 1 && memcmp(name, target, dot - 1) == 0) return &node->hosted[i];
  }
  return NULL;
}

int node_start_endpoints(interop_node *node, interop_error *err) {
  int rc;
  for (size_t i = 0; i < node->listen_count; i++)
    if ((rc = transport_listen(node, node->listen[i], false, err)) != INTEROP_OK) return rc;
  if (node->control[0] != '\0' && (rc = transport_listen(node, node->control, true, err)) != INTEROP_OK) return rc;
  for (node_link *l = node->links; l != NULL; l = l->next) {
    if (l->parent && (rc = transport_stdio(node, l, err)) != INTEROP_OK) return rc;
    if (l->argv != NULL) link_open(l); /* plugins start with the node */
  }
  return INTEROP_OK;
}

const char *interop_node_endpoint(const interop_node *node, size_t index) {
  size_t i = 0;
  for (listener *l = node->listeners; l != NULL; l = l->next, i++)
    if (i == index) return l->address;
  return NULL;
}

void interop_node_close(interop_node *node) {
  uv_mutex_lock(&node->post_lock);
  node->closing = true;
  uv_mutex_unlock(&node->post_lock);
  listeners_close(node);
  /* A clean close (docs/wire.md §1.1): every peer reads GOODBYE before the connection ends. */
  for (conn *c = node->conns; c != NULL; c = c->next) conn_goodbye_now(c, "the node is closing");
  links_close(node);
  while (node->conns != NULL) conn_close(node->conns, "the node is closing");
  on_wake(&node->wake); /* run what was posted and deliver what is ready */
  events_close(node);
  for (size_t i = 0; i < node->hosted_count; i++) {
    const interop_module_impl *impl = node->hosted[i].impl;
    if (impl->fini != NULL) impl->fini(impl->impl);
  }
  uv_close((uv_handle_t *)&node->wake, on_closed);
  uv_close((uv_handle_t *)&node->shm.idle, on_closed);
  if (node->owns_loop) {
    uv_run(node->loop, UV_RUN_DEFAULT);
    uv_loop_close(node->loop);
  } else {
    uv_run(node->loop, UV_RUN_NOWAIT);
  }
  uv_mutex_destroy(&node->post_lock);
  compat_cache_free(node);
  direct_calls_free_spares(node);
  interop_buf_free(&node->scratch);
  free(node->hosted);
  free(node);
}
