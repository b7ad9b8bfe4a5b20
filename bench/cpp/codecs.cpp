// The codec benchmark of bench/cpp/suite.ts: encode+decode of each shape through the generated
// C++ codecs (codec::<Type>, C++ values in and out) next to runtime-c's C codecs on the same
// values as C structs (what a C program does), msgpack and JSON. Prints one JSON object
// {"rows":[{"shape","name","key","n","ns","size"}, …]}.
//   bench_cpp_codecs WARMUP REPS SMOKE
// Contenders alternate within each repetition, the order rotating; figures are medians of the
// thread's CPU time per operation (CLOCK_THREAD_CPUTIME_ID), so a loaded machine's descheduling
// does not count.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "shapes.hpp"
#if BENCH_MSGPACK_CXX
#include "peer_msgpack_cxx.hpp"
#endif

namespace {

using namespace bench_cpp;

double cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

struct Contender {
  std::string name, key;
  std::function<std::size_t(long n)> batch;  // n operations; returns the encoded size
};

/**
 * n encode+decode round trips through the generated C++ codec: encoded into one buffer reused
 * across the batch (as the C contender reuses its interop_buf), decoded into a fresh C++ value.
 */
template <class T, class Codec>
std::size_t cpp_batch(const Codec &codec, const T &value, interop::Codec which, long n) {
  interop::Buffer bytes;
  for (long i = 0; i < n; i++) {
    bytes.get()->len = 0;
    codec.encode_to(value, which, bytes);
    T back = codec.decode(bytes.data(), bytes.size(), which);
    if (back.id != value.id) std::abort();
  }
  return bytes.size();
}

/** n encode+decode round trips through runtime-c's codec on the C struct, as a C program does. */
template <class C>
std::size_t c_batch(const interop_type *type, const C &value, interop_codec which, long n) {
  interop_buf buf = INTEROP_BUF_INIT;
  interop_arena arena = INTEROP_ARENA_INIT;
  interop_error err;
  C back;
  for (long i = 0; i < n; i++) {
    buf.len = 0;
    if (interop_encode(type, &value, which, INTEROP_DEFAULT_MAX_DEPTH, &buf, &err) != INTEROP_OK ||
        interop_decode(type, buf.data, buf.len, which, INTEROP_DEFAULT_MAX_DEPTH, &arena, &back, &err) != INTEROP_OK)
      std::fprintf(stderr, "bench_cpp_codecs: %s\n", err.message), std::exit(1);
    interop_arena_free(&arena);
  }
  std::size_t size = buf.len;
  interop_buf_free(&buf);
  return size;
}

#if BENCH_MSGPACK_CXX
/** n pack+unpack round trips through msgpack-cxx (the peer), its sbuffer reused like ours. */
template <class T>
std::size_t mpcxx_batch(const T &value, long n) {
  msgpack::sbuffer sbuf;
  for (long i = 0; i < n; i++) {
    sbuf.clear();
    mpcxx::Packer pk(sbuf);
    mpcxx::pack(pk, value);
    T back = mpcxx::decode<T>(sbuf.data(), sbuf.size());
    if (back.id != value.id) std::abort();
  }
  return sbuf.size();
}
#endif

bool first_row = true;

void measure(const std::string &shape, const std::vector<Contender> &cs, long n, int warmup, int reps) {
  std::vector<std::vector<double>> per(cs.size());
  std::vector<std::size_t> sizes(cs.size());
  for (int rep = 0; rep < warmup + reps; rep++)
    for (std::size_t k = 0; k < cs.size(); k++) {
      std::size_t i = (k + static_cast<std::size_t>(rep)) % cs.size();
      double t0 = cpu_ns();
      sizes[i] = cs[i].batch(n);
      double ns = (cpu_ns() - t0) / static_cast<double>(n);
      if (rep >= warmup) per[i].push_back(ns);
    }
  for (std::size_t i = 0; i < cs.size(); i++) {
    std::sort(per[i].begin(), per[i].end());
    std::printf("%s{\"shape\":\"%s\",\"name\":\"%s\",\"key\":\"%s\",\"n\":%ld,\"ns\":%.3f,\"size\":%zu}", first_row ? "{\"rows\":[\n" : ",\n",
                shape.c_str(), cs[i].name.c_str(), cs[i].key.c_str(), n, per[i][per[i].size() / 2], sizes[i]);
    first_row = false;
  }
}

/** The four contenders for one shape: C++ and C, msgpack and JSON. */
template <class T, class C, class Codec>
std::vector<Contender> contenders(const T &value, const C &c_value, const Codec &codec, const interop_type *type) {
  std::vector<Contender> cs = {
      {"C++ msgpack (codec::<Type>, straight to C++ values)", "cpp.msgpack", [&](long n) { return cpp_batch(codec, value, interop::Codec::msgpack, n); }},
      {"C msgpack (interop_encode/decode)", "c.msgpack", [&, type](long n) { return c_batch(type, c_value, INTEROP_CODEC_MSGPACK, n); }},
      {"C++ json (codec::<Type>, through the C struct)", "cpp.json", [&](long n) { return cpp_batch(codec, value, interop::Codec::json, n); }},
      {"C json (interop_encode/decode)", "c.json", [&, type](long n) { return c_batch(type, c_value, INTEROP_CODEC_JSON, n); }},
  };
#if BENCH_MSGPACK_CXX
  cs.push_back({"msgpack-cxx (peer: pack/convert by hand, same layout)", "mpcxx.msgpack", [&](long n) { return mpcxx_batch(value, n); }});
#endif
  return cs;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 4) return std::fprintf(stderr, "usage: bench_cpp_codecs WARMUP REPS SMOKE (bench/cpp/suite.ts runs it)\n"), 2;
  const int warmup = std::atoi(argv[1]), reps = std::atoi(argv[2]);
  const bool smoke = std::atoi(argv[3]) != 0;
  if (reps < 1 || warmup < 0) return std::fprintf(stderr, "bench_cpp_codecs: REPS >= 1\n"), 2;
  const shapes::Small small = make_small();
  const shapes::Nested nested = make_nested();
  const shapes::Blob blob = make_blob();
  interop::Arena arena;  // the C structs borrow the C++ values' strings and bytes
  using interop::interop_to_c;
  bench_shapes_Small c_small{};
  bench_shapes_Nested c_nested{};
  bench_shapes_Blob c_blob{};
  interop_to_c(small, &c_small, arena);
  interop_to_c(nested, &c_nested, arena);
  interop_to_c(blob, &c_blob, arena);
  auto count = [&](long full) { return smoke ? std::max(2L, (full + 199) / 200) : full; };
  measure("small", contenders(small, c_small, shapes::codec::Small, &bench_shapes_Small_type), count(20000), warmup, reps);
  measure("nested", contenders(nested, c_nested, shapes::codec::Nested, &bench_shapes_Nested_type), count(4000), warmup, reps);
  measure("blob", contenders(blob, c_blob, shapes::codec::Blob, &bench_shapes_Blob_type), count(40), warmup, reps);
  std::printf("\n]}\n");
  return 0;
}
