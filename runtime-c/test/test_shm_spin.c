/* The shm transport's bounded poll (docs/wire.md §9.4, ADR 0034): after traffic a link polls its
 * ring for shm.spin_us, so the loop does not wait in epoll meanwhile; once that window has passed
 * the link sleeps and the loop waits again (an idle link costs no CPU); the config's shm section
 * is checked. Two nodes of this process on one loop, the server hosting interop.conformance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <uv.h>
#include "interop/interop.h"
#include "interop_conformance.h"
#include "conformance_impl.h"

static uv_loop_t loop;
static char dir[64];
static interop_conformance_server server;
static conformance_state state;
static interop_node *srv, *cli;
static interop_invoker *invoker;

static int start(const char *shm_section) {
  snprintf(dir, sizeof dir, "/tmp/interop-c-spin-XXXXXX");
  if (mkdtemp(dir) == NULL || uv_loop_init(&loop) != 0) return -1;
  char config[512];
  const interop_module_impl *impls[] = {&server.module_impl};
  conformance_server_init(&server, &state);
  interop_error err;
  snprintf(config, sizeof config, "{\"node\":\"spin-server\",\"listen\":[\"shm:%s/s.sock\"],%s}", dir, shm_section);
  if (interop_node_start(config, impls, 1, &loop, &srv, &err) != INTEROP_OK) return -1;
  snprintf(config, sizeof config,
           "{\"node\":\"spin-client\",\"connect\":[{\"address\":\"shm:%s/s.sock\",\"modules\":[\"interop.conformance\"]}],%s}", dir,
           shm_section);
  if (interop_node_start(config, NULL, 0, &loop, &cli, &err) != INTEROP_OK) return -1;
  invoker = interop_node_invoker(cli, &interop_conformance_module, &err);
  return invoker == NULL ? -1 : 0;
}

static int start_polling_long(void **s) { return (void)s, start("\"shm\":{\"spin_us\":200000}"); }
static int start_polling_briefly(void **s) { return (void)s, start("\"shm\":{\"spin_us\":2000}"); }

static int stop(void **s) {
  (void)s;
  interop_node_close(cli);
  interop_node_close(srv);
  conformance_state_free(&state);
  int busy = 0;
  while (uv_loop_close(&loop) == UV_EBUSY && ++busy < 1000) uv_run(&loop, UV_RUN_NOWAIT);
  char path[96];
  snprintf(path, sizeof path, "%s/s.sock", dir);
  unlink(path);
  rmdir(dir);
  return busy < 1000 ? 0 : -1;
}

static void call(void) {
  int32_t got = 0;
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_error err;
  assert_int_equal(interop_conformance_echo_i32_sync(invoker, 7, &got, &arena, NULL, &err), INTEROP_OK);
  assert_int_equal(got, 7);
  interop_arena_free(&arena);
}

static void on_timer(uv_timer_t *t) { *(bool *)t->data = true; }

static void test_a_link_with_traffic_keeps_the_loop_polling(void **s) {
  (void)s;
  call();
  /* Nothing more happens; a loop that waited in epoll would return only when this timer fires. */
  uv_timer_t timer;
  bool fired = false;
  uv_timer_init(&loop, &timer);
  timer.data = &fired;
  uv_timer_start(&timer, on_timer, 2000, 0);
  bool polled = false;
  /* Polling pauses when the poller loses its core (a loaded machine): a few calls, one is enough. */
  for (int i = 0; i < 5 && !polled && !fired; i++) {
    call();
    uint64_t t0 = uv_hrtime();
    uv_run(&loop, UV_RUN_ONCE);
    polled = uv_hrtime() - t0 < 1000000000u && !fired;
  }
  uv_close((uv_handle_t *)&timer, NULL);
  uv_run(&loop, UV_RUN_NOWAIT);
  assert_true(polled);
}

/* Loop turns until a timer of `ms` fires. */
static int turns_for(unsigned ms) {
  uv_timer_t timer;
  bool fired = false;
  uv_timer_init(&loop, &timer);
  timer.data = &fired;
  uv_timer_start(&timer, on_timer, ms, 0);
  int turns = 0;
  while (!fired) uv_run(&loop, UV_RUN_ONCE), turns++;
  uv_close((uv_handle_t *)&timer, NULL);
  uv_run(&loop, UV_RUN_NOWAIT);
  return turns;
}

static void test_an_idle_link_lets_the_loop_wait(void **s) {
  (void)s;
  for (int i = 0; i < 100; i++) call();
  turns_for(50);                       /* the 2 ms window passes */
  assert_in_range(turns_for(300), 1, 20); /* then the loop waits: a polling loop turns thousands of times */
}

static void test_bad_shm_sections_are_refused(void **s) {
  (void)s;
  const char *cases[][2] = {
      {"\"shm\":{\"spin_us\":-1}", "shm.spin_us: expected an integer from 0 to 1000000"},
      {"\"shm\":{\"spin_us\":1.5}", "shm.spin_us: expected an integer from 0 to 1000000"},
      {"\"shm\":{\"spin_us\":1000001}", "shm.spin_us: expected an integer from 0 to 1000000"},
      {"\"shm\":{\"spin_us\":\"50\"}", "shm.spin_us: expected an integer from 0 to 1000000"},
      {"\"shm\":{\"spin\":50}", "shm: expected {\"spin_us\": microseconds}"},
      {"\"shm\":50", "shm: expected {\"spin_us\": microseconds}"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char config[256];
    snprintf(config, sizeof config, "{\"node\":\"n\",%s}", cases[i][0]);
    interop_node *n = NULL;
    interop_error err;
    assert_int_equal(interop_node_start(config, NULL, 0, NULL, &n, &err), INTEROP_INVALID_ARGUMENT);
    assert_string_equal(err.message, cases[i][1]);
  }
  interop_node *n = NULL;
  interop_error err;
  assert_int_equal(interop_node_start("{\"node\":\"n\",\"shm\":{\"spin_us\":0}}", NULL, 0, NULL, &n, &err), INTEROP_OK);
  interop_node_close(n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_a_link_with_traffic_keeps_the_loop_polling, start_polling_long, stop),
      cmocka_unit_test_setup_teardown(test_an_idle_link_lets_the_loop_wait, start_polling_briefly, stop),
      cmocka_unit_test(test_bad_shm_sections_are_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
