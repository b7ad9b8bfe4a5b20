#!/usr/bin/env bash
# Builds runtime-d's test program into runtime-d/.build (ignored by git): runtime-c as a shared
# library (CMake), the D and C code `interopc gen --lang d` writes for the test schemas, the C part
# with cc and the D part with ldc2 -unittest -w (warnings are errors: generated code must compile
# warning-free). Prints nothing when all goes well; the build's own output when it fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
out="$here/.build"
mkdir -p "$out"
log="$out/build.log"
: >"$log"
fail() { cat "$log"; echo "runtime-d/build.sh: $1" >&2; exit 1; }

# runtime-c: libinterop.so, incrementally.
cmake -S "$root/runtime-c" -B "$out/c" -DINTEROP_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >>"$log" 2>&1 || fail "configuring runtime-c failed"
cmake --build "$out/c" -j "$(nproc 2>/dev/null || echo 2)" >>"$log" 2>&1 || fail "building runtime-c failed"

# The generated code of the test schemas.
rm -rf "$out/gen" "$out/obj"
mkdir -p "$out/gen" "$out/obj"
node "$root/compiler/bin/interopc.mjs" gen --lang d --out "$out/gen" \
  "$root/test/vectors/vectors.interop" "$root/test/conformance/conformance.interop" \
  "$root/runtime-c/test/data/clashes.interop" >>"$log" 2>&1 || fail "interopc gen --lang d failed"
for c in "$out"/gen/*.c; do
  cc -std=c11 -O1 -g -Wall -Wextra -Werror -fPIC -I "$root/runtime-c/include" -I "$out/gen" -c "$c" \
    -o "$out/obj/$(basename "${c%.c}").o" >>"$log" 2>&1 || fail "compiling $(basename "$c") failed"
done

mapfile -t dsources < <(find "$here/source" "$out/gen" "$here/test" -name '*.d' | sort)
ldc2 -unittest -w -g -I "$here/source" -I "$out/gen" -I "$here/test" "${dsources[@]}" "$out"/obj/*.o \
  -L-L"$out/c" -L-linterop -L-rpath="$out/c" -of="$out/runtime-d-test" -od="$out/dobj" >>"$log" 2>&1 \
  || fail "ldc2 failed"
