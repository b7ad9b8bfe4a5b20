/* What a web listener checks before anything reaches a node (docs/transports.md "Security"), as
 * TS and Python do: the Host header (a page cannot reach a loopback node through a DNS name that
 * rebinds to 127.0.0.1) and the Origin header (a page of another site cannot call a node from a
 * visitor's browser), with the config's web.allowed_hosts and web.allowed_origins; and the TLS
 * context of a dial to wss:// or https:// (its connect entry's ca). */
#include <ctype.h>
#include <stdio.h>
#include <strings.h>
#include "ws.h"

/* The host name of a Host header: no port, no IPv6 brackets, lower case. */
void ws_host_name(const char *host, char *out, size_t cap) {
  const char *end = host[0] == '[' ? strchr(host, ']') : strrchr(host, ':');
  const char *start = host[0] == '[' ? host + 1 : host;
  size_t n = end != NULL ? (size_t)(end - start) : strlen(start);
  snprintf(out, cap, "%.*s", (int)n, start);
  for (char *p = out; *p != '\0'; p++) *p = (char)tolower((unsigned char)*p);
}

static bool listed(const char (*list)[256], size_t count, const char *name) {
  for (size_t i = 0; i < count; i++)
    if (strcasecmp(list[i], name) == 0) return true;
  return false;
}

bool ws_cross_origin_allowed(ws_link *w, const char *origin) {
  return w->node->web.any_origin || listed(w->node->web.origins, w->node->web.origins_count, origin);
}

/* Why a request may not pass (docs/transports.md "Security"), or NULL: its Host must be a loopback
 * name, the listener's host or one of web.allowed_hosts; a page's Origin the listener's own or one
 * of web.allowed_origins. The same checks and words as TS and Python. */
const char *ws_refusal(ws_link *w, const char *host, const char *origin, char *why, size_t cap) {
  char name[256], own[300], bound[256];
  if (host == NULL || host[0] == '\0') return "the request has no Host header";
  ws_host_name(host, name, sizeof name);
  ws_host_name(strstr(w->l->address, "://") + 3, bound, sizeof bound);
  bool bound_any = strcmp(bound, "0.0.0.0") == 0 || strcmp(bound, "::") == 0;
  bool loopback = strcmp(name, "localhost") == 0 || strcmp(name, "127.0.0.1") == 0 || strcmp(name, "::1") == 0;
  if (!loopback && !w->node->web.any_host && (bound_any || strcmp(name, bound) != 0) && !listed(w->node->web.hosts, w->node->web.hosts_count, name)) {
    snprintf(why, cap, "Host \"%s\" is not allowed here: add \"%s\" to web.allowed_hosts in the node config to serve it", host, name);
    return why;
  }
  snprintf(own, sizeof own, "%s://%s", w->tls != NULL ? "https" : "http", host);
  if (origin != NULL && strcasecmp(origin, own) != 0 && !ws_cross_origin_allowed(w, origin)) {
    snprintf(why, cap, "Origin \"%s\" is not allowed here (a page of another site): add it to web.allowed_origins in the node config to let its pages call this node",
             origin);
    return why;
  }
  return NULL;
}

tls_ctx *ws_dial_tls(interop_node *node, const char *address, conn *c, bool *failed) {
  *failed = false;
  if (!ws_is_tls_address(address)) return NULL;
  tls_ctx *ctx = tls_client_ctx(c->link != NULL ? c->link->ca : "", node->dial_why, sizeof node->dial_why);
  *failed = ctx == NULL;
  return ctx;
}
