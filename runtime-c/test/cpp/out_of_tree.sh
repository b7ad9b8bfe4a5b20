#!/usr/bin/env bash
# Installs this build of runtime-c into a temporary prefix, then builds a C++ program outside the
# repository against it with CMake (find_package(interop), interop_generate(LANGUAGE cpp)). It
# must run. Removes everything it made.
#   out_of_tree.sh BUILD_DIR
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/interop-cpp-out-of-tree-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cp -r "$here/out-of-tree" "$tmp/project"
cp "$here/../out-of-tree/hello.interop" "$tmp/project/"
cmake -S "$tmp/project" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/build" >/dev/null
LD_LIBRARY_PATH="$tmp/prefix/lib:$tmp/prefix/lib64:${LD_LIBRARY_PATH:-}" "$tmp/build/demo_cpp"
echo "out-of-tree (C++): the CMake package builds and runs a C++ program"
