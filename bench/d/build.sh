#!/usr/bin/env bash
# Builds the D contenders of the benchmarks into bench/out/d (bench/d/suite.ts runs it): runtime-c
# (Release), the D and C code of bench.shapes, and bench_d_child with ldc2 -O -release.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/bench/out/d"
mkdir -p "$out"
cmake -S "$root/runtime-c" -B "$out/c" -DINTEROP_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$out/c" -j 2 --target interop >/dev/null
node "$root/compiler/bin/interopc.mjs" gen --lang d --out "$out/gen" "$root/bench/schema/shapes.interop" >/dev/null
cc -std=c11 -O2 -I "$root/runtime-c/include" -I "$out/gen" -c "$out/gen/bench_shapes.c" -o "$out/bench_shapes.o"
mapfile -t runtime < <(find "$root/runtime-d/source" -name '*.d' | sort)
ldc2 -O -release -w -I "$root/runtime-d/source" -I "$out/gen" "$here/child.d" "$out/gen/bench/shapes.d" "${runtime[@]}" \
  "$out/bench_shapes.o" -L-L"$out/c" -L-linterop -L-rpath="$out/c" -of="$out/bench_d_child" -od="$out/obj"
