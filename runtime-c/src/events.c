/* In-process events (docs/wire.md §5, docs/config.md "Limits and event queues"): publish() copies
 * the payload (never encodes it) into each subscription's bounded queue; handlers run on later
 * loop turns, one event at a time per subscription, in order. A full queue applies the policy:
 * drop_oldest, drop_newest, and block, which in-process discards the arriving event (a
 * synchronous publish cannot be held). Every discarded event is counted. */
#include <stdlib.h>
#include "node_internal.h"

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
  hosted *hosted;
  uint32_t event;                   /* index in the hosted module's events */
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

int interop_subscribe(interop_invoker *inv, const interop_module *module, uint32_t event,
                      interop_event_handler handler, void *user, interop_subscription **out, interop_error *err) {
  *out = NULL;
  if (strcmp(module->name, inv->module->name) != 0 || event >= module->events_count)
    return interop_error_set(err, INTEROP_NOT_FOUND, "%s has no event #%u here", module->name, event);
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
  interop_subscription **p = &s->hosted->subs.head;
  while (*p != NULL && *p != s) p = &(*p)->next;
  if (*p == s) *p = s->next;
  discard_all(s);
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
    if (s->head != NULL) {
      s->ready = true;
      s->next_ready = node->events_ready;
      node->events_ready = s;
      node_wake(node);
    }
  }
}

void events_close(interop_node *node) {
  for (interop_subscription *s = node->events_ready; s != NULL; s = s->next_ready) s->ready = false;
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
}
