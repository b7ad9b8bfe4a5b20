/* The names of generated C code (compiler/src/targets/c/names.ts) on runtime-c/test/data/
 * clashes.interop, a module whose declarations clash with each other, with the runtime's fixed
 * names, C keywords and the standard library's macros. That the module compiles under -Wall
 * -Wextra -Werror -pedantic is the first check (CMakeLists.txt); these tests check that each
 * clashing declaration got its own name, by the documented rule, and still reaches the right
 * function, event and wire name. */
#include <stdlib.h>
#include <string.h>
#include "support.h"
#include "clash.h"

typedef struct impl {
  interop_publisher *publisher;
} impl;

/* clash.ticked_publish, the function: publishes event clash.ticked (stubs clash_ticked_2_*). */
static int ticked_publish(void *self, interop_call *call, uint32_t n, uint32_t *result, interop_error *err) {
  (void)call;
  impl *me = self;
  int rc = clash_ticked_2_publish(me->publisher, &n, err);
  *result = n + 1;
  return rc;
}

static int ping_sync(void *self, interop_call *call, uint32_t *result, interop_error *err) {
  (void)self, (void)call, (void)err;
  *result = 1;
  return INTEROP_OK;
}

static int ping(void *self, interop_call *call, uint32_t *result, interop_error *err) {
  (void)self, (void)call, (void)err;
  *result = 2;
  return INTEROP_OK;
}

static int move(void *self, interop_call *call, const clash_Point *to, int32_t errno_, clash_Point *result,
                interop_error *err) {
  (void)self, (void)call, (void)err;
  *result = *to;
  result->errno_ = errno_;
  return INTEROP_OK;
}

static void on_ticked(void *user, const void *payload) { *(uint32_t *)user = *(const uint32_t *)payload; }

static void test_clashing_declarations_reach_their_own_code(void **s) {
  (void)s;
  clash_server server;
  impl me = {NULL};
  clash_handlers handlers = {.ticked_publish = ticked_publish, .ping_sync = ping_sync, .ping = ping, .move = move};
  clash_server_init(&server, &handlers, &me);
  const interop_module_impl *impls[] = {&server.module_impl};
  interop_node *node;
  interop_error err;
  assert_int_equal(interop_node_start("{\"node\":\"names-test\"}", impls, 1, NULL, &node, &err), INTEROP_OK);
  me.publisher = interop_node_publisher(node, &clash_module, &err);
  interop_invoker *client = interop_node_invoker(node, &clash_module, &err);
  assert_non_null(client);

  uint32_t got = 0, seen = 0;
  interop_subscription *sub;
  assert_int_equal(clash_ticked_2_subscribe(client, on_ticked, &seen, &sub, &err), INTEROP_OK);
  interop_arena arena = INTEROP_ARENA_INIT;
  assert_int_equal(clash_ticked_publish_sync(client, 41, &got, &arena, NULL, &err), INTEROP_OK);
  assert_int_equal(got, 42);
  for (int i = 0; i < 100 && seen == 0; i++) interop_node_run_once(node, false);
  assert_int_equal(seen, 41);

  /* `ping_sync` the function keeps its name; `ping`, whose blocking stub would be named so, is `ping_2`. */
  assert_int_equal(clash_ping_sync_sync(client, &got, &arena, NULL, &err), INTEROP_OK);
  assert_int_equal(got, 1);
  assert_int_equal(clash_ping_2_sync(client, &got, &arena, NULL, &err), INTEROP_OK);
  assert_int_equal(got, 2);

  clash_Point to = {0};
  to.int_ = 5;
  clash_Point moved;
  assert_int_equal(clash_move_2_sync(client, &to, 9, &moved, &arena, NULL, &err), INTEROP_OK);
  assert_int_equal(moved.int_, 5);
  assert_int_equal(moved.errno_, 9);
  uint32_t none;
  assert_int_equal(clash_types_2_sync(client, &none, &arena, NULL, &err), INTEROP_UNIMPLEMENTED);

  interop_unsubscribe(sub);
  interop_arena_free(&arena);
  interop_node_close(node);
}

static void test_members_and_constants(void **s) {
  (void)s;
  /* Enum members and union cases named like their type's derived names get `_2`. */
  assert_int_equal(clash_Color_type_2, 1);
  assert_int_equal(clash_Color_encode_2, 2);
  assert_int_equal(clash_Shape_type_2, 1);
  assert_int_equal(clash_Shape_check_2, 5);
  /* The constant `Color_type` comes after the enum member that took `_2`. */
  assert_int_equal(clash_Color_type_3, 1);
  assert_int_equal(clash_errno, 2);
  /* A struct whose @name is another type's descriptor name. */
  clash_Point_type_2 pt = {1};
  assert_int_equal(pt.x, 1);
}

static void test_wire_names_are_the_idl_names(void **s) {
  (void)s;
  clash_Point p;
  memset(&p, 0, sizeof p);
  p.errno_ = 1, p.e2_big = 2, p.einval = 3, p._bool = true, p.stdin_ = INTEROP_STR("in");
  interop_buf out = INTEROP_BUF_INIT;
  interop_error err;
  assert_int_equal(clash_Point_encode(&p, INTEROP_CODEC_JSON, &out, &err), INTEROP_OK);
  char *text = calloc(out.len + 1, 1);
  memcpy(text, out.data, out.len);
  assert_non_null(strstr(text, "\"errno\":1"));
  assert_non_null(strstr(text, "\"E2BIG\":2"));
  assert_non_null(strstr(text, "\"code\":3"));
  assert_non_null(strstr(text, "\"_Bool\":true"));
  assert_non_null(strstr(text, "\"__x\":0"));
  free(text);
  interop_buf_free(&out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_clashing_declarations_reach_their_own_code),
      cmocka_unit_test(test_members_and_constants),
      cmocka_unit_test(test_wire_names_are_the_idl_names),
  };
  return cmocka_run_group_tests_name("generated names", tests, NULL, NULL);
}
