/* The shm transport's Node-API addon (docs/wire.md §9, ADR 0036): what Node cannot do itself.
 * It sets links up over a unix socket (passing the segment and eventfds with SCM_RIGHTS), moves
 * bytes through the rings (runtime-c's ring core, src/shm_ring.c, compiled in as it is), and
 * waits in Node's own event loop: a uv_poll on the eventfd to wake up, a uv_poll on the set-up
 * socket to see the peer die, and a uv_prepare that reads the ring before the loop would block,
 * polling it for a bounded time first (so a quick answer needs no system call on either side)
 * and then sleeping on the eventfd (an idle link costs no CPU). runtime-ts/src/transport/shm.ts
 * wraps it in a ByteChannel; everything above bytes is in JS. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>
#include "interop/shm_ring.h"

#define PUMP_BUDGET_NS 1000000u   /* then the loop serves others before this link reads on */
#define SPINS_SKIPPED 64          /* after a poll that found nothing: sleep at once this many times */

enum { EV_DATA = 0, EV_WRITABLE = 1, EV_CLOSED = 2, EV_BROKEN = 3 }; /* link events for JS */
enum { EV_ACCEPTED = 0, EV_REFUSED = 1 };                              /* listener events */

typedef struct listener listener;

typedef struct shm_link {
  napi_env env;
  napi_ref cb; /* JS (kind, arg) => void, from start() to close */
  napi_async_context actx;
  int sock;
  interop_shm_ring r;
  uv_poll_t sock_poll, wake_poll;
  uv_prepare_t prepare;
  uv_idle_t idle;
  int handles_open;
  uint64_t spin_ns;
  unsigned skip_spins; /* sleeps to come without polling first */
  listener *owner; /* while the set-up message is awaited */
  struct shm_link *next_pending;
  bool ready, started, reading, asleep, waiting_room, closed, js_gone, pumping;
} shm_link;

struct listener {
  napi_env env;
  napi_ref cb;
  napi_async_context actx;
  int fd;
  uv_poll_t poll;
  shm_link *pending;
  bool closed, poll_closed, js_gone;
};

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uv_loop_t *loop_of(napi_env env) {
  uv_loop_t *loop = NULL;
  napi_get_uv_event_loop(env, &loop);
  return loop;
}

/* Calls a JS callback from the loop, as Node's own handles do (microtasks run after it); an
 * exception it throws becomes the process's uncaught exception, as for any event handler. */
static void call_js(napi_env env, napi_ref cb, napi_async_context actx, int argc, napi_value *argv) {
  napi_value fn, recv;
  if (cb == NULL || napi_get_reference_value(env, cb, &fn) != napi_ok || fn == NULL) return;
  napi_get_global(env, &recv); /* napi_make_callback wants an object as `this` */
  if (napi_make_callback(env, actx, recv, fn, (size_t)argc, argv, NULL) == napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
}

static void emit(shm_link *l, int kind, const char *text) {
  napi_handle_scope scope;
  napi_open_handle_scope(l->env, &scope);
  napi_value argv[2];
  napi_create_int32(l->env, kind, &argv[0]);
  if (text != NULL) napi_create_string_utf8(l->env, text, NAPI_AUTO_LENGTH, &argv[1]);
  else napi_get_undefined(l->env, &argv[1]);
  call_js(l->env, l->cb, l->actx, 2, argv);
  napi_close_handle_scope(l->env, scope);
}

/* ---- a link's life ---- */

/* Descriptors and mapping go once the link is closed and its handles are; the struct once JS
 * has dropped its handle too. */
static void maybe_free(shm_link *l) {
  if (l->handles_open > 0 || !l->closed) return;
  interop_shm_ring_close(&l->r);
  if (l->sock >= 0) close(l->sock);
  l->sock = -1;
  if (l->js_gone) free(l);
}

static void on_handle_closed(uv_handle_t *h) {
  shm_link *l = h->data;
  l->handles_open--;
  maybe_free(l);
}

static void close_handle(shm_link *l, uv_handle_t *h) {
  h->data = l;
  l->handles_open++;
  uv_close(h, on_handle_closed);
}

/* Closes the link's handles (its descriptors and mapping go once they are closed); tells JS why,
 * unless JS closed it. The peer sees its set-up socket close. */
static void close_link(shm_link *l, int kind, const char *why) {
  if (l->closed) return;
  l->closed = true;
  if (l->started || l->ready) {
    close_handle(l, (uv_handle_t *)&l->sock_poll);
  }
  if (l->started) {
    close_handle(l, (uv_handle_t *)&l->wake_poll);
    close_handle(l, (uv_handle_t *)&l->prepare);
    close_handle(l, (uv_handle_t *)&l->idle);
  }
  if (why != NULL && l->cb != NULL) emit(l, kind, why);
  if (l->cb != NULL) napi_delete_reference(l->env, l->cb);
  if (l->actx != NULL) napi_async_destroy(l->env, l->actx);
  l->cb = NULL, l->actx = NULL;
  maybe_free(l); /* when it had no handles yet */
}

/* An active idle handle keeps the loop from blocking: the prepare handle then reads on. */
static void on_idle(uv_idle_t *h) { (void)h; }

static void keep_loop_awake(shm_link *l, bool on) {
  if (on) uv_idle_start(&l->idle, on_idle);
  else uv_idle_stop(&l->idle);
}

/* Delivers what the peer wrote, polls the ring for spin_ns once it is empty, then sleeps on the
 * eventfd (docs/wire.md §9.4). Gives the loop back after PUMP_BUDGET_NS or a ring's worth, with an
 * idle handle so the loop does not block before it comes back here. */
static void pump(shm_link *l) {
  if (l->pumping) return;
  l->pumping = true;
  uint64_t start = now_ns(), spun_until = 0;
  bool polled = false;
  size_t taken = 0;
  while (!l->closed && l->reading && !l->asleep) {
    const uint8_t *p;
    ptrdiff_t avail = interop_shm_ring_peek(&l->r, &p);
    if (avail < 0) {
      close_link(l, EV_BROKEN, l->r.error);
      break;
    }
    if (avail > 0) {
      if (taken >= l->r.ring_bytes || now_ns() - start > PUMP_BUDGET_NS) {
        keep_loop_awake(l, true);
        break;
      }
      /* Copied out once, into the buffer JS parses; then the room is given back. */
      napi_handle_scope scope;
      napi_open_handle_scope(l->env, &scope);
      napi_value argv[2];
      napi_create_int32(l->env, EV_DATA, &argv[0]);
      napi_create_buffer_copy(l->env, (size_t)avail, p, NULL, &argv[1]);
      interop_shm_ring_consume(&l->r, (size_t)avail);
      taken += (size_t)avail;
      spun_until = 0, polled = false;
      call_js(l->env, l->cb, l->actx, 2, argv);
      napi_close_handle_scope(l->env, scope);
      continue;
    }
    /* Empty after delivering: what JS did with the data (an answer, the next request) is written
     * from setImmediate, after this phase, and the peer cannot answer what is not sent yet; so
     * give the loop one turn (the idle handle keeps it from blocking) and poll in the next. */
    if (taken > 0) {
      keep_loop_awake(l, true);
      break;
    }
    /* Empty: poll it a little (an answer often comes within microseconds), then sleep. A poll
     * that found nothing says the peer is slow or has no core to run on (a loaded machine, where
     * polling takes the CPU it needs): the next SPINS_SKIPPED waits sleep at once. */
    uint64_t t = now_ns();
    if (spun_until == 0) {
      polled = l->skip_spins == 0 && l->spin_ns > 0;
      if (!polled && l->skip_spins > 0) l->skip_spins--;
      spun_until = polled ? t + l->spin_ns : t;
    }
    if (t < spun_until) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
      continue;
    }
    if (polled) l->skip_spins = SPINS_SKIPPED; /* it found nothing */
    polled = false;
    if (interop_shm_ring_sleep(&l->r)) {
      l->asleep = true;
      uv_prepare_stop(&l->prepare);
      keep_loop_awake(l, false);
    }
  }
  l->pumping = false;
}

static void on_prepare(uv_prepare_t *h) { pump(h->data); }

/* Awake without a wake-up (we wrote, or reading resumed): the prepare handle reads the ring
 * before the loop blocks, so the peer need not wake us meanwhile. */
static void stay_awake(shm_link *l) {
  l->asleep = false;
  __atomic_store_n(l->r.in.reader_sleeping, 0, __ATOMIC_SEQ_CST);
  uv_prepare_start(&l->prepare, on_prepare);
}

/* The peer woke us: for data, or for room after a write that did not fit (then JS writes the rest). */
static void on_wake(uv_poll_t *h, int status, int events) {
  (void)status, (void)events;
  shm_link *l = h->data;
  interop_shm_ring_woken(&l->r);
  if (l->waiting_room && !l->closed) {
    l->waiting_room = false;
    emit(l, EV_WRITABLE, NULL);
  }
  if (l->closed || !l->reading) return;
  stay_awake(l);
  pump(l);
}

/* After set-up nothing more comes on the socket: readable means the peer is gone (or confused).
 * What it wrote into the ring before it died is delivered first. */
static void on_sock_closed(uv_poll_t *h, int status, int events) {
  (void)status, (void)events;
  shm_link *l = h->data;
  char b;
  ssize_t n = recv(l->sock, &b, 1, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (l->reading && !l->closed) {
    l->asleep = false;
    pump(l);
  }
  close_link(l, EV_CLOSED, n == 0 ? "the peer closed the connection"
                         : n > 0  ? "the peer wrote on the shm set-up socket after set-up"
                                  : strerror(errno));
}

static shm_link *link_new(napi_env env, int sock) {
  shm_link *l = calloc(1, sizeof *l);
  if (l == NULL) return NULL;
  l->env = env;
  l->sock = sock;
  interop_shm_ring_init(&l->r);
  return l;
}

static void link_finalize(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  shm_link *l = data;
  l->js_gone = true;
  if (!l->closed) close_link(l, EV_CLOSED, NULL); /* dropped without close: still close it */
  else maybe_free(l);
}

/* ---- JS functions ---- */

static napi_value throw_error(napi_env env, const char *code, const char *msg) {
  napi_throw_error(env, code, msg);
  return NULL;
}

static shm_link *link_arg(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

static napi_value wrap_link(napi_env env, shm_link *l) {
  napi_value ext;
  napi_create_external(env, l, link_finalize, NULL, &ext);
  return ext;
}

static bool path_arg(napi_env env, napi_value v, struct sockaddr_un *sa) {
  size_t n = 0;
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  if (napi_get_value_string_utf8(env, v, sa->sun_path, sizeof sa->sun_path, &n) != napi_ok) return false;
  return n > 0 && n < sizeof sa->sun_path - 1;
}

/* connect(path) → link: connects (a unix socket connects at once or fails), creates the segment
 * and sends it. Errors carry the errno name as their code (ENOENT, ECONNREFUSED, …). */
static napi_value js_connect(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct sockaddr_un sa;
  if (argc < 1 || !path_arg(env, argv[0], &sa)) return throw_error(env, "EINVAL", "shm set-up socket paths must fit 107 bytes");
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_error(env, "EMFILE", strerror(errno));
  struct timeval limit = {5, 0}; /* a unix connect waits only when the listener's backlog is full */
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    int e = errno;
    close(fd);
    const char *code = e == ENOENT ? "ENOENT" : e == ECONNREFUSED ? "ECONNREFUSED" : e == EACCES ? "EACCES" : "ECONNECT";
    return throw_error(env, code, strerror(e));
  }
  shm_link *l = link_new(env, fd);
  if (l == NULL) return close(fd), throw_error(env, "ENOMEM", "out of memory");
  const char *why = interop_shm_ring_create(&l->r, 0);
  if (why == NULL) why = interop_shm_ring_send_setup(&l->r, fd);
  if (why != NULL) {
    l->js_gone = true;
    l->closed = true;
    maybe_free(l);
    return throw_error(env, "ESETUP", why);
  }
  int fl = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, fl | O_NONBLOCK);
  l->ready = true;
  uv_poll_init(loop_of(env), &l->sock_poll, fd);
  l->sock_poll.data = l;
  return wrap_link(env, l);
}

/* start(link, onEvent, spinMicroseconds): events begin (data, writable, closed, broken). */
static napi_value js_start(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], name;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  shm_link *l = argc == 3 ? link_arg(env, argv[0]) : NULL;
  if (l == NULL || l->started || l->closed) return throw_error(env, "EINVAL", "start: not a fresh shm link");
  double spin_us = 0;
  napi_get_value_double(env, argv[2], &spin_us);
  l->spin_ns = spin_us > 0 ? (uint64_t)(spin_us * 1000) : 0;
  napi_create_reference(env, argv[1], 1, &l->cb);
  napi_create_string_utf8(env, "interop.shm", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &l->actx);
  uv_loop_t *loop = loop_of(env);
  l->started = l->reading = true;
  uv_poll_init(loop, &l->wake_poll, l->r.wake_me);
  uv_prepare_init(loop, &l->prepare);
  uv_idle_init(loop, &l->idle);
  l->wake_poll.data = l->prepare.data = l->idle.data = l;
  /* The loop lives while the link does (as with a socket); polling the ring does not keep it. */
  uv_unref((uv_handle_t *)&l->prepare);
  uv_unref((uv_handle_t *)&l->idle);
  uv_poll_start(&l->sock_poll, UV_READABLE | UV_DISCONNECT, on_sock_closed);
  uv_poll_start(&l->wake_poll, UV_READABLE, on_wake);
  uv_prepare_start(&l->prepare, on_prepare);
  return NULL;
}

/* write(link, bytes) → bytes taken now (less when the ring is full: `writable` follows), or -1
 * when the peer's read index is impossible. */
static napi_value js_write(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  shm_link *l = argc == 2 ? link_arg(env, argv[0]) : NULL;
  void *p = NULL;
  size_t n = 0;
  if (l == NULL || napi_get_buffer_info(env, argv[1], &p, &n) != napi_ok) {
    napi_typedarray_type type;
    napi_value ab;
    size_t off;
    if (l == NULL || napi_get_typedarray_info(env, argv[1], &type, &n, &p, &ab, &off) != napi_ok)
      return throw_error(env, "EINVAL", "write: expected a link and bytes");
  }
  ptrdiff_t done = l->closed ? 0 : interop_shm_ring_write(&l->r, p, n);
  if (done >= 0 && (size_t)done < n && !l->closed) l->waiting_room = true;
  /* An answer to what we just sent is best caught by polling the ring before the loop sleeps. */
  if (done > 0 && l->started && l->reading && l->asleep) stay_awake(l);
  napi_create_int64(env, (int64_t)done, &out);
  return out;
}

static napi_value js_reading(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  shm_link *l = argc == 2 ? link_arg(env, argv[0]) : NULL;
  bool on = false;
  if (l == NULL || napi_get_value_bool(env, argv[1], &on) != napi_ok) return throw_error(env, "EINVAL", "reading: expected a link and a boolean");
  if (l->closed || !l->started || l->reading == on) return NULL;
  l->reading = on;
  if (on) {
    stay_awake(l);
  } else {
    /* Not reading: the peer need not wake us (its frames wait in the ring, then in its queue). */
    uv_prepare_stop(&l->prepare);
    uv_idle_stop(&l->idle);
  }
  return NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  shm_link *l = argc == 1 ? link_arg(env, argv[0]) : NULL;
  if (l != NULL) close_link(l, EV_CLOSED, NULL);
  return NULL;
}

/* ---- listening ---- */

static void listener_maybe_free(listener *s) {
  if (s->poll_closed && s->js_gone) free(s);
}

static void on_listener_poll_closed(uv_handle_t *h) {
  listener *s = h->data;
  s->poll_closed = true;
  listener_maybe_free(s);
}

static void unlink_pending(listener *s, shm_link *l) {
  for (shm_link **p = &s->pending; *p != NULL; p = &(*p)->next_pending)
    if (*p == l) {
      *p = l->next_pending;
      break;
    }
  l->owner = NULL;
}

static void listener_emit(listener *s, int kind, napi_value arg) {
  napi_value argv[2];
  napi_create_int32(s->env, kind, &argv[0]);
  argv[1] = arg;
  call_js(s->env, s->cb, s->actx, 2, argv);
}

/* The set-up message of an accepted socket: refused (counted by JS), or a ready link for JS. */
static void on_setup(uv_poll_t *h, int status, int events) {
  (void)events;
  shm_link *l = h->data;
  listener *s = l->owner;
  const char *why = status < 0 ? uv_strerror(status) : interop_shm_ring_receive_setup(&l->r, l->sock);
  if (why != NULL && why[0] == '\0') return; /* not there yet */
  unlink_pending(s, l);
  napi_handle_scope scope;
  napi_open_handle_scope(s->env, &scope);
  napi_value arg;
  if (why != NULL) {
    l->js_gone = true;
    close_link(l, EV_CLOSED, NULL);
    napi_create_string_utf8(s->env, why, NAPI_AUTO_LENGTH, &arg);
    listener_emit(s, EV_REFUSED, arg);
  } else {
    uv_poll_stop(&l->sock_poll);
    listener_emit(s, EV_ACCEPTED, wrap_link(s->env, l));
  }
  napi_close_handle_scope(s->env, scope);
}

static void on_listen_readable(uv_poll_t *h, int status, int events) {
  (void)status, (void)events;
  listener *s = h->data;
  for (;;) {
    int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return; /* EAGAIN, or a peer gone before we accepted it */
    shm_link *l = link_new(s->env, fd);
    if (l == NULL) {
      close(fd);
      continue;
    }
    l->owner = s;
    l->ready = true; /* its sock_poll is live from now on */
    l->next_pending = s->pending;
    s->pending = l;
    uv_poll_init(loop_of(s->env), &l->sock_poll, fd);
    l->sock_poll.data = l;
    uv_poll_start(&l->sock_poll, UV_READABLE | UV_DISCONNECT, on_setup);
  }
}

static void listener_finalize(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  listener *s = data;
  s->js_gone = true;
  listener_maybe_free(s);
}

/* listen(path, onEvent) → listener: binds 0600 (the file must not exist: JS clears a stale one). */
static napi_value js_listen(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], name, ext;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct sockaddr_un sa;
  if (argc < 2 || !path_arg(env, argv[0], &sa)) return throw_error(env, "EINVAL", "shm set-up socket paths must fit 107 bytes");
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_error(env, "EMFILE", strerror(errno));
  mode_t old = umask(0177); /* created 0600, never open to others even for a moment */
  int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
  int e = errno;
  umask(old);
  if (rc != 0 || listen(fd, 511) != 0) {
    if (rc == 0) e = errno;
    close(fd);
    return throw_error(env, e == EADDRINUSE ? "EADDRINUSE" : e == EACCES ? "EACCES" : "ELISTEN", strerror(e));
  }
  listener *s = calloc(1, sizeof *s);
  if (s == NULL) return close(fd), throw_error(env, "ENOMEM", "out of memory");
  s->env = env;
  s->fd = fd;
  napi_create_reference(env, argv[1], 1, &s->cb);
  napi_create_string_utf8(env, "interop.shm.listener", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &s->actx);
  uv_poll_init(loop_of(env), &s->poll, fd);
  s->poll.data = s;
  uv_poll_start(&s->poll, UV_READABLE, on_listen_readable);
  napi_create_external(env, s, listener_finalize, NULL, &ext);
  return ext;
}

/* closeListener(listener): stops accepting; set-ups still waiting for their message are closed. */
static napi_value js_close_listener(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void *p = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], &p) != napi_ok) return throw_error(env, "EINVAL", "closeListener: expected a listener");
  listener *s = p;
  if (s->closed) return NULL;
  s->closed = true;
  while (s->pending != NULL) {
    shm_link *l = s->pending;
    unlink_pending(s, l);
    l->js_gone = true;
    close_link(l, EV_CLOSED, NULL);
  }
  uv_close((uv_handle_t *)&s->poll, on_listener_poll_closed);
  close(s->fd);
  napi_delete_reference(env, s->cb);
  napi_async_destroy(env, s->actx);
  s->cb = NULL;
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"connect", NULL, js_connect, NULL, NULL, NULL, napi_default, NULL},
      {"listen", NULL, js_listen, NULL, NULL, NULL, napi_default, NULL},
      {"closeListener", NULL, js_close_listener, NULL, NULL, NULL, napi_default, NULL},
      {"start", NULL, js_start, NULL, NULL, NULL, napi_default, NULL},
      {"write", NULL, js_write, NULL, NULL, NULL, napi_default, NULL},
      {"reading", NULL, js_reading, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
