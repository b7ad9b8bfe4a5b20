/* The control channel (docs/wire.md §7): interop.control.manifest and .health, plain JSON
 * documents in a JSON-codec RESPONSE, served on every connection and on the control endpoint. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include "conn.h"

/* Adds a module's IR, after the IR of every module it imports (each once): imports first. */
static void add_module(cJSON *modules, cJSON *seen, const interop_module *m) {
  if (cJSON_GetObjectItemCaseSensitive(seen, m->name) != NULL) return;
  cJSON_AddTrueToObject(seen, m->name);
  for (uint32_t i = 0; i < m->imports_count; i++) add_module(modules, seen, m->imports[i]);
  cJSON *ir = cJSON_Parse(m->ir_json);
  if (ir != NULL) cJSON_AddItemToArray(modules, ir);
}

static cJSON *manifest(interop_node *node) {
  const interop_limits *l = &node->limits;
  static const char *const POLICIES[] = {"drop_oldest", "drop_newest", "block"};
  cJSON *doc = cJSON_CreateObject();
  cJSON *bundle = cJSON_AddObjectToObject(doc, "bundle");
  cJSON_AddNumberToObject(bundle, "irVersion", 1);
  cJSON *modules = cJSON_AddArrayToObject(bundle, "modules");
  cJSON *roots = cJSON_AddArrayToObject(bundle, "roots");
  cJSON *seen = cJSON_CreateObject();
  for (size_t i = 0; i < node->hosted_count; i++) {
    add_module(modules, seen, node->hosted[i].impl->module);
    cJSON_AddItemToArray(roots, cJSON_CreateString(node->hosted[i].impl->module->name));
  }
  cJSON_Delete(seen);
  cJSON *limits = cJSON_AddObjectToObject(doc, "limits");
  cJSON_AddNumberToObject(limits, "default_deadline_ms", l->default_deadline_ms);
  cJSON_AddStringToObject(limits, "event_queue_policy", POLICIES[l->event_queue_policy]);
  cJSON_AddNumberToObject(limits, "frame_timeout_ms", l->frame_timeout_ms);
  cJSON_AddNumberToObject(limits, "handshake_timeout_ms", l->handshake_timeout_ms);
  cJSON_AddNumberToObject(limits, "idle_timeout_ms", l->idle_timeout_ms);
  cJSON_AddNumberToObject(limits, "max_connections", l->max_connections);
  cJSON_AddNumberToObject(limits, "max_depth", l->max_depth);
  cJSON_AddNumberToObject(limits, "max_event_queue", l->max_event_queue);
  cJSON_AddNumberToObject(limits, "max_frame_bytes", l->max_frame_bytes);
  cJSON_AddNumberToObject(limits, "max_in_flight", l->max_in_flight);
  cJSON_AddNumberToObject(limits, "max_target_bytes", l->max_target_bytes);
  cJSON_AddNumberToObject(limits, "stream_window", l->stream_window);
  cJSON_AddItemToObject(doc, "mixed_versions", versions_report(node));
  cJSON_AddStringToObject(doc, "node", node->name);
  cJSON_AddNumberToObject(doc, "protocol", 1);
  return doc;
}

static cJSON *health(interop_node *node) {
  cJSON *doc = cJSON_CreateObject();
  cJSON_AddNumberToObject(doc, "connections", (double)node->conns_count);
  cJSON *counters = cJSON_AddObjectToObject(doc, "counters");
  for (int i = 0; i < INTEROP_COUNTER_COUNT; i++)
    cJSON_AddNumberToObject(counters, interop_counter_names[i], (double)node->counters[i]);
  cJSON *modules = cJSON_AddArrayToObject(doc, "modules");
  for (size_t i = 0; i < node->hosted_count; i++)
    cJSON_AddItemToArray(modules, cJSON_CreateString(node->hosted[i].impl->module->name));
  cJSON_AddStringToObject(doc, "node", node->name);
  cJSON_AddStringToObject(doc, "status", node->closing ? "closing" : "ok");
  cJSON_AddNumberToObject(doc, "uptime_ms", (double)(uv_now(node->loop) - node->started_ms));
  return doc;
}

bool control_serve(conn *c, const interop_frame *f) {
  static const char PREFIX[] = "interop.control.";
  const char *member = f->target + sizeof PREFIX - 1;
  size_t n = f->target_len - (sizeof PREFIX - 1);
  cJSON *doc = NULL;
  if (n == 8 && memcmp(member, "manifest", 8) == 0) doc = manifest(c->node);
  else if (n == 6 && memcmp(member, "health", 6) == 0) doc = health(c->node);
  if (doc == NULL) {
    interop_error e;
    interop_error_set(&e, INTEROP_UNIMPLEMENTED, "interop.control has no function %.*s", (int)n, member);
    conn_send_error(c, f->correlation, f->target, f->target_len, f->codec, &e);
    return true;
  }
  char *text = cJSON_PrintUnformatted(doc);
  cJSON_Delete(doc);
  interop_frame r = {INTEROP_FRAME_RESPONSE, INTEROP_CODEC_JSON, 0, f->correlation, 0, f->target, f->target_len,
                     (const uint8_t *)text, text != NULL ? strlen(text) : 0};
  conn_send(c, &r);
  free(text);
  return true;
}
