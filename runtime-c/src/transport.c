/* Unix sockets, TCP and stdio on libuv (docs/config.md "Addresses"). Unix sockets: the directory
 * is created 0700 if missing, a stale socket file (one nobody listens on) is removed, the socket
 * is made 0600 and removed on close. TCP: TCP_NODELAY; port 0 binds a free port. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <signal.h>
#include <unistd.h>
#include "transport.h"
#include "ws.h"
#include "shm.h"

static bool is_unix(const char *a) { return strncmp(a, "unix:", 5) == 0; }
/* The socket file of unix:/path, or of shm:/path (its set-up socket). */
static const char *socket_path(const char *a) { return is_unix(a) ? a + 5 : a + 4; }
static bool is_tcp(const char *a) { return strncmp(a, "tcp://", 6) == 0; }

/* tcp://host:port → a socket address (numeric hosts, and localhost). */
static int tcp_addr(const char *address, struct sockaddr_storage *out) {
  char host[256];
  const char *hp = address + 6, *colon = strrchr(hp, ':');
  if (colon == NULL) return UV_EINVAL;
  size_t n = (size_t)(colon - hp);
  if (n >= sizeof host) return UV_EINVAL;
  memcpy(host, hp, n);
  host[n] = '\0';
  int port = atoi(colon + 1);
  if (strcmp(host, "localhost") == 0) strcpy(host, "127.0.0.1");
  if (host[0] == '[') { /* [::1] */
    memmove(host, host + 1, strlen(host));
    host[strlen(host) - 1] = '\0';
    return uv_ip6_addr(host, port, (struct sockaddr_in6 *)out);
  }
  return uv_ip4_addr(host, port, (struct sockaddr_in *)out);
}

typedef struct dial_req {
  uv_connect_t req;
  conn *c;
} dial_req;

void transport_dial_failed(conn *c, const char *reason) {
  /* Report through the handshake path: the link fails its waiting calls with UNAVAILABLE. */
  if (c->shm == NULL) c->in_stream->data = c;
  node_add_conn(c->node, c);
  char why[160];
  snprintf(why, sizeof why, "cannot connect: %s", reason);
  interop_error e;
  interop_error_set(&e, INTEROP_UNAVAILABLE, "%s", why);
  if (c->on_open != NULL) c->on_open(c, INTEROP_UNAVAILABLE, &e);
  c->on_open = NULL;
  conn_close(c, why);
}

static void on_connected(uv_connect_t *req, int status) {
  dial_req *d = (dial_req *)req;
  conn *c = d->c;
  free(d);
  if (status != 0) return transport_dial_failed(c, uv_strerror(status));
  if (c->in_stream == (uv_stream_t *)&c->h.tcp) uv_tcp_nodelay(&c->h.tcp, 1);
  conn_start(c);
}

const char *transport_dial(interop_node *node, const char *address, conn *c) {
  if (ws_is_address(address)) return ws_dial(node, address, c);
  if (http_is_address(address)) return http_dial(node, address, c);
  if (shm_is_address(address)) return shm_dial(node, address, c);
  dial_req *d = calloc(1, sizeof *d);
  if (d == NULL) return "out of memory";
  d->c = c;
  int rc;
  if (is_unix(address)) {
    uv_pipe_init(node->loop, &c->h.pipe, 0);
    c->in_stream = (uv_stream_t *)&c->h.pipe;
    uv_pipe_connect(&d->req, &c->h.pipe, address + 5, on_connected);
    return NULL;
  }
  if (is_tcp(address)) {
    struct sockaddr_storage sa;
    if ((rc = tcp_addr(address, &sa)) != 0) {
      free(d);
      return "not a tcp://host:port address with a numeric host";
    }
    uv_tcp_init(node->loop, &c->h.tcp);
    c->in_stream = (uv_stream_t *)&c->h.tcp;
    if ((rc = uv_tcp_connect(&d->req, &c->h.tcp, (const struct sockaddr *)&sa, on_connected)) != 0) {
      free(d);
      return uv_strerror(rc);
    }
    return NULL;
  }
  free(d);
  return "unknown transport (expected unix:/path, shm:/path, tcp://host:port, ws://, wss://, http:// or https://host:port)";
}

static void on_connection(uv_stream_t *server, int status) {
  listener *l = server->data;
  if (status != 0) return;
  conn *c = conn_new(l->node, false);
  if (c == NULL) return;
  c->control_only = l->control_only;
  if (l->shm) {
    if (shm_accept(c, server) != 0) return conn_close(c, "accept failed");
  } else if (l->unix_socket) {
    uv_pipe_init(l->node->loop, &c->h.pipe, 0);
    c->in_stream = (uv_stream_t *)&c->h.pipe;
  } else {
    uv_tcp_init(l->node->loop, &c->h.tcp);
    c->in_stream = (uv_stream_t *)&c->h.tcp;
  }
  if (!l->shm && uv_accept(server, c->in_stream) != 0) return conn_close(c, "accept failed");
  if (!l->unix_socket) uv_tcp_nodelay(&c->h.tcp, 1);
  if (l->open >= l->node->limits.max_connections) {
    /* Refused without waiting for its HELLO; the connections already open are not affected. */
    interop_error e;
    interop_error_set(&e, INTEROP_RESOURCE_EXHAUSTED, "listener %s has max_connections (%u) connections open", l->address,
                      l->node->limits.max_connections);
    node_count(l->node, INTEROP_REJECTED_CONNECTIONS);
    if (!l->shm) c->out_stream = c->in_stream, c->in_stream->data = c;
    node_add_conn(c->node, c);
    conn_send_error(c, 0, "", 0, INTEROP_CODEC_JSON, &e);
    return conn_close_after_flush(c, e.message);
  }
  c->listener = l;
  l->open++;
  conn_start(c);
}

/* Removes a socket file nobody listens on, so a crashed node's leftover does not block a restart. */
static void remove_stale(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISSOCK(st.st_mode)) return;
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno == ECONNREFUSED) unlink(path);
  if (fd >= 0) close(fd);
}

static void free_listener(uv_handle_t *h) {
  listener *l = h->data;
  tls_ctx_free(l->tls);
  free(l);
}

int transport_listen(interop_node *node, const char *address, bool control_only, interop_error *err) {
  if (ws_is_address(address) || http_is_address(address)) return ws_listen(node, address, control_only, err);
  listener *l = calloc(1, sizeof *l);
  if (l == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  l->node = node;
  l->control_only = control_only;
  snprintf(l->address, sizeof l->address, "%s", address);
  int rc;
  uv_stream_t *s;
  if (is_unix(address) || shm_is_address(address)) {
    const char *path = socket_path(address);
    if (strlen(path) > 107) {
      free(l);
      return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s: socket paths must fit 107 bytes", address);
    }
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
      *slash = '\0';
      mkdir(dir, 0700);
    }
    remove_stale(path);
    l->unix_socket = true;
    l->shm = shm_is_address(address);
    snprintf(l->path, sizeof l->path, "%s", path);
    uv_pipe_init(node->loop, &l->h.pipe, 0);
    s = (uv_stream_t *)&l->h.pipe;
    rc = uv_pipe_bind(&l->h.pipe, path);
    if (rc == 0) chmod(path, 0600);
  } else if (is_tcp(address)) {
    struct sockaddr_storage sa;
    if (tcp_addr(address, &sa) != 0) {
      free(l);
      return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s: expected tcp://host:port with a numeric host", address);
    }
    uv_tcp_init(node->loop, &l->h.tcp);
    s = (uv_stream_t *)&l->h.tcp;
    rc = uv_tcp_bind(&l->h.tcp, (const struct sockaddr *)&sa, 0);
  } else {
    free(l);
    return interop_error_set(err, INTEROP_INVALID_ARGUMENT, "%s: unknown transport (expected unix:/path, shm:/path, tcp://host:port, ws://, wss://, http:// or https://host:port)", address);
  }
  s->data = l;
  if (rc == 0) rc = uv_listen(s, 511, on_connection);
  if (rc != 0) {
    uv_close((uv_handle_t *)s, free_listener);
    return interop_error_set(err, INTEROP_UNAVAILABLE, "cannot listen on %s: %s", address, uv_strerror(rc));
  }
  if (!l->unix_socket) {
    struct sockaddr_storage bound;
    int len = sizeof bound;
    uv_tcp_getsockname(&l->h.tcp, (struct sockaddr *)&bound, &len);
    char ip[64];
    if (bound.ss_family == AF_INET6) {
      uv_ip6_name((struct sockaddr_in6 *)&bound, ip, sizeof ip);
      snprintf(l->address, sizeof l->address, "tcp://[%s]:%d", ip, ntohs(((struct sockaddr_in6 *)&bound)->sin6_port));
    } else {
      uv_ip4_name((struct sockaddr_in *)&bound, ip, sizeof ip);
      snprintf(l->address, sizeof l->address, "tcp://%s:%d", ip, ntohs(((struct sockaddr_in *)&bound)->sin_port));
    }
  }
  l->next = node->listeners;
  node->listeners = l;
  return INTEROP_OK;
}

void listeners_close(interop_node *node) {
  while (node->listeners != NULL) {
    listener *l = node->listeners;
    node->listeners = l->next;
    if (l->unix_socket) unlink(l->path);
    uv_close((uv_handle_t *)&l->h, free_listener);
  }
}

int transport_stdio(interop_node *node, node_link *parent, interop_error *err) {
  conn *c = conn_new(node, false);
  if (c == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  c->link = parent;
  parent->conn = c;
  c->on_close = NULL;
  uv_pipe_init(node->loop, &c->h.pipe, 0);
  uv_pipe_init(node->loop, &c->out, 0);
  if (uv_pipe_open(&c->h.pipe, 0) != 0 || uv_pipe_open(&c->out, 1) != 0)
    return interop_error_set(err, INTEROP_UNAVAILABLE, "cannot serve on stdin/stdout");
  c->split = true;
  c->in_stream = (uv_stream_t *)&c->h.pipe;
  c->out_stream = (uv_stream_t *)&c->out;
  c->on_close = link_conn_closed;
  conn_start(c);
  return INTEROP_OK;
}

/* ---- plugins (docs/config.md "Plugins") ---- */

/* Stops a plugin that outlives its link: SIGTERM after the grace period, SIGKILL after another. */
typedef struct stopper {
  uv_timer_t timer;
  uv_process_t *process;
  int stage;
} stopper;

/* A plugin's process and its one owner: its link, or once the link let go of it, its stopper.
 * (Two typed fields, not one `data` pointer read as either: that read a stopper as a link.) */
typedef struct plugin_process {
  uv_process_t handle; /* first: the node_link's `process` points here */
  node_link *link;
  stopper *stopper;
} plugin_process;

static void on_process_closed(uv_handle_t *h) { free(h); }
static void on_stopper_closed(uv_handle_t *h) { free(h->data); }

static void on_exit_cb(uv_process_t *p, int64_t status, int signum) {
  (void)status, (void)signum;
  plugin_process *pp = (plugin_process *)p;
  if (pp->link != NULL) {
    pp->link->process = NULL; /* still owned by its link: respawned by the next call */
  } else if (pp->stopper != NULL) {
    stopper *s = pp->stopper; /* being stopped: the timer is done too */
    uv_timer_stop(&s->timer);
    uv_close((uv_handle_t *)&s->timer, on_stopper_closed);
  }
  uv_close((uv_handle_t *)p, on_process_closed);
}

const char *transport_spawn(node_link *l, conn *c) {
  uv_loop_t *loop = l->node->loop;
  uv_pipe_init(loop, &c->h.pipe, 0); /* the plugin's stdout: we read */
  uv_pipe_init(loop, &c->out, 0);    /* its stdin: we write */
  c->split = true;
  c->in_stream = (uv_stream_t *)&c->h.pipe;
  c->out_stream = (uv_stream_t *)&c->out;
  plugin_process *pp = calloc(1, sizeof *pp);
  if (pp == NULL) return "out of memory";
  uv_process_t *p = &pp->handle;
  uv_stdio_container_t stdio[3] = {
      {.flags = UV_CREATE_PIPE | UV_READABLE_PIPE, .data.stream = (uv_stream_t *)&c->out},
      {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&c->h.pipe},
      {.flags = UV_INHERIT_FD, .data.fd = 2},
  };
  uv_process_options_t o = {.exit_cb = on_exit_cb, .file = l->argv[0], .args = l->argv, .env = l->env,
                            .cwd = l->cwd, .stdio_count = 3, .stdio = stdio};
  int rc = uv_spawn(loop, p, &o);
  if (rc != 0) {
    free(pp);
    conn_start(c); /* then closed at once: the connection owns the pipes */
    conn_close(c, uv_strerror(rc));
    return NULL;
  }
  pp->link = l;
  l->process = p;
  conn_start(c);
  return NULL;
}

static void on_grace(uv_timer_t *t) {
  stopper *s = t->data;
  uv_process_kill(s->process, s->stage++ == 0 ? SIGTERM : SIGKILL);
  if (s->stage > 1) uv_timer_stop(t);
}

void transport_stop_plugin(node_link *l) {
  if (l->process == NULL) return;
  stopper *s = calloc(1, sizeof *s);
  if (s == NULL) return;
  s->process = l->process;
  plugin_process *pp = (plugin_process *)l->process;
  pp->link = NULL;
  pp->stopper = s;
  l->process = NULL;
  uv_timer_init(l->node->loop, &s->timer);
  s->timer.data = s;
  uv_timer_start(&s->timer, on_grace, l->grace_ms, l->grace_ms);
}
