#!/usr/bin/env bash
# Generates the code the benchmarks load, under bench/out/ (gitignored): protobufjs static code
# from bench/schema/shapes.proto, and our generated TypeScript and Python code from
# bench/schema/shapes.interop when `interopc gen` supports the language. Regenerated every run.
set -uo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out/pb"
bench/node_modules/.bin/pbjs -t static-module -w es6 --no-verify --no-convert --no-delimited --no-typeurl \
  --no-service -o "$out/pb/shapes.js" bench/schema/shapes.proto

for lang in ts python; do
  rm -rf "$out/gen/$lang"
  mkdir -p "$out/gen/$lang"
  if ! node compiler/bin/interopc.mjs gen --lang "$lang" --out "$out/gen/$lang" bench/schema/shapes.interop \
      >"$out/gen/$lang.log" 2>&1; then
    echo "[bench] interopc gen --lang $lang failed or is not available yet (see $out/gen/$lang.log)"
    rm -rf "$out/gen/$lang"
  fi
done
exit 0
