/* runtime-c benchmarks (bench/c/README.md): a C↔C round trip over a unix socket against a raw C
 * socket ping-pong of the same bytes, a direct call through the generated stub against a plain
 * indirect C call, and the codecs on the bench shapes. Prints a markdown table.
 * `bench_c serve`: the C server of `npm run bench`'s Haskell → C round trips (bench/rpc/suite-hs.ts). */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>
#include "bench_shapes.h"

static uint64_t now_ns(void) { return uv_hrtime(); }

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, size_t n, double p) {
  qsort(v, n, sizeof *v, cmp_u64);
  return (double)v[(size_t)((double)(n - 1) * p)] / 1000.0;
}

/* ---- the server: echo handlers ---- */
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
static bench_shapes_server server;
static const interop_module_impl *impls[1];

static void init_server(void) {
  static const bench_shapes_handlers h = {.echo_small = echo_small, .echo_nested = echo_nested, .echo_blob = echo_blob};
  bench_shapes_server_init(&server, &h, NULL);
  impls[0] = &server.module_impl;
}

static void on_term(uv_signal_t *s, int n) {
  (void)n;
  interop_node_stop(s->data);
}

/* Serves the shapes on a unix socket until SIGTERM; with `announce`, first prints the ready line
 * of bench/harness/child.ts's protocol (the server child of `npm run bench`'s round trips). */
static int serve(const char *sock, int announce) {
  char config[256];
  snprintf(config, sizeof config, "{\"node\":\"bench-server\",\"listen\":[\"unix:%s\"]}", sock);
  interop_node *node;
  interop_error err;
  if (interop_node_start(config, impls, 1, NULL, &node, &err) != INTEROP_OK) {
    fprintf(stderr, "bench_c: %s\n", err.message);
    return 1;
  }
  uv_signal_t term;
  uv_signal_init(interop_node_loop(node), &term);
  term.data = node;
  uv_signal_start(&term, on_term, SIGTERM);
  if (announce) printf("{\"ready\":true,\"address\":\"unix:%s\"}\n", sock), fflush(stdout);
  interop_node_run(node);
  uv_close((uv_handle_t *)&term, NULL);
  interop_node_close(node);
  return 0;
}

static pid_t spawn_server(const char *sock) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  _exit(serve(sock, 0));
}

static bench_shapes_Small small_value(void) {
  return (bench_shapes_Small){42, INTEROP_STR("sensor-north-7"), true, 21.5, -3};
}

/* ---- raw floor: echo whole frames over a unix socket ---- */
static pid_t spawn_raw_echo(const char *sock) {
  int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
  unlink(sock);
  if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 1) != 0) exit(1);
  pid_t pid = fork();
  if (pid != 0) {
    close(lfd);
    return pid;
  }
  int fd = accept(lfd, NULL, NULL);
  uint8_t buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) _exit(0);
    if (write(fd, buf, (size_t)n) != n) _exit(0);
  }
}

static int connect_unix(const char *sock) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
  for (int i = 0; i < 500; i++) {
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) return fd;
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
  }
  exit(1);
}

static void raw_rtt(const char *sock, size_t frame_len, uint64_t *samples, int n) {
  pid_t pid = spawn_raw_echo(sock);
  int fd = connect_unix(sock);
  uint8_t *frame = calloc(1, frame_len), *back = malloc(frame_len);
  for (int i = -1000; i < n; i++) {
    uint64_t t0 = now_ns();
    if (write(fd, frame, frame_len) != (ssize_t)frame_len) exit(1);
    size_t got = 0;
    while (got < frame_len) {
      ssize_t k = read(fd, back + got, frame_len - got);
      if (k <= 0) exit(1);
      got += (size_t)k;
    }
    if (i >= 0) samples[i] = now_ns() - t0;
  }
  close(fd);
  waitpid(pid, NULL, 0);
  unlink(sock);
  free(frame), free(back);
}

static void ours_rtt(const char *sock, uint64_t *samples, int n) {
  pid_t pid = spawn_server(sock);
  char config[256];
  snprintf(config, sizeof config, "{\"node\":\"bench-client\",\"modules\":[],\"connect\":[{\"address\":\"unix:%s\",\"modules\":[\"bench.shapes\"]}]}", sock);
  interop_node *node;
  interop_error err;
  for (int i = 0; i < 500 && access(sock, F_OK) != 0; i++) {
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
  }
  if (interop_node_start(config, NULL, 0, NULL, &node, &err) != INTEROP_OK) exit(1);
  interop_invoker *client = interop_node_invoker(node, &bench_shapes_module, &err);
  bench_shapes_Small v = small_value(), r;
  interop_arena arena = INTEROP_ARENA_INIT;
  for (int i = -1000; i < n; i++) {
    uint64_t t0 = now_ns();
    if (bench_shapes_echo_small_sync(client, &v, &r, &arena, NULL, &err) != INTEROP_OK) exit(1);
    if (i >= 0) samples[i] = now_ns() - t0;
    if ((i & 63) == 0) interop_arena_free(&arena);
  }
  interop_arena_free(&arena);
  interop_node_close(node);
  kill(pid, SIGTERM);
  waitpid(pid, NULL, 0);
}

/* The bytes of the REQUEST frame the round trip sends, for the raw floor. */
static size_t request_frame_len(void) {
  bench_shapes_echo_small_params p = {small_value()};
  interop_buf b = INTEROP_BUF_INIT;
  interop_error err;
  interop_encode(&bench_shapes_echo_small_params_type, &p, INTEROP_CODEC_MSGPACK, 64, &b, &err);
  size_t n = 18 + strlen("bench.shapes.echoSmall") + b.len;
  interop_buf_free(&b);
  return n;
}

/* ---- direct ---- */
typedef void (*copy_fn)(const bench_shapes_Small *, bench_shapes_Small *);
static void plain_copy(const bench_shapes_Small *v, bench_shapes_Small *r) { *r = *v; }
static volatile copy_fn plain = plain_copy;

static double per_op_ns(uint64_t t0, long n) { return (double)(now_ns() - t0) / (double)n; }

int main(int argc, char **argv) {
  init_server();
  if (argc > 1 && strcmp(argv[1], "serve") == 0) {
    const char *tmp = getenv("TMPDIR");
    char path[108];
    snprintf(path, sizeof path, "%s/c-%d.sock", tmp && *tmp ? tmp : "/tmp", (int)getpid());
    return serve(path, 1);
  }
  int n = argc > 1 ? atoi(argv[1]) : 20000;
  char sock[64];
  snprintf(sock, sizeof sock, "/tmp/interop-bench-c-%d.sock", (int)getpid());
  uint64_t *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
  raw_rtt(sock, request_frame_len(), a, n);
  ours_rtt(sock, b, n);
  double raw50 = pct(a, (size_t)n, 0.5), raw99 = pct(a, (size_t)n, 0.99), our50 = pct(b, (size_t)n, 0.5), our99 = pct(b, (size_t)n, 0.99);

  interop_node *node;
  interop_error err;
  interop_node_start("{\"node\":\"bench-direct\"}", impls, 1, NULL, &node, &err);
  interop_invoker *client = interop_node_invoker(node, &bench_shapes_module, &err);
  bench_shapes_Small v = small_value(), r;
  interop_arena arena = INTEROP_ARENA_INIT;
  long calls = (long)n * 50;
  uint64_t t0 = now_ns();
  for (long i = 0; i < calls; i++) bench_shapes_echo_small_sync(client, &v, &r, &arena, NULL, &err);
  double direct = per_op_ns(t0, calls);
  t0 = now_ns();
  for (long i = 0; i < calls; i++) plain(&v, &r);
  double indirect = per_op_ns(t0, calls);
  interop_arena_free(&arena);
  interop_node_close(node);

  printf("| measure | ours | baseline | ratio | goal |\n|---|---|---|---|---|\n");
  printf("| C↔C round trip over unix, small struct, msgpack (p50 / p99 µs) | %.1f / %.1f | raw C ping-pong of the same bytes: %.1f / %.1f | %.2f× | ≤ 1.2× |\n",
         our50, our99, raw50, raw99, our50 / raw50);
  printf("| direct call through the generated stub (ns/call) | %.1f | plain indirect C call: %.1f | %.1f× | ≤ 2× |\n", direct,
         indirect, direct / indirect);
  const struct {
    const char *name;
    interop_codec codec;
  } codecs[] = {{"msgpack", INTEROP_CODEC_MSGPACK}, {"json", INTEROP_CODEC_JSON}};
  for (int c = 0; c < 2; c++) {
    interop_buf buf = INTEROP_BUF_INIT;
    long reps = (long)n * 20;
    t0 = now_ns();
    for (long i = 0; i < reps; i++) {
      buf.len = 0;
      interop_encode(&bench_shapes_Small_type, &v, codecs[c].codec, 64, &buf, &err);
      interop_decode(&bench_shapes_Small_type, buf.data, buf.len, codecs[c].codec, 64, &arena, &r, &err);
      if ((i & 255) == 0) interop_arena_free(&arena);
    }
    printf("| Small encode+decode, %s (ns/op, %zu bytes) | %.0f | | | |\n", codecs[c].name, buf.len, per_op_ns(t0, reps));
    interop_buf_free(&buf);
    interop_arena_free(&arena);
  }
  free(a), free(b);
  return 0;
}
