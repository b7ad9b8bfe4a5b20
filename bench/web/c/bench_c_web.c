/* runtime-c's C↔C round trip (echo of the small struct, msgpack, one call at a time) over each of
 * its transports in the same run: unix and tcp, and the web ones, ws (WebSocket, wslay) and http
 * (HTTP requests, http-parser). The server is a child process; p50 and p99 in µs, and each
 * transport's ratio to unix. bench/web/c/run.sh builds and runs it. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>
#include "bench_shapes.h"

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, size_t n, double p) {
  qsort(v, n, sizeof *v, cmp_u64);
  return (double)v[(size_t)((double)(n - 1) * p)] / 1000.0;
}

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

static void on_term(uv_signal_t *s, int n) {
  (void)n;
  interop_node_stop(s->data);
}

/* The server child: serves the shapes on `address` until SIGTERM. */
static int serve(const char *address) {
  static const bench_shapes_handlers h = {.echo_small = echo_small, .echo_nested = echo_nested, .echo_blob = echo_blob};
  static bench_shapes_server server;
  bench_shapes_server_init(&server, &h, NULL);
  const interop_module_impl *impls[] = {&server.module_impl};
  char config[512];
  snprintf(config, sizeof config, "{\"node\":\"bench-server\",\"listen\":[\"%s\"]}", address);
  interop_node *node;
  interop_error err;
  if (interop_node_start(config, impls, 1, NULL, &node, &err) != INTEROP_OK) {
    fprintf(stderr, "bench_c_web: %s\n", err.message);
    return 1;
  }
  uv_signal_t term;
  uv_signal_init(interop_node_loop(node), &term);
  term.data = node;
  uv_signal_start(&term, on_term, SIGTERM);
  interop_node_run(node);
  uv_close((uv_handle_t *)&term, NULL);
  interop_node_close(node);
  return 0;
}

/* `n` timed round trips (after 1000 untimed) against a server child on `address`. */
static int round_trips(const char *address, uint64_t *samples, int n) {
  pid_t pid = fork();
  if (pid == 0) _exit(serve(address));
  char config[512];
  snprintf(config, sizeof config, "{\"node\":\"bench-client\",\"modules\":[],\"connect\":[{\"address\":\"%s\",\"modules\":[\"bench.shapes\"]}]}", address);
  interop_node *node;
  interop_error err;
  if (interop_node_start(config, NULL, 0, NULL, &node, &err) != INTEROP_OK) return -1;
  interop_invoker *client = interop_node_invoker(node, &bench_shapes_module, &err);
  bench_shapes_Small v = {42, INTEROP_STR("sensor-north-7"), true, 21.5, -3}, r;
  interop_arena arena = INTEROP_ARENA_INIT;
  int rc = 0;
  /* The child may not listen yet: the first call is retried for up to 5 s. */
  for (int i = 0; i < 500 && bench_shapes_echo_small_sync(client, &v, &r, &arena, NULL, &err) != INTEROP_OK; i++) {
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
  }
  for (int i = -1000; i < n && rc == 0; i++) {
    uint64_t t0 = uv_hrtime();
    if (bench_shapes_echo_small_sync(client, &v, &r, &arena, NULL, &err) != INTEROP_OK) {
      fprintf(stderr, "bench_c_web: %s: %s\n", address, err.message);
      rc = -1;
    }
    if (i >= 0) samples[i] = uv_hrtime() - t0;
    if ((i & 63) == 0) interop_arena_free(&arena);
  }
  interop_arena_free(&arena);
  interop_node_close(node);
  kill(pid, SIGTERM);
  waitpid(pid, NULL, 0);
  return rc;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 20000;
  const char *tmp = getenv("TMPDIR");
  char sock[160], tcp[64], ws[64], http[64];
  snprintf(sock, sizeof sock, "unix:%s/interop-bench-c-web-%d.sock", tmp && *tmp ? tmp : "/tmp", (int)getpid());
  int port = 20000 + (int)(getpid() % 20000);
  snprintf(tcp, sizeof tcp, "tcp://127.0.0.1:%d", port);
  snprintf(ws, sizeof ws, "ws://127.0.0.1:%d", port + 1);
  snprintf(http, sizeof http, "http://127.0.0.1:%d", port + 2);
  const char *names[] = {"unix", "tcp", "ws", "http"}, *addresses[] = {sock, tcp, ws, http};
  uint64_t *samples = malloc((size_t)n * sizeof *samples);
  double p50[4], p99[4];
  for (int t = 0; t < 4; t++) {
    if (round_trips(addresses[t], samples, n) != 0) return 1;
    p50[t] = pct(samples, (size_t)n, 0.5);
    p99[t] = pct(samples, (size_t)n, 0.99);
  }
  free(samples);
  printf("| C↔C round trip, small struct, msgpack | p50 µs | p99 µs | p50 / unix |\n|---|---|---|---|\n");
  for (int t = 0; t < 4; t++) printf("| over %s | %.1f | %.1f | %.2f× |\n", names[t], p50[t], p99[t], p50[t] / p50[0]);
  return 0;
}
