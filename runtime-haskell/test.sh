#!/usr/bin/env bash
# The Haskell runtime's tests: builds (or finds in the cache) everything with build.sh, then runs
# the tasty suite. With an argument, writes JUnit XML there (scripts/test.sh sums its counts).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/build.sh"
if [ $# -gt 0 ]; then
  xml="$(realpath -m "$1")"  # the caller's path, before this script changes directory
  cd "$here"
  exec .build/bin/interop-runtime-test --xml="$xml" --hide-successes
else
  cd "$here"
  exec .build/bin/interop-runtime-test --hide-successes
fi
