// The three bench shapes as C++ values, equal to bench/shapes/data.ts's (makeSmall, makeNested,
// makeBlob), and what the C++ benchmark programs share.
#ifndef BENCH_CPP_SHAPES_HPP
#define BENCH_CPP_SHAPES_HPP

#include <chrono>
#include <cstdint>
#include <string>

#include "bench_shapes.hpp"

namespace bench_cpp {

namespace shapes = ::bench::shapes;

inline shapes::Small make_small() { return shapes::Small{12345, "sensor-12345", true, 98.625, -42}; }

inline shapes::Nested make_nested() {
  shapes::Nested v;
  v.id = 7;
  v.title = "order 7 for the benchmark";
  v.owner = make_small();
  for (std::uint32_t i = 0; i < 10; i++) {
    v.items.push_back(shapes::Item{i, "item number " + std::to_string(i), i * 1.25 + 0.5, {"red", "green", "t" + std::to_string(i)}});
    v.attrs["attr" + std::to_string(i)] = "value of attribute " + std::to_string(i);
    v.counts["count" + std::to_string(i)] = i * 1000;
  }
  return v;
}

inline shapes::Blob make_blob() {
  shapes::Blob v;
  v.id = 1;
  v.data.resize(1u << 20);
  for (std::size_t i = 0; i < v.data.size(); i++) v.data[i] = static_cast<std::uint8_t>((i * 31 + 7) & 255);
  return v;
}

/** Monotonic clock, ns. */
inline std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

}  // namespace bench_cpp

#endif
