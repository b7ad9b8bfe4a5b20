/* Links (docs/config.md "Reconnection", "Plugins"): dialed on first use, calls queued until the
 * handshake is done, failed with the handshake's refusal (SCHEMA_MISMATCH, NOT_FOUND,
 * UNAUTHENTICATED) or UNAVAILABLE, and dialed again by the next call after a drop or a GOODBYE, or
 * by themselves while subscriptions use them. */
#include <stdlib.h>
#include "links.h"
#include "transport.h"

node_link *links_find(interop_node *node, const char *module) {
  for (node_link *l = node->links; l != NULL; l = l->next)
    for (size_t i = 0; i < l->modules_count; i++)
      if (strcmp(l->modules[i], module) == 0) return l;
  for (node_link *l = node->links; l != NULL; l = l->next)
    if (l->parent) return l; /* a plugin calls everything else on its parent */
  return NULL;
}

interop_invoker *link_invoker(node_link *l, const interop_module *module) {
  for (size_t i = 0; i < l->wants_count; i++)
    if (strcmp(l->wants[i]->name, module->name) == 0) return &l->invokers[i];
  if (l->wants_count == LINK_MAX_MODULES) return NULL;
  size_t i = l->wants_count++;
  l->wants[i] = module;
  l->invokers[i] = (interop_invoker){l->node, module, NULL, l};
  return &l->invokers[i];
}

static void free_waiting(waiting *w) {
  interop_arena_free(&w->own);
  free(w);
}

static void fail_waiting(node_link *l, int rc, const interop_error *err) {
  waiting *w = l->waiting;
  l->waiting = NULL;
  while (w != NULL) {
    waiting *next = w->next;
    if (w->oneway) node_count(l->node, INTEROP_DROPPED_ONEWAYS);
    else w->done(w->user, rc, err);
    free_waiting(w);
    w = next;
  }
}

static void on_redial(uv_timer_t *t) {
  node_link *l = t->data;
  if (events_link_has_subscriptions(l)) link_open(l); /* none left: the next call dials */
  else l->backoff_ms = 0;
}
static void free_handle(uv_handle_t *h) { free(h); }

/* A dialed link whose connection dropped, or could not be made, while subscriptions use it dials
 * again on its own: after 100 ms, doubling to 5 s, as TS and Python (docs/config.md
 * "Reconnection"). Calls need no retry: the next one dials. */
static void schedule_redial(node_link *l) {
  if (l->node->closing || l->address[0] == '\0' || !events_link_has_subscriptions(l)) return;
  if (l->redial == NULL) {
    if ((l->redial = malloc(sizeof *l->redial)) == NULL) return;
    uv_timer_init(l->node->loop, l->redial);
    l->redial->data = l;
  }
  l->backoff_ms = l->backoff_ms == 0 ? 100 : l->backoff_ms * 2 > 5000 ? 5000 : l->backoff_ms * 2;
  uv_timer_start(l->redial, on_redial, l->backoff_ms, 0);
}

static void on_open(conn *c, int rc, const interop_error *err) {
  node_link *l = c->link;
  if (rc != INTEROP_OK) return fail_waiting(l, rc, err);
  l->backoff_ms = 0;
  waiting *w = l->waiting;
  l->waiting = NULL;
  while (w != NULL) {
    waiting *next = w->next;
    interop_error e;
    if (w->oneway) {
      if (calls_oneway(c, w->module, w->fn, w->params, &e) != INTEROP_OK) node_count(l->node, INTEROP_DROPPED_ONEWAYS);
    } else {
      int r = calls_start(c, w->module, w->fn, w->params, w->result, &w->decoder, w->arena, &w->opts, w->done, w->user);
      if (r != INTEROP_OK) w->done(w->user, r, (interop_error_set(&e, (uint32_t)r, "call not started"), &e));
    }
    free_waiting(w);
    w = next;
  }
  events_link_open(l);
}

void link_conn_closed(conn *c) {
  node_link *l = c->link;
  if (l == NULL) return;
  if (l->conn == c) l->conn = NULL;
  if (l->parent) return interop_node_stop(c->node); /* a plugin ends with its parent */
  if (l->waiting != NULL) link_open(l); /* calls queued behind a GOODBYE dial a new connection */
  else if (l->conn == NULL) schedule_redial(l);
}

/* A connection for the link; the transport fills its streams. */
static conn *link_conn(node_link *l) {
  conn *c = conn_new(l->node, !l->parent);
  if (c == NULL) return NULL;
  c->link = l;
  c->on_open = l->parent ? NULL : on_open;
  c->on_close = link_conn_closed;
  return c;
}

static void dial_failed(node_link *l, const char *why) {
  interop_error e;
  interop_error_set(&e, INTEROP_UNAVAILABLE, "cannot reach %s: %s", l->address[0] ? l->address : "the plugin", why);
  l->conn = NULL;
  fail_waiting(l, INTEROP_UNAVAILABLE, &e);
  schedule_redial(l);
}

void link_open(node_link *l) {
  if (l->conn != NULL || l->parent) return;
  conn *c = link_conn(l);
  if (c == NULL) return dial_failed(l, "out of memory");
  l->conn = c;
  const char *why = l->argv != NULL ? transport_spawn(l, c) : transport_dial(l->node, l->address, c);
  if (why != NULL) {
    conn_discard(c);
    dial_failed(l, why);
  }
}

static void queue(node_link *l, waiting *w) {
  waiting **tail = &l->waiting;
  while (*tail != NULL) tail = &(*tail)->next;
  *tail = w;
  link_open(l);
}

int link_invoke(node_link *l, const interop_module *module, const interop_function *fn, const void *params, void *result,
                const interop_answer_decoder *decoder, interop_arena *arena, const interop_call_options *opts,
                interop_done done, void *user) {
  if (l->conn != NULL && l->conn->state == CONN_OPEN)
    return calls_start(l->conn, module, fn, params, result, decoder, arena, opts, done, user);
  /* The params live in the caller's frame, and interop_invoke_decoding borrows what they point to
   * only until it returns: copy them in full while the link dials. */
  waiting *w = calloc(1, sizeof *w);
  void *copy = w != NULL ? interop_arena_alloc(&w->own, fn->params->size, fn->params->align) : NULL;
  if (copy == NULL || interop_copy(fn->params, params, copy, &w->own) != INTEROP_OK) {
    if (w != NULL) free_waiting(w);
    return INTEROP_RESOURCE_EXHAUSTED;
  }
  if (decoder != NULL) w->decoder = *decoder;
  w->module = module, w->fn = fn, w->params = copy, w->result = result, w->arena = arena;
  w->done = done, w->user = user;
  if (opts != NULL) w->opts = *opts;
  queue(l, w);
  return INTEROP_OK;
}

int link_oneway(node_link *l, const interop_module *module, const interop_function *fn, const void *params, interop_error *err) {
  if (l->conn != NULL && l->conn->state == CONN_OPEN) return calls_oneway(l->conn, module, fn, params, err);
  /* Checked now, as an encoder would; the arguments are only borrowed, so they are copied. */
  if (interop_check(fn->params, params, l->node->limits.max_depth, err) != INTEROP_OK) return (int)err->code;
  waiting *w = calloc(1, sizeof *w);
  void *copy = w != NULL ? interop_arena_alloc(&w->own, fn->params->size, fn->params->align) : NULL;
  if (copy == NULL || interop_copy(fn->params, params, copy, &w->own) != INTEROP_OK) {
    if (w != NULL) free_waiting(w);
    return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  }
  w->module = module, w->fn = fn, w->params = copy, w->oneway = true;
  queue(l, w);
  return INTEROP_OK;
}

void links_close(interop_node *node) {
  while (node->links != NULL) {
    node_link *l = node->links;
    node->links = l->next;
    interop_error e;
    interop_error_set(&e, INTEROP_UNAVAILABLE, "the node is closing");
    fail_waiting(l, INTEROP_UNAVAILABLE, &e);
    if (l->conn != NULL) conn_close(l->conn, "the node is closing");
    transport_stop_plugin(l);
    if (l->redial != NULL) uv_close((uv_handle_t *)l->redial, free_handle);
    for (size_t i = 0; l->argv != NULL && l->argv[i] != NULL; i++) free(l->argv[i]);
    for (size_t i = 0; l->env != NULL && l->env[i] != NULL; i++) free(l->env[i]);
    free(l->argv), free(l->env), free(l->cwd);
    free(l);
  }
}
