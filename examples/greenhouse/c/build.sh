#!/usr/bin/env bash
# Builds the C module library (c/out/libgreenhouse_filter.so) and the native node host
# (c/out/runtime-c/interop-node): the "prepare" step of app.json. Quiet unless it fails.
set -euo pipefail
cd "$(dirname "$0")"
cmake -S . -B out -DCMAKE_BUILD_TYPE=RelWithDebInfo >out.log 2>&1 || { cat out.log; exit 1; }
cmake --build out -j "$(nproc 2>/dev/null || echo 2)" >>out.log 2>&1 || { tail -n 60 out.log; exit 1; }
rm -f out.log
