/* Two module libraries (pair/front.c, pair/store.c, each its own shared library) in interop-node
 * processes started from node configs alone: first both in one node, where pair.front calls
 * pair.store through the direct path (generated client → function pointer → handler, nothing
 * encoded) and receives its events in-process; then split into two nodes, the config the only
 * change, where the same code goes over a unix socket. The reports must agree on every value,
 * error and value check; only the caller the store sees differs ("" for a direct call). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "support.h"
#include "pair_front.h"

static char dir[96];
/* Nodes started and not yet stopped: a failed test's are killed by the teardown. */
static pid_t running[2];

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

/* This machine as a package's "platform" (docs/library.md): linux-x64, linux-arm64. */
static void host_platform(char *out, size_t size) {
  struct utsname u;
  uname(&u);
  for (char *p = u.sysname; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
  const char *m = u.machine;
  const char *cpu = strcmp(m, "x86_64") == 0 ? "x64" : strcmp(m, "aarch64") == 0 ? "arm64" : m;
  snprintf(out, size, "%s-%s", u.sysname, cpu);
}

/* DIR/NAME/ as an unpacked package folder (interop-package.json + the library), as `interop run`
 * leaves one for a node config's "packages". */
static void make_package(const char *name, const char *module, const char *library) {
  char path[256], platform[64];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  assert_int_equal(mkdir(path, 0700), 0);
  snprintf(path, sizeof path, "%s/%s/lib.so", dir, name);
  assert_int_equal(symlink(library, path), 0);
  snprintf(path, sizeof path, "%s/%s/interop-package.json", dir, name);
  host_platform(platform, sizeof platform);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f, "{\"name\":\"%s\",\"version\":\"1.0.0\",\"language\":\"c\",\"platform\":\"%s\",\"entry\":\"lib.so\"}\n", module, platform);
  fclose(f);
}

static int setup(void **s) {
  (void)s;
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/pair-XXXXXX", tmp != NULL && strlen(tmp) < 60 ? tmp : "/tmp");
  if (mkdtemp(dir) == NULL) return -1;
  make_package("front", "pair.front", PAIR_FRONT_LIBRARY);
  make_package("store", "pair.store", PAIR_STORE_LIBRARY);
  return 0;
}

static int teardown(void **s) {
  (void)s;
  for (int i = 0; i < 2; i++)
    if (running[i] > 0) kill(running[i], SIGKILL), waitpid(running[i], NULL, 0), running[i] = 0;
  const char *files[] = {"front/lib.so", "front/interop-package.json", "store/lib.so", "store/interop-package.json", "front",
                         "store", "both.sock", "front.sock", "store.sock"};
  char path[256];
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    remove(path);
  }
  rmdir(dir);
  return 0;
}

/* Whether something accepts connections at PATH: the socket file exists from bind(), a moment
 * before the node listens on it. */
static bool accepting(const char *path) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
  if (fd >= 0) close(fd);
  return ok;
}

/* Starts `interop-node --config CONFIG` and waits until it accepts connections on its socket. */
static pid_t start_node(const char *config, const char *sock) {
  pid_t pid = fork();
  if (pid == 0) {
    execl(INTEROP_NODE, INTEROP_NODE, "--config", config, (char *)NULL);
    _exit(127);
  }
  running[running[0] > 0] = pid;
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, sock);
  for (int i = 0; i < 1000 && !accepting(path); i++) {
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      running[running[1] == pid] = 0;
      fail_msg("interop-node exited (status %d) before listening on %s", status, path);
    }
    sleep_ms(10);
  }
  return pid;
}

static void stop_node(pid_t pid) {
  int status;
  for (int i = 0; i < 2; i++)
    if (running[i] == pid) running[i] = 0;
  kill(pid, SIGTERM);
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0); /* a clean stop: fini ran, nothing crashed */
}

typedef struct report_text {
  char caller[64], missing[128], invalid[512], events[128];
  uint32_t count, got_qty;
} report_text;

/* Calls pair.front.check() on the node listening at DIR/SOCK, from a client node in this process. */
static report_text check_at(const char *sock) {
  char config[512];
  snprintf(config, sizeof config, "{\"node\":\"tester\",\"connect\":[{\"address\":\"unix:%s/%s\",\"modules\":[\"pair.front\"]}]}", dir, sock);
  interop_node *node;
  interop_error err;
  assert_int_equal(interop_node_start(config, NULL, 0, NULL, &node, &err), INTEROP_OK);
  interop_invoker *front = interop_node_invoker(node, &pair_front_module, &err);
  assert_non_null(front);
  interop_arena arena = INTEROP_ARENA_INIT;
  pair_front_Report r;
  interop_call_options opts = {20000};
  int rc = pair_front_check_sync(front, &r, &arena, &opts, &err);
  if (rc != INTEROP_OK) fail_msg("check at %s: %s: %s", sock, interop_code_name((uint32_t)rc), err.message);
  report_text t = {.count = r.count, .got_qty = r.got_qty};
  snprintf(t.caller, sizeof t.caller, "%.*s", (int)r.caller.len, r.caller.ptr);
  snprintf(t.missing, sizeof t.missing, "%.*s", (int)r.missing.len, r.missing.ptr);
  snprintf(t.invalid, sizeof t.invalid, "%.*s", (int)r.invalid.len, r.invalid.ptr);
  for (size_t i = 0; i < r.events.len; i++)
    snprintf(t.events + strlen(t.events), sizeof t.events - strlen(t.events), "%s%.*s", i ? "," : "", (int)r.events.items[i].len,
             r.events.items[i].ptr);
  interop_arena_free(&arena);
  interop_node_close(node);
  return t;
}

/* What both layouts must report (the caller aside). */
static void assert_common(const report_text *t) {
  assert_int_equal(t->count, 2);
  assert_int_equal(t->got_qty, 3);
  assert_string_equal(t->missing, "APPLICATION_ERROR pair.store.NotFound pear");
  assert_true(strncmp(t->invalid, "INVALID_ARGUMENT: ", 18) == 0);
  assert_non_null(strstr(t->invalid, "UTF-8"));
  assert_string_equal(t->events, "apple,banana");
}

static report_text one_node, two_nodes;

static void test_one_node_direct(void **s) {
  (void)s;
  char config[768];
  snprintf(config, sizeof config,
           "{\"node\":\"both\",\"listen\":[\"unix:%s/both.sock\"],\"modules\":[\"pair.front\",\"pair.store\"],"
           "\"packages\":{\"pair.front\":\"%s/front\",\"pair.store\":\"%s/store\"}}",
           dir, dir, dir);
  pid_t pid = start_node(config, "both.sock");
  one_node = check_at("both.sock");
  stop_node(pid);
  assert_common(&one_node);
  assert_string_equal(one_node.caller, ""); /* the store's handler was called directly, not over a connection */
}

static void test_two_nodes_by_config(void **s) {
  (void)s;
  char store_config[512], front_config[768];
  snprintf(store_config, sizeof store_config,
           "{\"node\":\"store\",\"listen\":[\"unix:%s/store.sock\"],\"modules\":[\"pair.store\"],\"packages\":{\"pair.store\":\"%s/store\"}}",
           dir, dir);
  snprintf(front_config, sizeof front_config,
           "{\"node\":\"front\",\"listen\":[\"unix:%s/front.sock\"],\"modules\":[\"pair.front\"],\"packages\":{\"pair.front\":\"%s/front\"},"
           "\"connect\":[{\"address\":\"unix:%s/store.sock\",\"modules\":[\"pair.store\"]}]}",
           dir, dir, dir);
  pid_t store = start_node(store_config, "store.sock");
  pid_t front = start_node(front_config, "front.sock");
  two_nodes = check_at("front.sock");
  stop_node(front);
  stop_node(store);
  assert_common(&two_nodes);
  assert_string_equal(two_nodes.caller, "front");
  print_message("refused in both layouts: %s\n", two_nodes.invalid);
  /* The same value check, refused with the same code and message in-process and over a socket. */
  assert_string_equal(one_node.invalid, two_nodes.invalid);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_one_node_direct),
    cmocka_unit_test(test_two_nodes_by_config),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
