/* Links: how a node reaches modules it does not host (docs/config.md `connect`, `plugins`, and a
 * stdio plugin's parent). A link dials on first use, queues calls until its handshake is done, and
 * dials again after its connection drops. Not installed. */
#ifndef INTEROP_LINKS_H
#define INTEROP_LINKS_H

#include "conn.h"

#define LINK_MAX_MODULES 32
#define LINK_MAX_MEMBER_CODECS 64

/* docs/config.md "Codec per function or event": one member's codec, overriding the link's. */
typedef struct member_codec {
  char target[256]; /* "module.member" */
  interop_codec codec;
} member_codec;

/* A call waiting for the link's connection. */
typedef struct waiting {
  struct waiting *next;
  const interop_module *module;
  const interop_function *fn;
  const void *params;
  void *result;
  interop_answer_decoder decoder; /* decode == NULL: into `result` */
  interop_arena *arena;
  interop_call_options opts;
  interop_done done;
  void *user;
  bool oneway;              /* a one-way call: its arguments were copied into `own` */
  interop_arena own;
} waiting;

struct node_link {
  node_link *next;
  interop_node *node;
  char address[512];        /* unix:/path, tcp://host:port; empty for plugins and a plugin's parent */
  char token[256];
  char ca[512];             /* wss://, https://: a PEM file of certificate authorities to trust */
  interop_codec codec;
  member_codec member_codecs[LINK_MAX_MEMBER_CODECS];
  size_t member_codecs_count;
  char modules[LINK_MAX_MODULES][128];
  size_t modules_count;
  const interop_module *wants[LINK_MAX_MODULES]; /* descriptors of the modules called so far */
  size_t wants_count;
  interop_invoker invokers[LINK_MAX_MODULES];
  conn *conn;               /* open or opening, NULL when none */
  bool parent;              /* a stdio plugin's link to its parent: never dialed */
  waiting *waiting;
  /* plugins[] */
  char **argv;
  char *cwd;
  char **env;
  uint32_t grace_ms;
  uv_process_t *process;
  /* connect entries: redialed after a drop while subscriptions use the link (links.c) */
  uv_timer_t *redial;
  uint32_t backoff_ms;
};

/* The link that reaches `module` (by name), or NULL. */
node_link *links_find(interop_node *node, const char *module);
interop_invoker *link_invoker(node_link *l, const interop_module *module);
int link_invoke(node_link *l, const interop_module *module, const interop_function *fn, const void *params, void *result,
                const interop_answer_decoder *decoder, interop_arena *arena, const interop_call_options *opts,
                interop_done done, void *user);
int link_oneway(node_link *l, const interop_module *module, const interop_function *fn, const void *params, interop_error *err);
void links_close(interop_node *node);
/* A link's connection closed (a plugin's parent gone: the plugin's node stops). */
void link_conn_closed(conn *c);
/* Dials (connect entries) or spawns (plugins). */
void link_open(node_link *l);

#endif
