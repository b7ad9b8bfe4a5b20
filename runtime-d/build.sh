#!/usr/bin/env bash
# Builds runtime-d's tests into runtime-d/.build (ignored by git): runtime-c as a shared library
# and interop-node (CMake), the D and C code `interopc gen --lang d` writes for the test schemas,
# the C part with cc and the D part with ldc2 -w (warnings are errors: generated code must compile
# warning-free): the test program (ldc2 -unittest), and a D module library for interop-node
# (test/mix/left.d) next to the C one of the C++ tests (runtime-c/test/cpp/mix/right.c).
# Prints nothing when all goes well; the build's output when it fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
out="$here/.build"
mkdir -p "$out"
log="$out/build.log"
: >"$log"
fail() { cat "$log"; echo "runtime-d/build.sh: $1" >&2; exit 1; }

# runtime-c: libinterop.so and interop-node, incrementally.
cmake -S "$root/runtime-c" -B "$out/c" -DINTEROP_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >>"$log" 2>&1 || fail "configuring runtime-c failed"
cmake --build "$out/c" -j "$(nproc 2>/dev/null || echo 2)" >>"$log" 2>&1 || fail "building runtime-c failed"

# The generated code of the test schemas, compiled position-independent (the module libraries use it too).
mix="$root/runtime-c/test/cpp/mix"
rm -rf "$out/gen" "$out/obj" "$out/obj-mix"
mkdir -p "$out/gen" "$out/obj" "$out/obj-mix"
node "$root/compiler/bin/interopc.mjs" gen --lang d --out "$out/gen" \
  "$root/test/vectors/vectors.interop" "$root/test/conformance/conformance.interop" \
  "$root/runtime-c/test/data/clashes.interop" "$mix/left.interop" "$mix/right.interop" \
  "$root/test/schemas/valid/tree.interop" >>"$log" 2>&1 \
  || fail "interopc gen --lang d failed"
cflags=(-std=c11 -O1 -g -Wall -Wextra -Werror -fPIC -I "$root/runtime-c/include" -I "$out/gen")
for c in "$out"/gen/*.c; do
  cc "${cflags[@]}" -c "$c" -o "$out/obj/$(basename "${c%.c}").o" >>"$log" 2>&1 || fail "compiling $(basename "$c") failed"
done
cc "${cflags[@]}" -c "$mix/right.c" -o "$out/obj-mix/right.o" >>"$log" 2>&1 || fail "compiling right.c failed"
mapfile -t runtime < <(find "$here/source" -name '*.d' | sort)
link=(-L-L"$out/c" -L-linterop -L-rpath="$out/c")

# The module libraries: C, and D against the shared druntime (one druntime for every D library).
cc -shared -o "$out/libmix_right.so" "$out/obj-mix/right.o" "$out/obj/mix_left.o" "$out/obj/mix_right.o" \
  -L"$out/c" -linterop -Wl,-rpath,"$out/c" >>"$log" 2>&1 || fail "linking libmix_right.so failed"
ldc2 -shared -link-defaultlib-shared -w -g -I "$here/source" -I "$out/gen" "$here/test/mix/left.d" \
  "$out/gen/mix/left.d" "$out/gen/mix/right.d" "${runtime[@]}" "$out/obj/mix_left.o" "$out/obj/mix_right.o" \
  "${link[@]}" -of="$out/libmix_left.so" -od="$out/dobj-mix" >>"$log" 2>&1 || fail "ldc2 libmix_left.so failed"

# Every valid schema of the corpus generates D that compiles warning-free (semantic check only).
for f in "$root"/test/schemas/valid/*.interop; do
  dir="$out/gen-valid/$(basename "$f" .interop)"
  rm -rf "$dir"
  node "$root/compiler/bin/interopc.mjs" gen --lang d --out "$dir" -I "$root/test/schemas/valid/include" "$f" >>"$log" 2>&1 \
    || fail "interopc gen --lang d $(basename "$f") failed"
  mapfile -t generated < <(find "$dir" -name '*.d')
  ldc2 -o- -w -I "$here/source" -I "$dir" "${generated[@]}" >>"$log" 2>&1 || fail "the D code of $(basename "$f") does not compile"
done

# The test program.
mapfile -t dsources < <(find "$out/gen" "$here/test" -name '*.d' -not -path '*/test/mix/*' | sort)
ldc2 -unittest -w -g -I "$here/source" -I "$out/gen" -I "$here/test" "${runtime[@]}" "${dsources[@]}" "$out"/obj/*.o \
  "${link[@]}" -of="$out/runtime-d-test" -od="$out/dobj" >>"$log" 2>&1 || fail "ldc2 failed"
