/* Compatibility tables and the verdict of docs/wire.md §2.2, as runtime-ts/src/wire/compat.ts
 * and runtime-python do it, with the same messages. Key order is code-point order, which is the
 * byte order of UTF-8: strcmp. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "compat.h"

/* ---- shapes (docs/wire.md §2.1) ---- */

static int shape(interop_error *err, const char *where, const char *key, const char *what) {
  return interop_error_set(err, INTEROP_PROTOCOL_ERROR, "%s%s%s: expected %s", where, key[0] ? "." : "", key, what);
}

static int check_texts(const cJSON *v, const char *where, const char *key, interop_error *err) {
  if (!cJSON_IsObject(v)) return shape(err, where, key, "an object of strings");
  const cJSON *x;
  cJSON_ArrayForEach(x, v) if (!cJSON_IsString(x)) return interop_error_set(err, INTEROP_PROTOCOL_ERROR, "%s.%s.%s: expected a string", where, key, x->string);
  return INTEROP_OK;
}

/* A group of entries (functions, events or types) of the table at `where`. */
static int check_entries(const cJSON *table, const char *group, bool uses, const char *where, interop_error *err) {
  const cJSON *entries = cJSON_GetObjectItemCaseSensitive(table, group);
  if (!cJSON_IsObject(entries)) return shape(err, where, group, "an object");
  const cJSON *types = cJSON_GetObjectItemCaseSensitive(table, "types");
  const cJSON *e;
  cJSON_ArrayForEach(e, entries) {
    char at[300];
    snprintf(at, sizeof at, "%s.%s.%s", where, group, e->string);
    if (!cJSON_IsObject(e)) return shape(err, at, "", "an object");
    int rc = check_texts(cJSON_GetObjectItemCaseSensitive(e, "must"), at, "must", err);
    if (rc == INTEROP_OK) rc = check_texts(cJSON_GetObjectItemCaseSensitive(e, "may"), at, "may", err);
    if (rc != INTEROP_OK || !uses) return rc;
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(e, "uses");
    if (!cJSON_IsArray(u)) return shape(err, at, "uses", "an array of strings");
    const cJSON *t;
    cJSON_ArrayForEach(t, u) {
      if (!cJSON_IsString(t)) return shape(err, at, "uses", "an array of strings");
      if (!cJSON_IsObject(types) || cJSON_GetObjectItemCaseSensitive(types, t->valuestring) == NULL)
        return interop_error_set(err, INTEROP_PROTOCOL_ERROR, "%s.uses: type %s is not in types", at, t->valuestring);
    }
  }
  return INTEROP_OK;
}

int compat_check_tables(const cJSON *compat, const char *where, interop_error *err) {
  if (compat == NULL) return INTEROP_OK; /* a peer from before mixed versions sends none */
  if (!cJSON_IsObject(compat)) return shape(err, where, "", "an object");
  const cJSON *table;
  cJSON_ArrayForEach(table, compat) {
    char at[300];
    snprintf(at, sizeof at, "%s.%s", where, table->string);
    if (!cJSON_IsObject(table)) return shape(err, at, "", "an object");
    int rc = check_entries(table, "types", false, at, err);
    if (rc == INTEROP_OK) rc = check_entries(table, "functions", true, at, err);
    if (rc == INTEROP_OK) rc = check_entries(table, "events", true, at, err);
    if (rc != INTEROP_OK) return rc;
  }
  return INTEROP_OK;
}

/* ---- the comparison ---- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static const cJSON *member(const cJSON *obj, const char *key) { return cJSON_GetObjectItemCaseSensitive(obj, key); }

/* The text of `key` in an entry (must, then may), or NULL; *must tells where it was. */
static const char *text_of(const cJSON *entry, const char *key, bool *must) {
  const cJSON *t = member(member(entry, "must"), key);
  *must = t != NULL;
  if (t == NULL) t = member(member(entry, "may"), key);
  return t != NULL ? t->valuestring : NULL;
}

static void quoted(interop_buf *b, const char *text) {
  if (text == NULL) interop_buf_str(b, "absent");
  else interop_json_put_string(b, text, strlen(text));
}

/* The first key on which two entries differ, written as docs/wire.md §2.2 says into `out`
 * (NUL-terminated); false when they agree. */
static bool first_difference(const cJSON *ours, const cJSON *theirs, interop_buf *out) {
  size_t n = 0;
  const cJSON *parts[4] = {member(ours, "must"), member(ours, "may"), member(theirs, "must"), member(theirs, "may")};
  for (int i = 0; i < 4; i++) n += (size_t)cJSON_GetArraySize(parts[i]);
  const char **keys = malloc((n + 1) * sizeof *keys);
  if (keys == NULL) return false;
  n = 0;
  for (int i = 0; i < 4; i++) {
    const cJSON *x;
    cJSON_ArrayForEach(x, parts[i]) keys[n++] = x->string;
  }
  qsort(keys, n, sizeof *keys, cmp_str);
  bool found = false;
  for (size_t i = 0; i < n && !found; i++) {
    if (i > 0 && strcmp(keys[i], keys[i - 1]) == 0) continue;
    bool a_must, b_must;
    const char *a = text_of(ours, keys[i], &a_must), *b = text_of(theirs, keys[i], &b_must);
    found = a != NULL && b != NULL ? strcmp(a, b) != 0 : a != NULL ? a_must : b_must;
    if (!found) continue;
    interop_buf_str(out, keys[i]);
    interop_buf_str(out, " is ");
    quoted(out, a);
    interop_buf_str(out, " here, ");
    quoted(out, b);
    interop_buf_str(out, " on the peer");
    interop_buf_byte(out, '\0');
  }
  free(keys);
  return found;
}

static bool has_string(const cJSON *array, const char *s) {
  const cJSON *x;
  cJSON_ArrayForEach(x, array) if (cJSON_IsString(x) && strcmp(x->valuestring, s) == 0) return true;
  return false;
}

/* The first type both entries use (in code-point order) whose entries differ. */
static bool uses_difference(const cJSON *mine, const cJSON *peer, const cJSON *ours, const cJSON *theirs,
                            interop_buf *out, const char **type) {
  const cJSON *uses = member(mine, "uses");
  size_t n = (size_t)cJSON_GetArraySize(uses), k = 0;
  const char **names = malloc((n + 1) * sizeof *names);
  if (names == NULL) return false;
  const cJSON *x;
  cJSON_ArrayForEach(x, uses) if (cJSON_IsString(x)) names[k++] = x->valuestring;
  qsort(names, k, sizeof *names, cmp_str);
  bool found = false;
  for (size_t i = 0; i < k && !found; i++) {
    const cJSON *a = member(member(ours, "types"), names[i]), *b = member(member(theirs, "types"), names[i]);
    if (a == NULL || b == NULL || !has_string(member(peer, "uses"), names[i])) continue;
    found = first_difference(a, b, out);
    if (found) *type = names[i];
  }
  free(names);
  return found;
}

int compat_verdict(bool event, const char *module, const char *name, const cJSON *ours, const cJSON *theirs,
                   interop_error *err) {
  const char *group = event ? "events" : "functions";
  const cJSON *peer = member(member(theirs, group), name);
  if (peer == NULL) {
    return interop_error_set(err, event ? INTEROP_NOT_FOUND : INTEROP_UNIMPLEMENTED, "%s.%s: the peer's version of %s has no %s %s",
                             module, name, module, event ? "event" : "function", name);
  }
  const cJSON *mine = member(member(ours, group), name);
  if (mine == NULL)
    return interop_error_set(err, INTEROP_SCHEMA_MISMATCH, "%s.%s: not in this side's compatibility table", module, name);
  interop_buf d = INTEROP_BUF_INIT;
  int rc = INTEROP_OK;
  const char *type = NULL;
  if (first_difference(mine, peer, &d)) {
    rc = interop_error_set(err, INTEROP_SCHEMA_MISMATCH, "%s.%s: incompatible with the peer's version: %s.%s %s", module, name,
                           module, name, (const char *)d.data);
  } else if (uses_difference(mine, peer, ours, theirs, &d, &type)) {
    rc = interop_error_set(err, INTEROP_SCHEMA_MISMATCH, "%s.%s: incompatible with the peer's version: %s %s", module, name, type,
                           (const char *)d.data);
  }
  interop_buf_free(&d);
  return rc;
}

/* ---- the tables of this node's modules ---- */

typedef struct compat_cached {
  struct compat_cached *next;
  const interop_module *module;
  cJSON *ir; /* the whole IR; the table is its `compat` */
} compat_cached;

const cJSON *compat_table_of(interop_node *node, const interop_module *m) {
  for (compat_cached *c = node->compat_cache; c != NULL; c = c->next)
    if (c->module == m) return member(c->ir, "compat");
  compat_cached *c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  c->module = m;
  c->ir = m->ir_json != NULL ? cJSON_Parse(m->ir_json) : NULL;
  interop_error ignored;
  const cJSON *table = member(c->ir, "compat");
  /* A descriptor's own table is trusted as much as its code, but a malformed one is left out
   * rather than sent: the peer would refuse the whole handshake. */
  if (table != NULL && (!cJSON_IsObject(table) || check_entries(table, "types", false, m->name, &ignored) != INTEROP_OK ||
                        check_entries(table, "functions", true, m->name, &ignored) != INTEROP_OK ||
                        check_entries(table, "events", true, m->name, &ignored) != INTEROP_OK))
    cJSON_DeleteItemFromObjectCaseSensitive(c->ir, "compat");
  c->next = node->compat_cache;
  node->compat_cache = c;
  return member(c->ir, "compat");
}

void compat_cache_free(interop_node *node) {
  while (node->compat_cache != NULL) {
    compat_cached *c = node->compat_cache;
    node->compat_cache = c->next;
    cJSON_Delete(c->ir);
    free(c);
  }
}

/* ---- canonical JSON of a parsed document ---- */

void compat_write_json(interop_buf *b, const cJSON *v) {
  if (cJSON_IsObject(v)) {
    size_t n = (size_t)cJSON_GetArraySize(v), k = 0;
    const cJSON **items = malloc((n + 1) * sizeof *items);
    if (items == NULL) return;
    const cJSON *x;
    cJSON_ArrayForEach(x, v) items[k++] = x;
    for (size_t i = 1; i < k; i++) /* insertion sort by key: objects here are small */
      for (size_t j = i; j > 0 && strcmp(items[j - 1]->string, items[j]->string) > 0; j--) {
        const cJSON *t = items[j];
        items[j] = items[j - 1], items[j - 1] = t;
      }
    interop_buf_byte(b, '{');
    for (size_t i = 0; i < k; i++) {
      if (i > 0) interop_buf_byte(b, ',');
      interop_json_put_string(b, items[i]->string, strlen(items[i]->string));
      interop_buf_byte(b, ':');
      compat_write_json(b, items[i]);
    }
    interop_buf_byte(b, '}');
    free(items);
  } else if (cJSON_IsArray(v)) {
    interop_buf_byte(b, '[');
    const cJSON *x;
    cJSON_ArrayForEach(x, v) {
      if (x != v->child) interop_buf_byte(b, ',');
      compat_write_json(b, x);
    }
    interop_buf_byte(b, ']');
  } else if (cJSON_IsString(v)) {
    interop_json_put_string(b, v->valuestring, strlen(v->valuestring));
  } else if (cJSON_IsNumber(v)) {
    char text[40];
    if (v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 9007199254740992.0)
      snprintf(text, sizeof text, "%lld", (long long)v->valuedouble);
    else
      text[interop_format_f64(v->valuedouble, text)] = '\0';
    interop_buf_str(b, text);
  } else {
    interop_buf_str(b, cJSON_IsTrue(v) ? "true" : cJSON_IsFalse(v) ? "false" : "null");
  }
}
