#!/usr/bin/env bash
# Builds the C++ conformance client and server into test/conformance/cpp/out (languages.json "prepare").
set -euo pipefail
cd "$(dirname "$0")"
cmake -S . -B out -DCMAKE_BUILD_TYPE=RelWithDebInfo >out.log 2>&1 || { cat out.log; exit 1; }
cmake --build out -j "$(nproc 2>/dev/null || echo 2)" >>out.log 2>&1 || { tail -n 60 out.log; exit 1; }
rm -f out.log
