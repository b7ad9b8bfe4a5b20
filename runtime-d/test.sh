#!/usr/bin/env bash
# runtime-d's tests (ldc2 -unittest): builds with build.sh, then runs every unittest block one by
# one. With an argument, writes JUnit XML there (scripts/test.sh sums its counts).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
xml=()
[ $# -gt 0 ] && xml=("$(realpath -m "$1")")
"$here/build.sh"
export INTEROP_REPO_ROOT="$(dirname "$here")"
export INTEROP_NODE="$here/.build/c/interop-node"
export INTEROP_LIB_DIR="$here/.build/c"
export MIX_LEFT_LIBRARY="$here/.build/libmix_left.so" MIX_RIGHT_LIBRARY="$here/.build/libmix_right.so"
exec "$here/.build/runtime-d-test" "${xml[@]}"
