#!/usr/bin/env bash
# Builds runtime-c (and its C++ layer, runtime-c/test/cpp) and runs its ctest suite twice: with
# gcc/g++, and with clang/clang++ under
# AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer included, so a leak fails a test),
# where the libFuzzer targets also run, 15 s each (runtime-c/fuzz/CMakeLists.txt).
# Results go to DIR/ctest-gcc.xml and DIR/ctest-asan.xml (JUnit, read by scripts/summarize-tests.mjs).
#   runtime-c/test.sh [RESULTS_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
results=$(realpath -m "${1:-test/out/results}")
mkdir -p "$results"
jobs=$(nproc 2>/dev/null || echo 2)
status=0

run() { # name, build dir, cmake options...
  local name=$1 dir=$2
  shift 2
  echo "-- runtime-c ($name): build"
  if ! { cmake -S runtime-c -B "$dir" -DCMAKE_BUILD_TYPE=Debug "$@" >"$dir.log" 2>&1 &&
         cmake --build "$dir" -j "$jobs" >>"$dir.log" 2>&1; }; then
    tail -n 40 "$dir.log"
    echo "runtime-c ($name): build failed (full log: $dir.log)"
    status=1
    return
  fi
  echo "-- runtime-c ($name): ctest"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$dir" --timeout 300 --output-on-failure --output-junit "$results/ctest-$name.xml" -j "$jobs" || status=1
}

mkdir -p test/out
run gcc test/out/runtime-c-gcc -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++
run asan test/out/runtime-c-asan -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DINTEROP_SANITIZE=ON -DINTEROP_FUZZ=ON
exit $status
