/* What this side may use of the peer's modules on one connection (docs/wire.md §2.2): a module
 * the peer offers with the same fingerprint entirely, one with another fingerprint function by
 * function and event by event, as the compatibility tables exchanged in the handshake decide.
 * Judged once per member and remembered for the life of the connection; the manifest's
 * `mixed_versions` (§7) lists the result. As runtime-ts/src/node/peer-versions.ts. */
#include <stdlib.h>
#include "compat.h"
#include "links.h"

#define CONTROL_MODULE "interop.control"

typedef struct verdict {
  struct verdict *next;
  const interop_module *module;
  bool event;
  uint32_t code;
  char member[128];
  char message[INTEROP_MESSAGE_MAX];
} verdict;

static const char *peer_fingerprint(const conn *c, const char *module) {
  const cJSON *fp = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c->peer_hs, "offers"), module);
  return cJSON_IsString(fp) ? fp->valuestring : NULL;
}

/* Remembered for the module called last: a call then costs no lookup in the peer's HELLO and no
 * comparison of fingerprints (the handshake, so the answer, is the connection's for its life). */
static bool same_version(conn *c, const interop_module *m) {
  if (c->same_module == m) return true;
  const char *fp = peer_fingerprint(c, m->name);
  bool same = strcmp(m->name, CONTROL_MODULE) == 0 || (fp != NULL && strcmp(fp, m->fingerprint) == 0);
  if (same) c->same_module = m;
  return same;
}

static int judge(conn *c, const interop_module *m, bool event, const char *member, interop_error *err) {
  const char *peer = c->peer[0] ? c->peer : "the peer";
  const char *fp = peer_fingerprint(c, m->name);
  if (fp == NULL) return interop_error_set(err, INTEROP_NOT_FOUND, "%s does not offer module %s", peer, m->name);
  const cJSON *ours = compat_table_of(c->node, m);
  const cJSON *theirs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c->peer_hs, "compat"), m->name);
  if (ours == NULL || theirs == NULL)
    return interop_error_set(err, INTEROP_SCHEMA_MISMATCH,
                             "module %s: this side was generated from %s, %s has %s, and without both compatibility tables nothing can be called",
                             m->name, m->fingerprint, peer, fp);
  return compat_verdict(event, m->name, member, ours, theirs, err);
}

int versions_check(conn *c, const interop_module *m, bool event, const char *member, interop_error *err) {
  if (same_version(c, m)) return INTEROP_OK;
  verdict *v = c->verdicts;
  while (v != NULL && !(v->module == m && v->event == event && strcmp(v->member, member) == 0)) v = v->next;
  if (v == NULL && (v = calloc(1, sizeof *v)) != NULL) {
    interop_error e;
    interop_error_clear(&e);
    v->module = m, v->event = event;
    snprintf(v->member, sizeof v->member, "%s", member);
    v->code = (uint32_t)judge(c, m, event, member, &e);
    memcpy(v->message, e.message, sizeof v->message);
    v->next = c->verdicts;
    c->verdicts = v;
  }
  if (v == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  if (v->code == INTEROP_OK) return INTEROP_OK;
  return interop_error_set(err, v->code, "%s", v->message);
}

void versions_free(conn *c) {
  while (c->verdicts != NULL) {
    verdict *v = c->verdicts;
    c->verdicts = v->next;
    free(v);
  }
  cJSON_Delete(c->peer_hs);
  c->peer_hs = NULL;
}

static cJSON *entry(const conn *c, const char *module, const char *role, const char *ours, const char *theirs) {
  cJSON *e = cJSON_CreateObject();
  cJSON_AddStringToObject(e, "fingerprint", ours);
  cJSON_AddStringToObject(e, "module", module);
  cJSON_AddStringToObject(e, "peer", c->peer);
  cJSON_AddStringToObject(e, "peer_fingerprint", theirs);
  cJSON_AddStringToObject(e, "role", role);
  return e;
}

static void add_unavailable(conn *c, const interop_module *m, cJSON *list, bool event, const char *member) {
  interop_error err;
  if (versions_check(c, m, event, member, &err) == INTEROP_OK) return;
  cJSON *u = cJSON_CreateObject();
  cJSON_AddStringToObject(u, "code", interop_code_name(err.code));
  cJSON_AddStringToObject(u, "kind", event ? "event" : "function");
  cJSON_AddStringToObject(u, "member", member);
  cJSON_AddStringToObject(u, "message", err.message);
  cJSON_AddItemToArray(list, u);
}

static int cmp_members(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* Functions by name, then events by name, that this side cannot use on the peer. */
static cJSON *unavailable(conn *c, const interop_module *m) {
  cJSON *list = cJSON_CreateArray();
  uint32_t n = m->functions_count > m->events_count ? m->functions_count : m->events_count;
  const char **names = malloc((n + 1) * sizeof *names);
  for (int event = 0; event < 2 && names != NULL; event++) {
    uint32_t k = event ? m->events_count : m->functions_count;
    for (uint32_t i = 0; i < k; i++) names[i] = event ? m->events[i].name : m->functions[i].name;
    qsort(names, k, sizeof *names, cmp_members);
    for (uint32_t i = 0; i < k; i++) add_unavailable(c, m, list, event, names[i]);
  }
  free(names);
  return list;
}

static int cmp_entries(const void *a, const void *b) {
  const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
  static const char *const KEYS[] = {"peer", "module", "role"};
  for (int i = 0; i < 3; i++) {
    int d = strcmp(cJSON_GetObjectItem(x, KEYS[i])->valuestring, cJSON_GetObjectItem(y, KEYS[i])->valuestring);
    if (d != 0) return d;
  }
  return 0;
}

cJSON *versions_report(interop_node *node) {
  cJSON *all = cJSON_CreateArray();
  for (conn *c = node->conns; c != NULL; c = c->next) {
    if (c->state != CONN_OPEN || c->peer_hs == NULL) continue;
    for (size_t i = 0; c->link != NULL && i < c->link->wants_count; i++) {
      const interop_module *m = c->link->wants[i];
      const char *fp = peer_fingerprint(c, m->name);
      if (fp == NULL || same_version(c, m)) continue;
      cJSON *e = entry(c, m->name, "calls", m->fingerprint, fp);
      cJSON_AddItemToObject(e, "unavailable", unavailable(c, m));
      cJSON_AddItemToArray(all, e);
    }
    const cJSON *w;
    cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(c->peer_hs, "wants")) {
      for (size_t i = 0; i < node->hosted_count && !c->control_only; i++) {
        const interop_module *m = node->hosted[i].impl->module;
        if (strcmp(m->name, w->string) == 0 && strcmp(m->fingerprint, w->valuestring) != 0)
          cJSON_AddItemToArray(all, entry(c, m->name, "serves", m->fingerprint, w->valuestring));
      }
    }
  }
  /* Sorted by peer, module, role: moved out, sorted, put back. */
  size_t n = (size_t)cJSON_GetArraySize(all);
  cJSON **items = malloc((n + 1) * sizeof *items);
  if (items == NULL) return all;
  for (size_t i = 0; i < n; i++) items[i] = cJSON_DetachItemFromArray(all, 0);
  qsort(items, n, sizeof *items, cmp_entries);
  for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(all, items[i]);
  free(items);
  return all;
}
