#!/usr/bin/env bash
# Builds the C module library (c/out/libgreenhouse_filter.so) and the native node host
# (c/out/runtime-c/interop-node): the "prepare" step of app.json, and the "build" of the
# greenhouse.filter package (interop-package.json). `--host-only` builds the node host alone, for
# app-library.json, whose filter comes from a library. Quiet unless it fails.
set -euo pipefail
cd "$(dirname "$0")"
filter=ON
[ "${1:-}" = "--host-only" ] && filter=OFF
mkdir -p out
cmake -S . -B out -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGREENHOUSE_FILTER=$filter >out/build.log 2>&1 || { cat out/build.log; exit 1; }
cmake --build out -j "$(nproc 2>/dev/null || echo 2)" >>out/build.log 2>&1 || { tail -n 60 out/build.log; exit 1; }
rm -f out/build.log
