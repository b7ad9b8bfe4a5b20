/* The msgpack reader's state, shared by the typed reader and the skipper. Not installed. */
#ifndef INTEROP_MSGPACK_READ_H
#define INTEROP_MSGPACK_READ_H

#include "internal.h"

/* The public reader of interop/msgpack.h. */
typedef interop_mp_reader mp_reader;

/* An integer read from any msgpack integer format. */
typedef struct mp_int {
  bool negative; /* then the value is `s` (< 0), else `u` */
  int64_t s;
  uint64_t u;
} mp_int;

int mp_need(mp_reader *r, size_t n);
/* A length or count claiming more than the bytes left: RESOURCE_EXHAUSTED (docs/wire.md §3.2). */
int mp_claim(mp_reader *r, uint64_t bytes, uint64_t n, const char *what);
int mp_enter(mp_reader *r);
uint64_t mp_be(const uint8_t *p, int bytes);
/* The name of what a header byte starts ("string", "map", …), for messages. */
const char *mp_family(uint8_t b);
int mp_unexpected(mp_reader *r, const char *expected);
/* Reads an integer in any format (not consuming on a type error). */
int mp_read_int(mp_reader *r, mp_int *out, const char *expected);
/* Reads a str/bin/array/map header: its length, or a type error. kind: 's', 'b', 'a', 'm'. */
int mp_read_len(mp_reader *r, int kind, uint64_t *n, const char *expected);
/* Skips one value, checked as docs/wire.md §3.2 requires of skipped values. */
int mp_skip(mp_reader *r);

#endif
