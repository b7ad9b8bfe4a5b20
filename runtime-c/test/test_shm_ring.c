/* The shm ring core on its own (include/interop/shm_ring.h): built from src/shm_ring.c alone, with
 * no libuv and no other runtime-c source, as the Node, Python and Haskell bindings build it. Set-up
 * over a socketpair, bytes across the wrap, a full ring and its wake-up, the sleeping flag, polling,
 * and a peer's impossible indices. */
#define _GNU_SOURCE
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include "interop/shm_ring.h"

typedef struct pair {
  int sock[2];
  interop_shm_ring dialer, listener;
} pair;

static void pair_open(pair *p, uint32_t ring_bytes) {
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p->sock), 0);
  assert_null(interop_shm_ring_create(&p->dialer, ring_bytes));
  assert_string_equal(interop_shm_ring_receive_setup(&p->listener, p->sock[1]), ""); /* nothing yet */
  assert_null(interop_shm_ring_send_setup(&p->dialer, p->sock[0]));
  assert_null(interop_shm_ring_receive_setup(&p->listener, p->sock[1]));
}

static void pair_close(pair *p) {
  interop_shm_ring_close(&p->dialer);
  interop_shm_ring_close(&p->listener);
  interop_shm_ring_close(&p->listener); /* again: a no-op */
  close(p->sock[0]);
  close(p->sock[1]);
}

static bool readable(int fd) { return poll(&(struct pollfd){fd, POLLIN, 0}, 1, 0) == 1; }

static void test_bytes_go_both_ways_across_the_wrap(void **state) {
  (void)state;
  pair p;
  pair_open(&p, 4096);
  uint8_t out[3000], in[3000];
  for (int round = 0; round < 5; round++) { /* 15000 bytes through 4096: the ring wraps */
    for (size_t i = 0; i < sizeof out; i++) out[i] = (uint8_t)(i * 7 + (size_t)round);
    assert_int_equal(interop_shm_ring_write(&p.dialer, out, sizeof out), sizeof out);
    assert_int_equal(interop_shm_ring_read(&p.listener, in, sizeof in), sizeof in);
    assert_memory_equal(in, out, sizeof out);
    assert_int_equal(interop_shm_ring_write(&p.listener, out, 10), 10);
    assert_int_equal(interop_shm_ring_read(&p.dialer, in, sizeof in), 10);
  }
  assert_int_equal(interop_shm_ring_read(&p.listener, in, sizeof in), 0);
  pair_close(&p);
}

static void test_a_full_ring_waits_and_is_woken(void **state) {
  (void)state;
  pair p;
  pair_open(&p, 4096);
  uint8_t big[5000] = {0}, in[5000];
  assert_int_equal(interop_shm_ring_write(&p.dialer, big, sizeof big), 4096);
  assert_int_equal(*p.dialer.out.writer_waiting, 1);
  assert_false(readable(p.dialer.wake_me));
  assert_int_equal(interop_shm_ring_read(&p.listener, in, 100), 100); /* room: the writer is woken */
  assert_true(readable(p.dialer.wake_me));
  interop_shm_ring_woken(&p.dialer);
  assert_false(readable(p.dialer.wake_me));
  assert_int_equal(*p.dialer.out.writer_waiting, 0);
  assert_int_equal(interop_shm_ring_write(&p.dialer, big + 4096, sizeof big - 4096), 100);
  pair_close(&p);
}

static void test_a_sleeping_reader_is_woken_by_the_next_write(void **state) {
  (void)state;
  pair p;
  pair_open(&p, 0);
  assert_int_equal(p.listener.ring_bytes, INTEROP_SHM_RING_DEFAULT);
  assert_true(interop_shm_ring_sleep(&p.listener));
  assert_int_equal(interop_shm_ring_write(&p.dialer, "x", 1), 1);
  assert_true(readable(p.listener.wake_me));
  interop_shm_ring_woken(&p.listener);
  assert_int_equal(*p.listener.in.reader_sleeping, 0);
  assert_false(interop_shm_ring_sleep(&p.listener)); /* data came: stays awake, flag cleared */
  assert_int_equal(*p.listener.in.reader_sleeping, 0);
  assert_int_equal(interop_shm_ring_write(&p.dialer, "y", 1), 1);
  assert_false(readable(p.listener.wake_me)); /* an awake reader costs the writer no system call */
  pair_close(&p);
}

static void test_a_polling_reader_needs_no_wake_up(void **state) {
  (void)state;
  pair p;
  pair_open(&p, 4096);
  assert_int_equal(interop_shm_ring_poll(&p.listener, 1000000), 0); /* 1 ms, nothing came */
  assert_true(interop_shm_ring_sleep(&p.listener));
  interop_shm_ring_awake(&p.listener); /* polling from now on: the writer need not wake us */
  assert_int_equal(*p.listener.in.reader_sleeping, 0);
  assert_int_equal(interop_shm_ring_write(&p.dialer, "abc", 3), 3);
  assert_false(readable(p.listener.wake_me));
  assert_int_equal(interop_shm_ring_poll(&p.listener, 0), 3);
  *(uint64_t *)(p.dialer.base + INTEROP_SHM_WRITE_INDEX(0)) = 1u << 20; /* then a hostile index */
  assert_int_equal(interop_shm_ring_poll(&p.listener, 1000000), -1);
  pair_close(&p);
}

static void test_impossible_indices_break_the_ring(void **state) {
  (void)state;
  const struct {
    unsigned field, ring;
    uint64_t value;
    const char *error;
  } cases[] = {
      {INTEROP_SHM_WRITE_INDEX(0), 0, 4097, "shm ring broken by the peer: write index out of range"},
      {INTEROP_SHM_WRITE_INDEX(0), 0, UINT64_MAX, "shm ring broken by the peer: write index out of range"},
      {INTEROP_SHM_READ_INDEX(1), 1, 1, "shm ring broken by the peer: read index out of range"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pair p;
    pair_open(&p, 4096);
    /* The dialer plays the hostile peer, writing its indices by hand. */
    *(uint64_t *)(p.dialer.base + cases[i].field) = cases[i].value;
    uint8_t b[16];
    if (cases[i].ring == 0) assert_int_equal(interop_shm_ring_read(&p.listener, b, sizeof b), -1);
    else assert_int_equal(interop_shm_ring_write(&p.listener, "z", 1), -1);
    assert_string_equal(p.listener.error, cases[i].error);
    assert_int_equal(interop_shm_ring_read(&p.listener, b, sizeof b), -1); /* for good */
    assert_int_equal(interop_shm_ring_write(&p.listener, "z", 1), -1);
    assert_false(interop_shm_ring_sleep(&p.listener));
    pair_close(&p);
  }
}

static void test_bad_set_ups_are_refused(void **state) {
  (void)state;
  interop_shm_ring r;
  assert_string_equal(interop_shm_ring_create(&r, 5000), "ring size not a power of two between 4 KiB and 16 MiB");
  interop_shm_ring_close(&r);
  int sv[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  assert_int_equal(write(sv[0], "0123456789abcdef", 16), 16); /* 16 bytes, no descriptors */
  assert_string_equal(interop_shm_ring_receive_setup(&r, sv[1]), "set-up message without its three descriptors");
  interop_shm_ring_close(&r);
  close(sv[0]);
  assert_string_equal(interop_shm_ring_receive_setup(&r, sv[1]), "the dialer closed before the set-up message");
  interop_shm_ring_close(&r);
  close(sv[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bytes_go_both_ways_across_the_wrap),
      cmocka_unit_test(test_a_full_ring_waits_and_is_woken),
      cmocka_unit_test(test_a_sleeping_reader_is_woken_by_the_next_write),
      cmocka_unit_test(test_a_polling_reader_needs_no_wake_up),
      cmocka_unit_test(test_impossible_indices_break_the_ring),
      cmocka_unit_test(test_bad_set_ups_are_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
