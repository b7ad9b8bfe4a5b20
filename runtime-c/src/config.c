/* The node config (docs/config.md, schema docs/config.schema.json), read with cJSON: the node's
 * name, the modules it hosts and its limits. Errors name the field and what was expected. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include "node_internal.h"

static const struct {
  const char *name;
  size_t offset;
} LIMITS[] = {
    {"max_frame_bytes", offsetof(interop_limits, max_frame_bytes)},
    {"max_depth", offsetof(interop_limits, max_depth)},
    {"max_in_flight", offsetof(interop_limits, max_in_flight)},
    {"max_event_queue", offsetof(interop_limits, max_event_queue)},
    {"default_deadline_ms", offsetof(interop_limits, default_deadline_ms)},
    {"handshake_timeout_ms", offsetof(interop_limits, handshake_timeout_ms)},
    {"max_target_bytes", offsetof(interop_limits, max_target_bytes)},
};

static char *read_text(const char *config, interop_error *err) {
  if (config == NULL) config = getenv("INTEROP_NODE_CONFIG");
  if (config == NULL) {
    interop_error_set(err, INTEROP_INVALID_ARGUMENT, "no node config: pass one, or set INTEROP_NODE_CONFIG");
    return NULL;
  }
  const char *p = config;
  while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++;
  if (*p == '{') {
    size_t n = strlen(config);
    char *copy = malloc(n + 1);
    if (copy != NULL) memcpy(copy, config, n + 1);
    return copy;
  }
  FILE *f = fopen(config, "rb");
  if (f == NULL) {
    interop_error_set(err, INTEROP_NOT_FOUND, "node config %s: cannot open it", config);
    return NULL;
  }
  char *text = NULL;
  size_t len = 0, cap = 0, n;
  char chunk[4096];
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (len + n + 1 > cap) {
      cap = (len + n + 1) * 2;
      char *bigger = realloc(text, cap);
      if (bigger == NULL) break;
      text = bigger;
    }
    memcpy(text + len, chunk, n);
    len += n;
    text[len] = '\0';
  }
  fclose(f);
  if (text == NULL) interop_error_set(err, INTEROP_INVALID_ARGUMENT, "node config %s is empty", config);
  return text;
}

static int read_limits(interop_node *node, const cJSON *limits, interop_error *err) {
  if (!cJSON_IsObject(limits)) return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "limits: expected an object");
  const cJSON *item;
  cJSON_ArrayForEach(item, limits) {
    if (strcmp(item->string, "event_queue_policy") == 0) {
      const char *v = cJSON_GetStringValue(item);
      if (v != NULL && strcmp(v, "drop_oldest") == 0) node->limits.event_queue_policy = INTEROP_DROP_OLDEST;
      else if (v != NULL && strcmp(v, "drop_newest") == 0) node->limits.event_queue_policy = INTEROP_DROP_NEWEST;
      else if (v != NULL && strcmp(v, "block") == 0) node->limits.event_queue_policy = INTEROP_BLOCK;
      else
        return interop_error_set(err, INTEROP_INVALID_ARGUMENT,
                                 "limits.event_queue_policy: expected \"drop_oldest\", \"drop_newest\" or \"block\"");
      continue;
    }
    size_t i = 0;
    while (i < sizeof LIMITS / sizeof LIMITS[0] && strcmp(LIMITS[i].name, item->string) != 0) i++;
    if (i == sizeof LIMITS / sizeof LIMITS[0])
      return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "limits.%s: unknown limit (docs/wire.md §5 lists them)",
                               item->string);
    double v = cJSON_IsNumber(item) ? item->valuedouble : -1;
    if (v < 1 || v > 4294967295.0 || v != (double)(uint32_t)v)
      return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "limits.%s: expected a positive integer", item->string);
    *(uint32_t *)((char *)&node->limits + LIMITS[i].offset) = (uint32_t)v;
  }
  return INTEROP_OK;
}

/* modules_count is SIZE_MAX when the config does not list modules (host every implementation). */
int node_config(interop_node *node, const char *config, const char **modules, size_t *modules_count,
                char *storage, size_t storage_size, interop_error *err) {
  char *text = read_text(config, err);
  if (text == NULL) return (int)err->code;
  const char *end = NULL;
  cJSON *doc = cJSON_ParseWithOpts(text, &end, true);
  if (doc == NULL) {
    size_t line = 1, col = 1;
    for (const char *p = text; end != NULL && p < end; p++) p[0] == '\n' ? (line++, col = 1) : col++;
    free(text);
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "node config: invalid JSON at line %zu, column %zu", line, col);
  }
  free(text);
  int rc = INTEROP_OK;
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(doc, "node");
  const cJSON *mods = cJSON_GetObjectItemCaseSensitive(doc, "modules");
  const cJSON *limits = cJSON_GetObjectItemCaseSensitive(doc, "limits");
  static const char *const LATER[] = {"listen", "control", "connect", "plugins", "stdio"};
  if (!cJSON_IsObject(doc)) rc = interop_error_set(err, INTEROP_INVALID_ARGUMENT, "node config: expected an object");
  else if (!cJSON_IsString(name) || name->valuestring[0] == '\0')
    rc = interop_error_set(err, INTEROP_INVALID_ARGUMENT, "node: required, a non-empty string");
  else if (limits != NULL) rc = read_limits(node, limits, err);
  for (size_t i = 0; rc == INTEROP_OK && i < sizeof LATER / sizeof LATER[0]; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, LATER[i]);
    if (v != NULL && !cJSON_IsFalse(v) && !(cJSON_IsArray(v) && cJSON_GetArraySize(v) == 0))
      rc = interop_error_set(err, INTEROP_UNIMPLEMENTED,
                             "%s: runtime-c serves modules in-process only so far (docs/c.md \"Status\")", LATER[i]);
  }
  if (rc == INTEROP_OK) snprintf(node->name, sizeof node->name, "%s", name->valuestring);
  *modules_count = SIZE_MAX;
  if (rc == INTEROP_OK && mods != NULL) {
    size_t used = 0, n = 0;
    const cJSON *m;
    if (!cJSON_IsArray(mods)) rc = interop_error_set(err, INTEROP_INVALID_ARGUMENT, "modules: expected an array of module names");
    cJSON_ArrayForEach(m, mods) {
      if (rc != INTEROP_OK) break;
      size_t len = cJSON_IsString(m) ? strlen(m->valuestring) : 0;
      if (len == 0) rc = interop_error_set(err, INTEROP_INVALID_ARGUMENT, "modules[%zu]: expected a module name", n);
      else if (n == 64 || used + len + 1 > storage_size)
        rc = interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "modules: too many for one node");
      else {
        memcpy(storage + used, m->valuestring, len + 1);
        modules[n++] = storage + used;
        used += len + 1;
      }
    }
    *modules_count = n;
  }
  cJSON_Delete(doc);
  return rc;
}
