/* In-process events (docs/wire.md §5, docs/config.md "Limits and event queues"): publish() copies
 * the payload (never encodes it) into each subscription's bounded queue; handlers run on later
 * loop turns, one event at a time per subscription, in order. A full queue applies the policy:
 * drop_oldest, drop_newest, and block, which in-process discards the arriving event (a
 * synchronous publish cannot be held) and over a connection stops reading it until the queue has
 * room, so the transport's backpressure holds the publisher. Every discarded event is counted. */
#include <stdlib.h>
#include "links.h"

typedef struct queued {
  struct queued *next;
  interop_arena arena; /* the payload's copy */
  void *payload;
} queued;

struct interop_subscription {
  interop_subscription *next;       /* in the module's list */
  interop_subscription *next_ready; /* in the node's list of subscriptions with events */
  bool ready;
  bool ended;
  interop_node *node;
  hosted *hosted;                   /* in-process: the module publishing */
  uint32_t event;                   /* index in the hosted module's events */
  node_link *link;                       /* over a link: SUBSCRIBE sent whenever it (re)opens */
  const interop_module *module;     /* over a link: the subscriber's descriptor of the module */
  char target[256];                 /* module.event */
  const interop_type *payload;      /* the subscriber's descriptor of the payload */
  interop_event_handler handler;
  void *user;
  queued *head, *tail;
  size_t queued_count;
  uint64_t dropped;
};

static void free_queued(queued *q) {
  interop_arena_free(&q->arena);
  free(q);
}

static void drop(interop_subscription *s) {
  s->dropped++;
  node_count(s->node, INTEROP_DROPPED_EVENTS);
}

static void enqueue(interop_subscription *s, queued *q);
static void append(interop_subscription *s, queued *q);

/* Whether a subscription over a connection holds its queue full under `block`. */
static bool blocks(const interop_subscription *s) {
  return s->link != NULL && s->node->limits.event_queue_policy == INTEROP_BLOCK &&
         s->queued_count >= s->node->limits.max_event_queue;
}

/* A `block` subscription has room again: its connection is read again, unless another is full. */
static void unblock(interop_subscription *s) {
  conn *c = s->link != NULL ? s->link->conn : NULL;
  if (c == NULL || !(c->paused & PAUSE_EVENTS)) return;
  for (interop_subscription *o = s->node->remote_subs; o != NULL; o = o->next)
    if (o->link == s->link && blocks(o)) return;
  conn_resume_reading(c, PAUSE_EVENTS);
}

static int subscribe_remote(interop_invoker *inv, const interop_module *module, uint32_t event,
                            interop_event_handler handler, void *user, interop_subscription **out, interop_error *err) {
  conn *open = inv->link->conn != NULL && inv->link->conn->state == CONN_OPEN ? inv->link->conn : NULL;
  int rc = open != NULL ? versions_check(open, module, true, module->events[event].name, err) : INTEROP_OK;
  if (rc != INTEROP_OK) return rc; /* the peer's version has no such event, or another one */
  interop_subscription *s = calloc(1, sizeof *s);
  if (s == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  s->node = inv->node;
  s->link = inv->link;
  s->module = module;
  s->event = event;
  snprintf(s->target, sizeof s->target, "%s.%s", module->name, module->events[event].name);
  s->payload = module->events[event].payload;
  s->handler = handler;
  s->user = user;
  s->next = inv->node->remote_subs;
  inv->node->remote_subs = s;
  bool shared = false; /* one SUBSCRIBE per target and connection: a second subscription shares it */
  for (interop_subscription *o = s->next; o != NULL && !shared; o = o->next) shared = o->link == s->link && strcmp(o->target, s->target) == 0;
  if (s->link->conn != NULL && s->link->conn->state == CONN_OPEN) {
    if (!shared) calls_subscribe(s->link->conn, s->target);
  } else {
    link_open(s->link);
  }
  *out = s;
  return INTEROP_OK;
}

void events_link_open(node_link *l) {
  for (interop_subscription *s = l->node->remote_subs; s != NULL; s = s->next) {
    if (s->link != l) continue;
    bool earlier = false;
    for (interop_subscription *o = s->next; o != NULL && !earlier; o = o->next) earlier = o->link == l && strcmp(o->target, s->target) == 0;
    if (earlier) continue;
    interop_error err;
    if (versions_check(l->conn, s->module, true, s->module->events[s->event].name, &err) == INTEROP_OK)
      calls_subscribe(l->conn, s->target);
    else
      fprintf(stderr, "interop: SUBSCRIBE %s not sent: %s\n", s->target, err.message);
  }
}

bool events_link_has_subscriptions(node_link *l) {
  for (interop_subscription *s = l->node->remote_subs; s != NULL; s = s->next)
    if (s->link == l) return true;
  return false;
}

void link_on_event(conn *c, const interop_frame *f) {
  interop_node *node = c->node;
  bool matched = false, bad = false;
  for (interop_subscription *s = node->remote_subs; s != NULL; s = s->next) {
    if (s->link != c->link || strlen(s->target) != f->target_len || memcmp(s->target, f->target, f->target_len) != 0) continue;
    matched = true;
    queued *q = calloc(1, sizeof *q);
    if (q == NULL) return;
    interop_arena_init(&q->arena);
    interop_error err;
    if (s->payload != NULL) {
      q->payload = interop_arena_alloc(&q->arena, s->payload->size, s->payload->align);
      if (q->payload == NULL || interop_decode(s->payload, f->payload, f->payload_len, (interop_codec)f->codec,
                                               node->limits.max_depth, &q->arena, q->payload, &err) != INTEROP_OK) {
        free_queued(q);
        bad = true;
        continue;
      }
    }
    if (blocks(s)) { /* read already: it waits over the limit, and the connection is not read on */
      append(s, q);
      conn_pause_reading(c, PAUSE_EVENTS);
      continue;
    }
    enqueue(s, q);
  }
  if (bad) node_count(node, INTEROP_UNDECODABLE_EVENTS);
  else if (!matched) node_count(node, INTEROP_UNSOLICITED_EVENTS);
}

int interop_subscribe(interop_invoker *inv, const interop_module *module, uint32_t event,
                      interop_event_handler handler, void *user, interop_subscription **out, interop_error *err) {
  *out = NULL;
  if (strcmp(module->name, inv->module->name) != 0 || event >= module->events_count)
    return interop_error_set(err, INTEROP_NOT_FOUND, "%s has no event #%u here", module->name, event);
  if (inv->link != NULL) return subscribe_remote(inv, module, event, handler, user, out, err);
  const interop_module *own = inv->hosted->impl->module;
  uint32_t index = UINT32_MAX;
  for (uint32_t i = 0; i < own->events_count; i++)
    if (strcmp(own->events[i].name, module->events[event].name) == 0) index = i;
  if (index == UINT32_MAX)
    return interop_error_set(err, INTEROP_NOT_FOUND, "%s has no event %s", module->name, module->events[event].name);
  interop_subscription *s = calloc(1, sizeof *s);
  if (s == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  s->node = inv->node;
  s->hosted = inv->hosted;
  s->event = index;
  s->handler = handler;
  s->user = user;
  s->next = inv->hosted->subs.head;
  inv->hosted->subs.head = s;
  *out = s;
  return INTEROP_OK;
}

static void discard_all(interop_subscription *s) {
  while (s->head != NULL) {
    queued *q = s->head;
    s->head = q->next;
    free_queued(q);
  }
  s->tail = NULL;
  s->queued_count = 0;
}

void interop_unsubscribe(interop_subscription *s) {
  if (s == NULL || s->ended) return;
  s->ended = true;
  interop_subscription **p = s->link != NULL ? &s->node->remote_subs : &s->hosted->subs.head;
  while (*p != NULL && *p != s) p = &(*p)->next;
  if (*p == s) *p = s->next;
  if (s->link != NULL && s->link->conn != NULL && s->link->conn->state == CONN_OPEN) {
    bool shared = false;
    for (interop_subscription *o = s->node->remote_subs; o != NULL && !shared; o = o->next)
      shared = o->link == s->link && strcmp(o->target, s->target) == 0;
    interop_frame f = {INTEROP_FRAME_UNSUBSCRIBE, 0, 0, 0, 0, s->target, strlen(s->target), NULL, 0};
    if (!shared) conn_send(s->link->conn, &f);
  }
  discard_all(s);
  unblock(s);
  if (!s->ready) free(s); /* else freed when the ready list reaches it */
}

uint64_t interop_subscription_dropped(const interop_subscription *s) { return s->dropped; }

static void enqueue(interop_subscription *s, queued *q) {
  const interop_limits *l = &s->node->limits;
  if (s->queued_count >= l->max_event_queue) {
    if (l->event_queue_policy == INTEROP_DROP_OLDEST && s->head != NULL) {
      queued *old = s->head;
      s->head = old->next;
      if (s->head == NULL) s->tail = NULL;
      s->queued_count--;
      free_queued(old);
      drop(s);
    } else {
      free_queued(q); /* drop_newest, and block, which cannot hold a synchronous publish */
      drop(s);
      return;
    }
  }
  append(s, q);
}

static void append(interop_subscription *s, queued *q) {
  q->next = NULL;
  if (s->tail != NULL) s->tail->next = q;
  else s->head = q;
  s->tail = q;
  s->queued_count++;
  if (!s->ready) {
    s->ready = true;
    s->next_ready = s->node->events_ready;
    s->node->events_ready = s;
    node_wake(s->node);
  }
}

static uint32_t event_index_of(const interop_module *m, const char *name) {
  for (uint32_t i = 0; i < m->events_count; i++)
    if (strcmp(m->events[i].name, name) == 0) return i;
  return 0;
}

int interop_publish(interop_publisher *pub, const interop_module *module, uint32_t event, const void *payload,
                    interop_error *err) {
  const interop_module *own = pub->hosted->impl->module;
  if (strcmp(module->name, own->name) != 0 || event >= module->events_count)
    return interop_error_set(err, INTEROP_NOT_FOUND, "%s has no event #%u", module->name, event);
  const interop_type *t = module->events[event].payload;
  if (t != NULL && interop_check(t, payload, pub->node->limits.max_depth, err) != INTEROP_OK) return (int)err->code;
  const char *name = module->events[event].name;
  for (interop_subscription *s = pub->hosted->subs.head; s != NULL; s = s->next) {
    if (strcmp(own->events[s->event].name, name) != 0) continue;
    queued *q = calloc(1, sizeof *q);
    if (q == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
    interop_arena_init(&q->arena);
    if (t != NULL) {
      q->payload = interop_arena_alloc(&q->arena, t->size, t->align);
      if (q->payload == NULL || interop_copy(t, payload, q->payload, &q->arena) != INTEROP_OK) {
        free_queued(q);
        return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
      }
    }
    enqueue(s, q);
  }
  serve_publish(pub->node, own, event_index_of(own, name), payload);
  return INTEROP_OK;
}

/* One event per subscription per turn, so subscriptions take turns and order is kept. */
void events_deliver(interop_node *node) {
  interop_subscription *list = node->events_ready;
  node->events_ready = NULL;
  /* The list was built newest first: deliver in the order subscriptions became ready. */
  interop_subscription *rev = NULL;
  while (list != NULL) {
    interop_subscription *next = list->next_ready;
    list->next_ready = rev;
    rev = list;
    list = next;
  }
  for (interop_subscription *s = rev, *next; s != NULL; s = next) {
    next = s->next_ready;
    s->ready = false;
    if (s->ended) {
      free(s);
      continue;
    }
    queued *q = s->head;
    if (q == NULL) continue;
    s->head = q->next;
    if (s->head == NULL) s->tail = NULL;
    s->queued_count--;
    s->handler(s->user, q->payload);
    free_queued(q);
    if (s->ended) {
      free(s);
      continue;
    }
    if (!blocks(s)) unblock(s); /* may read more events at once: they make it ready again */
    if (s->head != NULL && !s->ready) {
      s->ready = true;
      s->next_ready = node->events_ready;
      node->events_ready = s;
      node_wake(node);
    }
  }
}

void events_close(interop_node *node) {
  for (interop_subscription *s = node->events_ready, *next; s != NULL; s = next) {
    next = s->next_ready;
    s->ready = false;
    if (s->ended) free(s); /* unsubscribed while waiting for delivery */
  }
  node->events_ready = NULL;
  for (size_t i = 0; i < node->hosted_count; i++) {
    interop_subscription *s = node->hosted[i].subs.head;
    while (s != NULL) {
      interop_subscription *next = s->next;
      discard_all(s);
      free(s);
      s = next;
    }
    node->hosted[i].subs.head = NULL;
  }
  while (node->remote_subs != NULL) {
    interop_subscription *s = node->remote_subs;
    node->remote_subs = s->next;
    discard_all(s);
    free(s);
  }
}
