#!/usr/bin/env bash
# Builds the D conformance client and server into test/conformance/d/out (languages.json "prepare"):
# runtime-c as a library, the D and C code of interop.conformance, the C part with cc and the D
# part (runtime-d, the generated module, the programs) with ldc2 -w.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$here/out"
mkdir -p "$out"
log="$out/build.log"
: >"$log"
fail() { tail -n 60 "$log"; echo "test/conformance/d/build.sh: $1" >&2; exit 1; }
cmake -S "$root/runtime-c" -B "$out/c" -DINTEROP_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >>"$log" 2>&1 || fail "configuring runtime-c failed"
cmake --build "$out/c" -j "$(nproc 2>/dev/null || echo 2)" >>"$log" 2>&1 || fail "building runtime-c failed"
rm -rf "$out/gen" "$out/obj"
mkdir -p "$out/gen" "$out/obj"
node "$root/compiler/bin/interopc.mjs" gen --lang d --out "$out/gen" "$root/test/conformance/conformance.interop" >>"$log" 2>&1 \
  || fail "interopc gen --lang d failed"
cc -std=c11 -O2 -g -Wall -Wextra -Werror -I "$root/runtime-c/include" -I "$out/gen" -c "$out/gen/interop_conformance.c" \
  -o "$out/obj/interop_conformance.o" >>"$log" 2>&1 || fail "compiling the generated C failed"
mapfile -t runtime < <(find "$root/runtime-d/source" -name '*.d' | sort)
for prog in client server; do
  extra=()
  [ "$prog" = client ] && extra=("$here/client_streams.d")
  ldc2 -O -w -g -I "$root/runtime-d/source" -I "$out/gen" -I "$here" "$here/$prog.d" "$here/impl.d" "${extra[@]}" \
    "$out/gen/interop/conformance.d" "${runtime[@]}" "$out/obj/interop_conformance.o" \
    -L-L"$out/c" -L-linterop -L-rpath="$out/c" -of="$out/conformance_$prog" -od="$out/dobj-$prog" >>"$log" 2>&1 \
    || fail "ldc2 $prog failed"
done
rm -f "$log"
