/* The node config (docs/config.md, schema docs/config.schema.json), read with cJSON: the node's
 * name, the modules it hosts and its limits. Errors name the field and what was expected. */
#include <ctype.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include "links.h"
#include "transport.h"

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
    {"max_connections", offsetof(interop_limits, max_connections)},
    {"idle_timeout_ms", offsetof(interop_limits, idle_timeout_ms)},
    {"frame_timeout_ms", offsetof(interop_limits, frame_timeout_ms)},
    {"stream_window", offsetof(interop_limits, stream_window)},
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

static const char *string_field(const cJSON *o, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A codec a link may send in: "json", "msgpack", "protobuf" or "flatbuffers"; -1 for anything else. */
static int link_codec(const cJSON *v) {
  const char *s = cJSON_GetStringValue(v);
  int codec = s != NULL ? interop_codec_from_name(s) : -1;
  return codec == INTEROP_CODEC_NONE ? -1 : codec;
}

/* `member_codecs` (docs/config.md "Codec per function or event"): "module.member" of one of the
 * entry's modules -> a codec. Whether the member exists is seen when it is called: the config
 * reader has no descriptors. */
static int read_member_codecs(node_link *l, const cJSON *o, const char *where, interop_error *err) {
  const cJSON *mc = cJSON_GetObjectItemCaseSensitive(o, "member_codecs"), *e;
  if (mc == NULL) return INTEROP_OK;
  if (!cJSON_IsObject(mc))
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s.member_codecs: expected an object of \"module.member\": codec", where);
  cJSON_ArrayForEach(e, mc) {
    bool ours = false;
    for (size_t i = 0; i < l->modules_count && !ours; i++) {
      size_t n = strlen(l->modules[i]);
      ours = strncmp(e->string, l->modules[i], n) == 0 && e->string[n] == '.' && e->string[n + 1] != '\0' &&
             strchr(e->string + n + 1, '.') == NULL;
    }
    if (!ours)
      return interop_error_set(err, INTEROP_INVALID_ARGUMENT,
                               "%s.member_codecs[\"%s\"]: \"%s\" is not a member of this entry's modules (write \"module.function\" or \"module.event\")",
                               where, e->string, e->string);
    int codec = link_codec(e);
    if (codec < 0)
      return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s.member_codecs[\"%s\"]: expected \"json\", \"msgpack\", \"protobuf\" or \"flatbuffers\"", where, e->string);
    if (l->member_codecs_count == LINK_MAX_MEMBER_CODECS || strlen(e->string) >= sizeof l->member_codecs[0].target)
      return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s.member_codecs: at most %d entries of at most 255 bytes", where, LINK_MAX_MEMBER_CODECS);
    member_codec *m = &l->member_codecs[l->member_codecs_count++];
    snprintf(m->target, sizeof m->target, "%s", e->string);
    m->codec = (interop_codec)codec;
  }
  return INTEROP_OK;
}

/* A link's `modules` (required) and `codec`, `member_codecs`, `token` (optional). */
static int read_link(node_link *l, const cJSON *o, const char *where, interop_error *err) {
  const cJSON *mods = cJSON_GetObjectItemCaseSensitive(o, "modules"), *m;
  if (!cJSON_IsArray(mods) || cJSON_GetArraySize(mods) == 0)
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s.modules: required, a non-empty array of module names", where);
  cJSON_ArrayForEach(m, mods) {
    if (!cJSON_IsString(m) || l->modules_count == LINK_MAX_MODULES)
      return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s.modules: expected module names", where);
    snprintf(l->modules[l->modules_count++], sizeof l->modules[0], "%s", m->valuestring);
  }
  const cJSON *codec = cJSON_GetObjectItemCaseSensitive(o, "codec");
  int chosen = codec == NULL ? INTEROP_CODEC_MSGPACK : link_codec(codec);
  if (chosen < 0)
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s.codec: expected \"json\", \"msgpack\", \"protobuf\" or \"flatbuffers\"", where);
  l->codec = (interop_codec)chosen;
  int rc = read_member_codecs(l, o, where, err);
  if (rc != INTEROP_OK) return rc;
  const char *token = string_field(o, "token"), *ca = string_field(o, "ca");
  if (token != NULL) snprintf(l->token, sizeof l->token, "%s", token);
  if (ca != NULL) snprintf(l->ca, sizeof l->ca, "%s", ca);
  return INTEROP_OK;
}

static char *dup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p != NULL) memcpy(p, s, n);
  return p;
}

/* A plugin's command, cwd, env (added to ours) and grace period. */
static int read_plugin(node_link *l, const cJSON *o, const char *where, interop_error *err) {
  const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(o, "command"), *a;
  int n = cJSON_GetArraySize(cmd);
  if (!cJSON_IsArray(cmd) || n == 0)
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s.command: required, an array (program and arguments)", where);
  l->argv = calloc((size_t)n + 1, sizeof *l->argv);
  int i = 0;
  cJSON_ArrayForEach(a, cmd) {
    if (!cJSON_IsString(a)) return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s.command[%d]: expected a string", where, i);
    l->argv[i++] = dup(a->valuestring);
  }
  const char *cwd = string_field(o, "cwd");
  if (cwd != NULL) l->cwd = dup(cwd);
  extern char **environ;
  const cJSON *env = cJSON_GetObjectItemCaseSensitive(o, "env"), *e;
  /* Checked before use: an array's items have no names, and a value must be a string. */
  if (env != NULL && !cJSON_IsObject(env))
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s.env: expected an object of NAME: value strings", where);
  cJSON_ArrayForEach(e, env) {
    if (!cJSON_IsString(e)) return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s.env.%s: expected a string", where, e->string);
  }
  size_t count = 0;
  while (environ[count] != NULL) count++;
  l->env = calloc(count + (size_t)cJSON_GetArraySize(env) + 1, sizeof *l->env);
  size_t k = 0;
  for (size_t j = 0; j < count; j++) {
    bool replaced = false;
    cJSON_ArrayForEach(e, env) {
      size_t len = strlen(e->string);
      replaced |= strncmp(environ[j], e->string, len) == 0 && environ[j][len] == '=';
    }
    if (!replaced) l->env[k++] = dup(environ[j]);
  }
  cJSON_ArrayForEach(e, env) {
    char *kv = malloc(strlen(e->string) + strlen(e->valuestring) + 2);
    if (kv != NULL) sprintf(kv, "%s=%s", e->string, e->valuestring);
    l->env[k++] = kv;
  }
  const cJSON *grace = cJSON_GetObjectItemCaseSensitive(o, "shutdown_grace_ms");
  l->grace_ms = cJSON_IsNumber(grace) && grace->valuedouble > 0 ? (uint32_t)grace->valuedouble : 2000;
  return INTEROP_OK;
}

static node_link *new_link(interop_node *node) {
  node_link *l = calloc(1, sizeof *l);
  if (l == NULL) return NULL;
  l->node = node;
  l->codec = INTEROP_CODEC_MSGPACK;
  l->next = node->links;
  node->links = l;
  return l;
}

/* One list of web: names, lower case (origins without a trailing slash); "*" allows any. */
static int read_allowed(const cJSON *web, const char *key, char list[][256], size_t *count, bool *any, interop_error *err) {
  const cJSON *items = cJSON_GetObjectItemCaseSensitive(web, key), *v;
  if (items == NULL) return INTEROP_OK;
  if (!cJSON_IsArray(items)) return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "web.%s: expected an array of strings", key);
  cJSON_ArrayForEach(v, items) {
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= 256)
      return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "web.%s: expected strings (of fewer than 256 bytes)", key);
    if (*count == WEB_ALLOWED_MAX)
      return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "web.%s: at most %d entries (use \"*\" to allow any)", key, WEB_ALLOWED_MAX);
    if (strcmp(v->valuestring, "*") == 0) *any = true;
    char *e = list[(*count)++];
    size_t n = strlen(v->valuestring);
    while (strcmp(key, "allowed_origins") == 0 && n > 0 && v->valuestring[n - 1] == '/') n--;
    for (size_t i = 0; i < n; i++) e[i] = (char)tolower((unsigned char)v->valuestring[i]);
    e[n] = '\0';
  }
  return INTEROP_OK;
}

/* The web section (docs/config.md): allowed hosts and origins of web listeners. */
static int read_web(interop_node *node, const cJSON *web, interop_error *err) {
  if (web == NULL) return INTEROP_OK;
  if (!cJSON_IsObject(web)) return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "web: expected an object");
  if (cJSON_GetObjectItemCaseSensitive(web, "static") != NULL)
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "web.static: runtime-c serves no static files; serve the page from a TS or Python node");
  int rc = read_allowed(web, "allowed_hosts", node->web.hosts, &node->web.hosts_count, &node->web.any_host, err);
  if (rc == INTEROP_OK) rc = read_allowed(web, "allowed_origins", node->web.origins, &node->web.origins_count, &node->web.any_origin, err);
  return rc;
}

/* The shm section (docs/config.md): how long a link polls its ring after traffic (ADR 0034). */
static int read_shm(interop_node *node, const cJSON *shm, interop_error *err) {
  if (shm == NULL) return INTEROP_OK;
  const cJSON *spin = cJSON_GetObjectItemCaseSensitive(shm, "spin_us");
  if (!cJSON_IsObject(shm) || (shm->child != NULL && (spin == NULL || shm->child->next != NULL)))
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "shm: expected {\"spin_us\": microseconds}");
  if (spin == NULL) return INTEROP_OK;
  if (!cJSON_IsNumber(spin) || spin->valuedouble < 0 || spin->valuedouble > INTEROP_SHM_SPIN_US_MAX ||
      spin->valuedouble != (double)(uint32_t)spin->valuedouble)
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "shm.spin_us: expected an integer from 0 to %u", INTEROP_SHM_SPIN_US_MAX);
  node->shm.spin_ns = (uint64_t)spin->valuedouble * 1000u;
  return INTEROP_OK;
}

static int read_endpoints(interop_node *node, const cJSON *doc, interop_error *err) {
  const cJSON *listen = cJSON_GetObjectItemCaseSensitive(doc, "listen"), *v;
  if (listen != NULL && !cJSON_IsArray(listen))
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "listen: expected an array of addresses");
  cJSON_ArrayForEach(v, listen) {
    if (!cJSON_IsString(v) || node->listen_count == 8)
      return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "listen[%zu]: expected an address", node->listen_count);
    snprintf(node->listen[node->listen_count++], sizeof node->listen[0], "%s", v->valuestring);
  }
  const char *control = string_field(doc, "control"), *token = string_field(doc, "token");
  if (control != NULL) snprintf(node->control, sizeof node->control, "%s", control);
  if (token != NULL) snprintf(node->token, sizeof node->token, "%s", token);
  node->stdio = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "stdio"));
  int web = read_web(node, cJSON_GetObjectItemCaseSensitive(doc, "web"), err);
  if (web == INTEROP_OK) web = read_shm(node, cJSON_GetObjectItemCaseSensitive(doc, "shm"), err);
  if (web != INTEROP_OK) return web;
  const cJSON *tls = cJSON_GetObjectItemCaseSensitive(doc, "tls");
  if (tls != NULL) {
    const char *cert = string_field(tls, "cert"), *key = string_field(tls, "key");
    if (!cJSON_IsObject(tls) || cert == NULL || key == NULL)
      return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "tls: expected {\"cert\": \"cert.pem\", \"key\": \"key.pem\"} (PEM files)");
    snprintf(node->tls_cert, sizeof node->tls_cert, "%s", cert);
    snprintf(node->tls_key, sizeof node->tls_key, "%s", key);
  }
  char where[64];
  int i = 0, rc;
  cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(doc, "connect")) {
    snprintf(where, sizeof where, "connect[%d]", i++);
    node_link *l = new_link(node);
    const char *address = string_field(v, "address");
    if (l == NULL || address == NULL) return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s.address: required", where);
    snprintf(l->address, sizeof l->address, "%s", address);
    if ((rc = read_link(l, v, where, err)) != INTEROP_OK) return rc;
  }
  i = 0;
  cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(doc, "plugins")) {
    snprintf(where, sizeof where, "plugins[%d]", i++);
    node_link *l = new_link(node);
    if (l == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
    if ((rc = read_link(l, v, where, err)) != INTEROP_OK || (rc = read_plugin(l, v, where, err)) != INTEROP_OK) return rc;
  }
  if (node->stdio) {
    node_link *parent = new_link(node);
    if (parent == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
    parent->parent = true;
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

  if (!cJSON_IsObject(doc)) rc = interop_error_set(err, INTEROP_INVALID_ARGUMENT, "node config: expected an object");
  else if (!cJSON_IsString(name) || name->valuestring[0] == '\0')
    rc = interop_error_set(err, INTEROP_INVALID_ARGUMENT, "node: required, a non-empty string");
  else if (limits != NULL) rc = read_limits(node, limits, err);
  if (rc == INTEROP_OK) rc = read_endpoints(node, doc, err);
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
