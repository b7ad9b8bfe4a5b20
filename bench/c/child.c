/* The C contenders of the round-trip suites (bench/c/suite.ts), speaking the JSON-lines protocol of
 * bench/harness/child.ts:
 *   bench_c_child server       a C node serving bench.shapes (echo handlers), msgpack; BENCH_NET=unix|tcp|ws|http
 *   bench_c_child client       a C node calling echo<Shape> through the generated _sync stubs; BENCH_ADDRESS
 *   bench_c_child raw-server   the floor: echoes whole frames over a plain socket, nothing decoded
 *   bench_c_child raw-client   the floor: writes our request frame's bytes, waits for the whole echo
 *   bench_c_child spin-server  the shm floor: two processes spinning on a shared mapping, the frame
 *   bench_c_child spin-client  copied in and echoed back, no event loop, no wake-ups
 * Servers answer {"ready":true,"address":…} and serve until stdin closes; clients answer
 * {"ready":true}, then {"cmd":"batch","shape":S,"n":N} → {"lat":[ns, …]} (bench/harness/ts-loop.ts). */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include "shapes.h"

static int fail(const char *what) {
  printf("{\"error\":\"%s\"}\n", what);
  fflush(stdout);
  return 1;
}

/* A fresh unix socket path in $TMPDIR (the bench run's own temp dir). */
static void unix_path(char *out, size_t size, const char *name) {
  const char *tmp = getenv("TMPDIR");
  char dir[256];
  snprintf(dir, sizeof dir, "%s/interop-bench-c-XXXXXX", tmp != NULL ? tmp : "/tmp");
  if (mkdtemp(dir) == NULL) snprintf(dir, sizeof dir, "%s", tmp != NULL ? tmp : "/tmp");
  snprintf(out, size, "%s/%s.sock", dir, name);
}

/* The harness's addresses ("unix:PATH", "tcp:PORT", "tcp://HOST:PORT") as a node config address. */
static void config_address(const char *in, char *out, size_t size) {
  if (strncmp(in, "tcp:", 4) == 0 && strncmp(in, "tcp://", 6) != 0) snprintf(out, size, "tcp://127.0.0.1:%s", in + 4);
  else snprintf(out, size, "%s", in);
}

/* Blocks until stdin closes (the harness's stop), then calls stop(arg). */
typedef struct stdin_watch {
  void (*stop)(void *);
  void *arg;
} stdin_watch;

static void *watch_stdin(void *p) {
  stdin_watch *w = p;
  char line[4096];
  while (fgets(line, sizeof line, stdin) != NULL) {
  }
  w->stop(w->arg);
  return NULL;
}

/* ---- ours: a C node serving the echo functions ---- */

static int echo_small(void *impl, interop_call *call, const bench_shapes_Small *v, bench_shapes_Small *r, interop_error *e) {
  (void)impl, (void)call, (void)e;
  *r = *v;
  return INTEROP_OK;
}
static int echo_nested(void *impl, interop_call *call, const bench_shapes_Nested *v, bench_shapes_Nested *r, interop_error *e) {
  (void)impl, (void)call, (void)e;
  *r = *v;
  return INTEROP_OK;
}
static int echo_blob(void *impl, interop_call *call, const bench_shapes_Blob *v, bench_shapes_Blob *r, interop_error *e) {
  (void)impl, (void)call, (void)e;
  *r = *v;
  return INTEROP_OK;
}

/* BENCH_SHM_SPIN_US=N: the node config's shm.spin_us (docs/config.md), else the default. */
static const char *shm_section(void) {
  static char section[64];
  const char *spin = getenv("BENCH_SHM_SPIN_US");
  if (spin == NULL) return "";
  snprintf(section, sizeof section, ",\"shm\":{\"spin_us\":%d}", atoi(spin));
  return section;
}

static void stop_node(void *node) { interop_node_post(node, (void (*)(void *))interop_node_stop, node); }

static int server(void) {
  static const bench_shapes_handlers h = {.echo_small = echo_small, .echo_nested = echo_nested, .echo_blob = echo_blob};
  static bench_shapes_server srv;
  bench_shapes_server_init(&srv, &h, NULL);
  const interop_module_impl *impls[] = {&srv.module_impl};
  const char *net = getenv("BENCH_NET");
  char listen[300], config[512];
  if (net == NULL || strcmp(net, "unix") == 0 || strcmp(net, "shm") == 0) {
    const char *scheme = net != NULL && strcmp(net, "shm") == 0 ? "shm:" : "unix:";
    unix_path(listen, sizeof listen, "ours");
    memmove(listen + strlen(scheme), listen, strlen(listen) + 1);
    memcpy(listen, scheme, strlen(scheme));
  } else if (strcmp(net, "ws") == 0 || strcmp(net, "http") == 0) { /* the web suite (bench/web/suite.ts) */
    snprintf(listen, sizeof listen, "%s://127.0.0.1:0", net);
  } else {
    snprintf(listen, sizeof listen, "tcp://127.0.0.1:0");
  }
  snprintf(config, sizeof config, "{\"node\":\"bench-c-server\",\"listen\":[\"%s\"]%s}", listen, shm_section());
  interop_node *node;
  interop_error err;
  if (interop_node_start(config, impls, 1, NULL, &node, &err) != INTEROP_OK) return fail(err.message);
  printf("{\"ready\":true,\"address\":\"%s\"}\n", interop_node_endpoint(node, 0));
  fflush(stdout);
  stdin_watch w = {stop_node, node};
  pthread_t t;
  pthread_create(&t, NULL, watch_stdin, &w);
  interop_node_run(node);
  pthread_join(t, NULL);
  interop_node_close(node);
  return 0;
}

/* ---- the clients: one loop over the harness's commands ---- */

typedef int (*call_fn)(void *ctx, shape_id shape);

static int run_client(call_fn call, void *ctx) {
  printf("{\"ready\":true}\n");
  fflush(stdout);
  char line[4096];
  while (fgets(line, sizeof line, stdin) != NULL) {
    cJSON *cmd = cJSON_Parse(line);
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(cmd, "shape"), *n = cJSON_GetObjectItemCaseSensitive(cmd, "n");
    shape_id s = cJSON_IsString(shape) ? shape_by_name(shape->valuestring) : SHAPE_COUNT;
    int count = cJSON_IsNumber(n) ? n->valueint : 0;
    cJSON_Delete(cmd);
    if (s == SHAPE_COUNT || count <= 0) return fail("expected {\"cmd\":\"batch\",\"shape\":…,\"n\":…}");
    uint64_t *lat = malloc((size_t)count * sizeof *lat);
    for (int i = 0; i < count; i++) {
      uint64_t t0 = bench_now_ns();
      if (call(ctx, s) != 0) return free(lat), fail("call failed");
      lat[i] = bench_now_ns() - t0;
    }
    fputs("{\"lat\":[", stdout);
    for (int i = 0; i < count; i++) printf(i ? ",%llu" : "%llu", (unsigned long long)lat[i]);
    fputs("]}\n", stdout);
    fflush(stdout);
    free(lat);
  }
  return 0;
}

typedef struct ours_client {
  interop_invoker *invoker;
  interop_arena arena;
} ours_client;

static int ours_call(void *p, shape_id s) {
  ours_client *c = p;
  interop_error err;
  int rc;
  if (s == SHAPE_SMALL) {
    bench_shapes_Small r;
    rc = bench_shapes_echo_small_sync(c->invoker, shape_small(), &r, &c->arena, NULL, &err);
  } else if (s == SHAPE_NESTED) {
    bench_shapes_Nested r;
    rc = bench_shapes_echo_nested_sync(c->invoker, shape_nested(), &r, &c->arena, NULL, &err);
  } else {
    bench_shapes_Blob r;
    rc = bench_shapes_echo_blob_sync(c->invoker, shape_blob(), &r, &c->arena, NULL, &err);
  }
  interop_arena_free(&c->arena); /* the result is dropped at once, as the other clients do */
  if (rc != INTEROP_OK) fprintf(stderr, "bench_c_child: %s\n", err.message);
  return rc;
}

static int client(void) {
  const char *address = getenv("BENCH_ADDRESS");
  if (address == NULL) return fail("BENCH_ADDRESS is not set");
  char addr[300], config[512];
  config_address(address, addr, sizeof addr);
  snprintf(config, sizeof config,
           "{\"node\":\"bench-c-client\",\"connect\":[{\"address\":\"%s\",\"codec\":\"msgpack\",\"modules\":[\"bench.shapes\"]}]%s}", addr,
           shm_section());
  interop_node *node;
  interop_error err;
  if (interop_node_start(config, NULL, 0, NULL, &node, &err) != INTEROP_OK) return fail(err.message);
  ours_client c = {interop_node_invoker(node, &bench_shapes_module, &err), INTEROP_ARENA_INIT};
  if (c.invoker == NULL) return fail(err.message);
  int rc = run_client(ours_call, &c);
  interop_node_close(node);
  return rc;
}

/* ---- the floor: a plain socket ping-pong of the same bytes ---- */

static int read_full(int fd, uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t k = read(fd, p, n);
    if (k <= 0) return -1;
    p += k, n -= (size_t)k;
  }
  return 0;
}

static int write_full(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k <= 0) return -1;
    p += k, n -= (size_t)k;
  }
  return 0;
}

static void nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Echoes whole frames (u32 LE length + body, docs/wire.md §1) until the peer closes. */
static void *echo_frames(void *p) {
  int fd = (int)(intptr_t)p;
  uint8_t *buf = malloc(4 + (8u << 20));
  for (;;) {
    if (read_full(fd, buf, 4) != 0) break;
    uint32_t len = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24;
    if (len > (8u << 20) || read_full(fd, buf + 4, len) != 0 || write_full(fd, buf, 4 + len) != 0) break;
  }
  free(buf);
  close(fd);
  return NULL;
}

static char raw_path[300];
static void raw_stop(void *arg) {
  (void)arg;
  if (raw_path[0] != '\0') unlink(raw_path);
  exit(0);
}

static int raw_server(void) {
  const char *net = getenv("BENCH_NET");
  int lfd;
  char address[320];
  if (net == NULL || strcmp(net, "unix") == 0) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    unix_path(raw_path, sizeof raw_path, "raw");
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", raw_path);
    lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0) return fail("bind");
    snprintf(address, sizeof address, "unix:%s", raw_path);
  } else {
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || getsockname(lfd, (struct sockaddr *)&sa, &len) != 0) return fail("bind");
    snprintf(address, sizeof address, "tcp:%u", ntohs(sa.sin_port));
  }
  if (listen(lfd, 16) != 0) return fail("listen");
  printf("{\"ready\":true,\"address\":\"%s\"}\n", address);
  fflush(stdout);
  stdin_watch w = {raw_stop, NULL};
  pthread_t t;
  pthread_create(&t, NULL, watch_stdin, &w);
  for (;;) {
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) continue;
    if (net != NULL && strcmp(net, "tcp") == 0) nodelay(fd);
    pthread_t echo;
    pthread_create(&echo, NULL, echo_frames, (void *)(intptr_t)fd);
    pthread_detach(echo);
  }
}

/* The REQUEST frame our client sends for a shape (docs/wire.md §1): the floor sends these bytes. */
static void request_frame(shape_id s, interop_buf *frame) {
  static const char *const targets[] = {"bench.shapes.echoSmall", "bench.shapes.echoNested", "bench.shapes.echoBlob"};
  static const interop_type *const params[] = {&bench_shapes_echo_small_params_type, &bench_shapes_echo_nested_params_type,
                                               &bench_shapes_echo_blob_params_type};
  interop_buf payload = INTEROP_BUF_INIT;
  interop_error err;
  interop_encode(params[s], shape_value(s), INTEROP_CODEC_MSGPACK, INTEROP_DEFAULT_MAX_DEPTH, &payload, &err);
  size_t target = strlen(targets[s]), len = 14 + target + payload.len;
  uint8_t head[18] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24), 3, 2, 0, 0, 1, 0, 0, 0,
                      0, 0, 0, 0, (uint8_t)target, (uint8_t)(target >> 8)};
  interop_buf_put(frame, head, sizeof head);
  interop_buf_put(frame, targets[s], target);
  interop_buf_put(frame, payload.data, payload.len);
  interop_buf_free(&payload);
}

typedef struct raw_client {
  int fd;
  interop_buf frames[SHAPE_COUNT];
  uint8_t *back;
} raw_client;

static int raw_call(void *p, shape_id s) {
  raw_client *c = p;
  if (c->frames[s].len == 0) request_frame(s, &c->frames[s]);
  if (write_full(c->fd, c->frames[s].data, c->frames[s].len) != 0) return -1;
  return read_full(c->fd, c->back, c->frames[s].len);
}

static int raw_client_main(void) {
  const char *address = getenv("BENCH_ADDRESS");
  if (address == NULL) return fail("BENCH_ADDRESS is not set");
  raw_client c = {.back = malloc(4 + (8u << 20))};
  if (strncmp(address, "unix:", 5) == 0) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", address + 5);
    c.fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(c.fd, (struct sockaddr *)&sa, sizeof sa) != 0) return fail("connect");
  } else {
    const char *port = strrchr(address, ':') + 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    c.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c.fd, (struct sockaddr *)&sa, sizeof sa) != 0) return fail("connect");
    nodelay(c.fd);
  }
  for (int s = 0; s < SHAPE_COUNT; s++) c.frames[s] = (interop_buf)INTEROP_BUF_INIT;
  int rc = run_client(raw_call, &c);
  for (int s = 0; s < SHAPE_COUNT; s++) interop_buf_free(&c.frames[s]);
  free(c.back);
  close(c.fd);
  return rc;
}

/* ---- the shm floor: a spin ping-pong on a shared mapping (a file in $TMPDIR) ---- */

#define SPIN_DATA (8u << 20)
typedef struct spin_area {
  uint64_t request;       /* bumped by the client once a request is in `ask` */
  char pad1[56];
  uint64_t answer;        /* set to `request` by the server once it is echoed in `back` */
  char pad2[56];
  uint32_t len;
} spin_area;

static spin_area *spin_map(const char *path, bool create) {
  int fd = open(path, create ? O_RDWR | O_CREAT | O_TRUNC : O_RDWR, 0600);
  if (fd < 0 || (create && ftruncate(fd, 4096 + 2 * (off_t)SPIN_DATA) != 0)) return NULL;
  void *p = mmap(NULL, 4096 + 2 * (size_t)SPIN_DATA, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  return p == MAP_FAILED ? NULL : p;
}

static uint8_t *spin_ask(spin_area *a) { return (uint8_t *)a + 4096; }
static uint8_t *spin_back(spin_area *a) { return (uint8_t *)a + 4096 + SPIN_DATA; }

static int spin_server(void) {
  unix_path(raw_path, sizeof raw_path, "spin");
  spin_area *a = spin_map(raw_path, true);
  if (a == NULL) return fail("cannot map the spin area");
  printf("{\"ready\":true,\"address\":\"spin:%s\"}\n", raw_path);
  fflush(stdout);
  stdin_watch w = {raw_stop, NULL};
  pthread_t t;
  pthread_create(&t, NULL, watch_stdin, &w);
  uint64_t seen = 0, last = bench_now_ns();
  for (;;) {
    uint64_t r = __atomic_load_n(&a->request, __ATOMIC_ACQUIRE);
    if (r == seen) { /* spins while busy; 1 ms after the last request it naps, not to slow the others */
      if (bench_now_ns() - last > 1000000u) nanosleep(&(struct timespec){0, 200000}, NULL);
      continue;
    }
    last = bench_now_ns();
    memcpy(spin_back(a), spin_ask(a), a->len);
    seen = r;
    __atomic_store_n(&a->answer, r, __ATOMIC_RELEASE);
  }
}

typedef struct spin_client {
  spin_area *a;
  interop_buf frames[SHAPE_COUNT];
  uint8_t *back;
  uint64_t seq;
} spin_client;

static int spin_call(void *p, shape_id s) {
  spin_client *c = p;
  if (c->frames[s].len == 0) request_frame(s, &c->frames[s]);
  memcpy(spin_ask(c->a), c->frames[s].data, c->frames[s].len);
  c->a->len = (uint32_t)c->frames[s].len;
  __atomic_store_n(&c->a->request, ++c->seq, __ATOMIC_RELEASE);
  while (__atomic_load_n(&c->a->answer, __ATOMIC_ACQUIRE) != c->seq) continue;
  memcpy(c->back, spin_back(c->a), c->frames[s].len);
  return 0;
}

static int spin_client_main(void) {
  const char *address = getenv("BENCH_ADDRESS");
  if (address == NULL || strncmp(address, "spin:", 5) != 0) return fail("BENCH_ADDRESS is not a spin: address");
  spin_client c = {.a = spin_map(address + 5, false), .back = malloc(SPIN_DATA)};
  if (c.a == NULL) return fail("cannot map the spin area");
  for (int s = 0; s < SHAPE_COUNT; s++) c.frames[s] = (interop_buf)INTEROP_BUF_INIT;
  int rc = run_client(spin_call, &c);
  for (int s = 0; s < SHAPE_COUNT; s++) interop_buf_free(&c.frames[s]);
  free(c.back);
  return rc;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "server") == 0) return server();
  if (strcmp(mode, "client") == 0) return client();
  if (strcmp(mode, "raw-server") == 0) return raw_server();
  if (strcmp(mode, "raw-client") == 0) return raw_client_main();
  if (strcmp(mode, "spin-server") == 0) return spin_server();
  if (strcmp(mode, "spin-client") == 0) return spin_client_main();
  fprintf(stderr, "usage: bench_c_child server|client|raw-server|raw-client|spin-server|spin-client (bench/c/suite.ts runs it)\n");
  return 2;
}
