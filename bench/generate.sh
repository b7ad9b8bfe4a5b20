#!/usr/bin/env bash
# Generates the code the benchmarks load, under bench/out/ (gitignored): protobufjs static code
# from bench/schema/shapes.proto, and our generated TypeScript and Python code from
# bench/schema/shapes.interop when `interopc gen` supports the language, bundled with the runtime
# for TypeScript. Regenerated every run.
set -uo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out/pb"
bench/node_modules/.bin/pbjs -t static-module -w es6 --no-verify --no-convert --no-delimited --no-typeurl \
  --no-service -o "$out/pb/shapes.js" bench/schema/shapes.proto
# google's Python protobuf code for codecs-py (shapes_pb2.py), when protoc is there.
if command -v protoc >/dev/null; then
  protoc -I bench/schema --python_out="$out/pb" bench/schema/shapes.proto || echo "[bench] protoc --python_out failed"
fi
# flatc's Python code for codecs-py (bench/out/fb), from the .fbs interopc writes for the shapes.
rm -rf "$out/fb" "$out/fbs"
if command -v flatc >/dev/null; then
  { node compiler/bin/interopc.mjs gen --lang fbs --out "$out/fbs" bench/schema/shapes.interop >"$out/fbs.log" 2>&1 &&
    flatc --python -o "$out/fb" "$out/fbs/bench/shapes.fbs"; } || echo "[bench] flatc --python failed"
fi
# flatc's TypeScript code for codecs-ts, bundled with the npm flatbuffers package: bench/out/fbts/shapes.mjs.
rm -rf "$out/fbts"
if [ -f "$out/fbs/bench/shapes.fbs" ]; then
  mkdir -p "$out/fbts"
  printf "export * from './shapes_generated.js';\nexport * as flatbuffers from 'flatbuffers';\n" >"$out/fbts/entry.ts"
  { flatc --ts -o "$out/fbts" "$out/fbs/bench/shapes.fbs" &&
    bench/node_modules/.bin/esbuild "$out/fbts/entry.ts" --bundle --platform=node --format=esm --target=node20 \
      --outfile="$out/fbts/shapes.mjs" --log-level=error; } >"$out/fbts.log" 2>&1 || {
    echo "[bench] flatc --ts failed (see $out/fbts.log)"
    rm -f "$out/fbts/shapes.mjs"
  }
fi

for lang in ts python; do
  rm -rf "$out/gen/$lang"
  mkdir -p "$out/gen/$lang"
  if ! node compiler/bin/interopc.mjs gen --lang "$lang" --out "$out/gen/$lang" bench/schema/shapes.interop \
      >"$out/gen/$lang.log" 2>&1; then
    echo "[bench] interopc gen --lang $lang failed or is not available yet (see $out/gen/$lang.log)"
    rm -rf "$out/gen/$lang"
  fi
done
# Our TypeScript side as a user ships it: generated code and runtime compiled to plain JS in one
# bundle (one copy of the runtime; no tsx transform at run time), bench/out/js/ours.mjs. The `ws`
# package stays outside (CommonJS: it is imported from node_modules at run time).
rm -rf "$out/js"
if [ -f "$out/gen/ts/bench.shapes.ts" ]; then
  mkdir -p "$out/js"
  cat >"$out/js/entry.ts" <<'ENTRY'
export * from '../gen/ts/bench.shapes.js';
export * from '../../../runtime-ts/src/index.js';
ENTRY
  if ! bench/node_modules/.bin/esbuild "$out/js/entry.ts" --bundle --platform=node --format=esm --target=node20 \
      --alias:@interop/runtime=./runtime-ts/src/index.ts --external:ws --outfile="$out/js/ours.mjs" --log-level=error \
      >"$out/js/build.log" 2>&1; then
    echo "[bench] bundling our TypeScript side failed (see $out/js/build.log)"
    rm -f "$out/js/ours.mjs"
  fi
fi
exit 0
