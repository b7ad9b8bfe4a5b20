/* The in-process C benchmarks of bench/c/suite.ts; prints one JSON object {"rows":[…],"notes":[…]}.
 *   bench_c_inproc direct WARMUP REPS SMOKE   a call through the generated _sync stub into a handler
 *       hosted by the same node (direct path: arguments and result checked, nothing encoded) against
 *       a plain indirect C call of a function that copies the same struct
 *   bench_c_inproc codecs WARMUP REPS SMOKE   encode+decode of each shape: ours (msgpack, JSON, protobuf,
 *       flatbuffers) and msgpack-c, when this program was built with it (BENCH_HAVE_MSGPACK_C); then
 *       reading only `id` from our FlatBuffers bytes through their offsets (FlatBuffers' zero-copy
 *       case) beside a full decode of the same value in flatbuffers and in msgpack (rows keyed one-…)
 * Contenders alternate within each repetition, the order rotating; figures are medians of the
 * thread's CPU time per operation (CLOCK_THREAD_CPUTIME_ID), so time the thread spends descheduled
 * on a loaded machine does not count: a single-threaded loop costs what its CPU time says. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "shapes.h"
#ifdef BENCH_HAVE_MSGPACK_C
#include "peer_msgpack_c.h"
#endif

static uint64_t cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct contender {
  const char *name, *key;
  double (*batch)(shape_id s, long n); /* ns per operation over n operations */
} contender;

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int rows = 0;
static void row_start(void) { fputs(rows++ ? ",\n" : "{\"rows\":[\n", stdout); }

/* Runs the contenders on one shape, alternating, and prints a row per contender. */
static void measure(const contender *cs, int count, shape_id s, long n, int warmup, int reps, const char *extra(const contender *, shape_id)) {
  double per[8][64];
  for (int rep = 0; rep < warmup + reps; rep++)
    for (int i = 0; i < count; i++) {
      const contender *c = &cs[(i + rep) % count];
      double ns = c->batch(s, n);
      if (rep >= warmup) per[c - cs][rep - warmup] = ns;
    }
  for (int i = 0; i < count; i++) {
    qsort(per[i], (size_t)reps, sizeof per[i][0], cmp_double);
    row_start();
    printf("{\"shape\":\"%s\",\"name\":\"%s\",\"key\":\"%s\",\"n\":%ld,\"ns\":%.3f%s}", SHAPE_NAMES[s], cs[i].name, cs[i].key, n,
           per[i][reps / 2], extra != NULL ? extra(&cs[i], s) : "");
  }
}

/* ---- direct ---- */

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

static interop_invoker *direct_invoker;
static interop_arena arena = INTEROP_ARENA_INIT;

static double stub_batch(shape_id s, long n) {
  interop_error err;
  bench_shapes_Small rs;
  bench_shapes_Nested rn;
  uint64_t t0 = cpu_ns();
  for (long i = 0; i < n; i++) {
    int rc = s == SHAPE_SMALL ? bench_shapes_echo_small_sync(direct_invoker, shape_small(), &rs, &arena, NULL, &err)
                              : bench_shapes_echo_nested_sync(direct_invoker, shape_nested(), &rn, &arena, NULL, &err);
    if (rc != INTEROP_OK) fprintf(stderr, "bench_c_inproc: %s\n", err.message), exit(1);
  }
  double ns = (double)(cpu_ns() - t0) / (double)n;
  interop_arena_free(&arena);
  return ns;
}

/* What the value checks alone cost: the arguments' and the result's, as the direct path runs them. */
static double checks_batch(shape_id s, long n) {
  interop_error err;
  const interop_type *params = s == SHAPE_SMALL ? &bench_shapes_echo_small_params_type : &bench_shapes_echo_nested_params_type;
  const interop_type *result = s == SHAPE_SMALL ? &bench_shapes_Small_type : &bench_shapes_Nested_type;
  const void *v = shape_value(s); /* the params struct holds the value as its only field */
  uint64_t t0 = cpu_ns();
  for (long i = 0; i < n; i++)
    if (interop_check(params, v, INTEROP_DEFAULT_MAX_DEPTH, &err) != INTEROP_OK ||
        interop_check(result, v, INTEROP_DEFAULT_MAX_DEPTH, &err) != INTEROP_OK)
      fprintf(stderr, "bench_c_inproc: %s\n", err.message), exit(1);
  return (double)(cpu_ns() - t0) / (double)n;
}

/* The baseline: what the handler does, called through a function pointer the compiler cannot see through. */
static void copy_small(const void *v, void *r) { *(bench_shapes_Small *)r = *(const bench_shapes_Small *)v; }
static void copy_nested(const void *v, void *r) { *(bench_shapes_Nested *)r = *(const bench_shapes_Nested *)v; }
static void (*volatile plain_fn[2])(const void *, void *) = {copy_small, copy_nested};

static double plain_batch(shape_id s, long n) {
  bench_shapes_Nested r; /* the larger of the two */
  const void *v = shape_value(s);
  uint64_t t0 = cpu_ns();
  for (long i = 0; i < n; i++) plain_fn[s](v, &r);
  return (double)(cpu_ns() - t0) / (double)n;
}

static int direct(int warmup, int reps, int smoke) {
  static const bench_shapes_handlers h = {.echo_small = echo_small, .echo_nested = echo_nested};
  static bench_shapes_server srv;
  bench_shapes_server_init(&srv, &h, NULL);
  const interop_module_impl *impls[] = {&srv.module_impl};
  interop_node *node;
  interop_error err;
  if (interop_node_start("{\"node\":\"bench-c-direct\"}", impls, 1, NULL, &node, &err) != INTEROP_OK ||
      (direct_invoker = interop_node_invoker(node, &bench_shapes_module, &err)) == NULL) {
    printf("{\"error\":\"%s\"}\n", err.message);
    return 1;
  }
  const contender cs[] = {{"interop direct (generated _sync stub)", "stub", stub_batch},
                          {"its value checks alone (interop_check of arguments and result)", "checks", checks_batch},
                          {"plain indirect C call", "plain", plain_batch}};
  measure(cs, 3, SHAPE_SMALL, smoke ? 2000 : 200000, warmup, reps, NULL);
  measure(cs, 3, SHAPE_NESTED, smoke ? 1000 : 50000, warmup, reps, NULL);
  interop_node_close(node);
  puts("\n],\"notes\":[]}");
  return 0;
}

/* ---- codecs ---- */

static const interop_type *const SHAPE_TYPES[SHAPE_COUNT] = {&bench_shapes_Small_type, &bench_shapes_Nested_type, &bench_shapes_Blob_type};
static size_t encoded_size[8];

static double ours_batch(shape_id s, long n, interop_codec codec, size_t *size) {
  interop_buf buf = INTEROP_BUF_INIT;
  interop_error err;
  bench_shapes_Nested out; /* the largest of the three */
  uint64_t t0 = cpu_ns();
  for (long i = 0; i < n; i++) {
    buf.len = 0;
    if (interop_encode(SHAPE_TYPES[s], shape_value(s), codec, INTEROP_DEFAULT_MAX_DEPTH, &buf, &err) != INTEROP_OK ||
        interop_decode(SHAPE_TYPES[s], buf.data, buf.len, codec, INTEROP_DEFAULT_MAX_DEPTH, &arena, &out, &err) != INTEROP_OK)
      fprintf(stderr, "bench_c_inproc: %s\n", err.message), exit(1);
    interop_arena_free(&arena);
  }
  double ns = (double)(cpu_ns() - t0) / (double)n;
  *size = buf.len;
  interop_buf_free(&buf);
  return ns;
}
static double ours_msgpack(shape_id s, long n) { return ours_batch(s, n, INTEROP_CODEC_MSGPACK, &encoded_size[0]); }
static double ours_json(shape_id s, long n) { return ours_batch(s, n, INTEROP_CODEC_JSON, &encoded_size[1]); }
static double ours_protobuf(shape_id s, long n) { return ours_batch(s, n, INTEROP_CODEC_PROTOBUF, &encoded_size[3]); }
static double ours_flatbuffers(shape_id s, long n) { return ours_batch(s, n, INTEROP_CODEC_FLATBUFFERS, &encoded_size[4]); }

#ifdef BENCH_HAVE_MSGPACK_C
static double mpc_batch(shape_id s, long n) {
  msgpack_sbuffer sbuf;
  msgpack_sbuffer_init(&sbuf);
  msgpack_unpacked result;
  bench_shapes_Nested out;
  uint64_t t0 = cpu_ns();
  for (long i = 0; i < n; i++) {
    msgpack_sbuffer_clear(&sbuf);
    mpc_encode(s, shape_value(s), &sbuf);
    msgpack_unpacked_init(&result);
    if (mpc_decode(s, sbuf.data, sbuf.size, &result, &out) != 0) fprintf(stderr, "bench_c_inproc: msgpack-c decode failed\n"), exit(1);
    msgpack_unpacked_destroy(&result);
  }
  double ns = (double)(cpu_ns() - t0) / (double)n;
  encoded_size[2] = sbuf.size;
  msgpack_sbuffer_destroy(&sbuf);
  return ns;
}
#endif

static const char *size_field(const contender *c, shape_id s) {
  (void)s;
  static char out[32];
  int i = strcmp(c->key, "msgpack") == 0 ? 0 : strcmp(c->key, "json") == 0 ? 1 : strcmp(c->key, "protobuf") == 0 ? 3
        : strcmp(c->key, "flatbuffers") == 0 ? 4 : 2;
  snprintf(out, sizeof out, ",\"size\":%zu", encoded_size[i]);
  return out;
}

/* ---- one field of a message ---- */

/* Each shape encoded once, in flatbuffers and in msgpack, before the one-field rows run. */
static interop_buf one_bytes[SHAPE_COUNT][2];

static const uint8_t *fb_at(const interop_buf *b, size_t pos, size_t len) { return pos <= b->len && len <= b->len - pos ? b->data + pos : NULL; }
static uint32_t fb_u32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t fb_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* `id` (slot 0, a u32) of the root table, through the offsets as flatc's reader follows them
 * (docs/wire.md §3.6), each position checked against the payload as a verifier would; 0 when the
 * field is absent (its default). -1 for bytes this cannot read. */
static int64_t fb_read_id(const interop_buf *b) {
  const uint8_t *root = fb_at(b, 0, 4);
  if (root == NULL) return -1;
  size_t table = fb_u32(root);
  const uint8_t *t = fb_at(b, table, 4);
  if (t == NULL) return -1;
  int64_t vtable = (int64_t)table - (int32_t)fb_u32(t); /* the soffset: table minus its vtable */
  const uint8_t *vt = vtable >= 0 ? fb_at(b, (size_t)vtable, 4) : NULL;
  if (vt == NULL) return -1;
  if (fb_u16(vt) < 6) return 0; /* the vtable stops before slot 0 */
  if (fb_at(b, (size_t)vtable, 6) == NULL) return -1;
  uint16_t field = fb_u16(vt + 4);
  if (field == 0) return 0;
  const uint8_t *f = field + 4u <= fb_u16(vt + 2) ? fb_at(b, table + field, 4) : NULL;
  return f == NULL ? -1 : fb_u32(f);
}

/* 64 reads per operation counted as 64: one read takes a few ns, and a batch as short as the blob's
 * full decodes (40) would time the clock more than the reads. */
static double one_flatbuffers_read(shape_id s, long n) {
  volatile int64_t sink = 0; /* the loop's result is used, so the compiler keeps every read */
  long reads = n * 64;
  uint64_t t0 = cpu_ns();
  for (long i = 0; i < reads; i++) sink += fb_read_id(&one_bytes[s][0]);
  double ns = (double)(cpu_ns() - t0) / (double)reads;
  if (sink != (int64_t)reads * *(const uint32_t *)shape_value(s)) fprintf(stderr, "bench_c_inproc: flatbuffers read of id is wrong\n"), exit(1);
  return ns;
}

static double one_full_decode(shape_id s, long n, int which, interop_codec codec) {
  interop_error err;
  bench_shapes_Nested out; /* the largest of the three; id is the first field of every shape */
  uint64_t t0 = cpu_ns();
  for (long i = 0; i < n; i++) {
    if (interop_decode(SHAPE_TYPES[s], one_bytes[s][which].data, one_bytes[s][which].len, codec, INTEROP_DEFAULT_MAX_DEPTH, &arena, &out, &err) != INTEROP_OK ||
        out.id != *(const uint32_t *)shape_value(s))
      fprintf(stderr, "bench_c_inproc: decode for one field failed\n"), exit(1);
    interop_arena_free(&arena);
  }
  return (double)(cpu_ns() - t0) / (double)n;
}
static double one_flatbuffers_decode(shape_id s, long n) { return one_full_decode(s, n, 0, INTEROP_CODEC_FLATBUFFERS); }
static double one_msgpack_decode(shape_id s, long n) { return one_full_decode(s, n, 1, INTEROP_CODEC_MSGPACK); }

static const char *one_size_field(const contender *c, shape_id s) {
  static char out[32];
  snprintf(out, sizeof out, ",\"size\":%zu", one_bytes[s][strcmp(c->key, "one-msgpack") == 0].len);
  return out;
}

static int codecs(int warmup, int reps, int smoke) {
  const contender cs[] = {
    {"interop msgpack", "msgpack", ours_msgpack},
    {"interop json", "json", ours_json},
    {"interop protobuf", "protobuf", ours_protobuf},
    {"interop flatbuffers", "flatbuffers", ours_flatbuffers},
#ifdef BENCH_HAVE_MSGPACK_C
    {"msgpack-c (" MSGPACK_VERSION ")", "msgpack-c", mpc_batch},
#endif
  };
  static const long full[SHAPE_COUNT] = {20000, 4000, 40};
  long batch[SHAPE_COUNT];
  for (int s = 0; s < SHAPE_COUNT; s++) {
    long n = smoke ? (full[s] + 199) / 200 : full[s];
    batch[s] = n < 2 ? 2 : n;
    measure(cs, (int)(sizeof cs / sizeof cs[0]), (shape_id)s, batch[s], warmup, reps, size_field);
  }
  const contender one[] = {
    {"flatbuffers: read id through the offsets (checked)", "one-flatbuffers-read", one_flatbuffers_read},
    {"interop flatbuffers: full decode", "one-flatbuffers", one_flatbuffers_decode},
    {"interop msgpack: full decode", "one-msgpack", one_msgpack_decode},
  };
  interop_error err;
  for (int s = 0; s < SHAPE_COUNT; s++) {
    interop_codec kinds[2] = {INTEROP_CODEC_FLATBUFFERS, INTEROP_CODEC_MSGPACK};
    for (int k = 0; k < 2; k++)
      if (interop_encode(SHAPE_TYPES[s], shape_value(s), kinds[k], INTEROP_DEFAULT_MAX_DEPTH, &one_bytes[s][k], &err) != INTEROP_OK)
        fprintf(stderr, "bench_c_inproc: %s\n", err.message), exit(1);
    measure(one, 3, (shape_id)s, batch[s], warmup, reps, one_size_field);
    for (int k = 0; k < 2; k++) interop_buf_free(&one_bytes[s][k]);
  }
#ifdef BENCH_HAVE_MSGPACK_C
  puts("\n],\"notes\":[]}");
#else
  puts("\n],\"notes\":[\"codecs-c: msgpack-c was not found when bench/c was built (bench/setup.sh installs it in full mode): ours only\"]}");
#endif
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 5) return fprintf(stderr, "usage: bench_c_inproc direct|codecs WARMUP REPS SMOKE (bench/c/suite.ts runs it)\n"), 2;
  int warmup = atoi(argv[2]), reps = atoi(argv[3]), smoke = atoi(argv[4]);
  if (reps < 1 || reps > 64 || warmup < 0) return fprintf(stderr, "bench_c_inproc: REPS is 1..64\n"), 2;
  if (strcmp(argv[1], "direct") == 0) return direct(warmup, reps, smoke);
  if (strcmp(argv[1], "codecs") == 0) return codecs(warmup, reps, smoke);
  return fprintf(stderr, "bench_c_inproc: unknown mode %s\n", argv[1]), 2;
}
