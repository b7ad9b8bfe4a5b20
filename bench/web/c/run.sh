#!/usr/bin/env bash
# Builds and runs runtime-c's round trips over unix, tcp, ws and http in one run (a markdown table
# on stdout; nothing is written into the repository):
#   bash bench/web/c/run.sh [ROUND_TRIPS]      (default 20000 per transport)
set -euo pipefail
cd "$(dirname "$0")"
out=../../out/c-web
cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$out" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
echo "runtime-c round trips on $(uname -m), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start:"
echo
"$out/bench_c_web" "${1:-20000}"
