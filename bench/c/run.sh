#!/usr/bin/env bash
# Builds and runs the runtime-c benchmarks; writes bench/c/RESULTS.md (markdown table + machine).
#   bash bench/c/run.sh [ITERATIONS]      (default 20000 round trips per contender)
set -euo pipefail
cd "$(dirname "$0")"
cmake -S . -B ../out/c -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build ../out/c -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
{
  echo "# runtime-c benchmarks"
  echo
  echo "Written by \`bash bench/c/run.sh\` on $(uname -m), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start."
  echo "Both round-trip contenders run in the same run, client and server in two processes on one machine."
  echo
  ../out/c/bench_c "${1:-20000}"
} | tee RESULTS.md
