#!/usr/bin/env bash
# Installs this build of runtime-c into a temporary prefix, then builds two programs outside the
# repository against it: one with CMake (find_package(interop), interop_generate()), one with
# pkg-config and the C compiler alone. Both must run. Removes everything it made.
#   out_of_tree.sh BUILD_DIR
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/interop-c-out-of-tree-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cp -r "$here/out-of-tree" "$tmp/project"
cmake -S "$tmp/project" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/build" >/dev/null
LD_LIBRARY_PATH="$tmp/prefix/lib:$tmp/prefix/lib64:${LD_LIBRARY_PATH:-}" "$tmp/build/demo"
# pkg-config: the generated code comes from the package's interopc; compile and link by hand.
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig:$tmp/prefix/lib64/pkgconfig"
node "$here/../../compiler/bin/interopc.mjs" gen --lang c --out "$tmp/gen" "$tmp/project/hello.interop" >/dev/null
cc -std=c11 -Wall -Wextra -Werror -I"$tmp/gen" $(pkg-config --cflags interop) "$tmp/project/main.c" "$tmp/gen/demo_hello.c" \
  $(pkg-config --libs interop) -o "$tmp/demo-pc"
LD_LIBRARY_PATH="$tmp/prefix/lib:$tmp/prefix/lib64:${LD_LIBRARY_PATH:-}" "$tmp/demo-pc"
echo "out-of-tree: CMake package and pkg-config both build and run"
