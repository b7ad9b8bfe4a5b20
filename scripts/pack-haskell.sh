#!/usr/bin/env bash
# Builds the source package of interop-runtime (cabal sdist: the same bytes from the same sources)
# into OUT_DIR and prints its path. A cabal project names it in its cabal.project
# (docs/use-haskell.md); cabal builds it once into its store.
#   bash scripts/pack-haskell.sh OUT_DIR
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: scripts/pack-haskell.sh OUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
# sdist runs in a project of its own that names only the runtime: cabal 3.4's sdist always reads
# the cabal.project of the folder it runs in, and runtime-haskell's names generated packages
# (test/gen) that exist only after runtime-haskell/build.sh, so a fresh clone could not pack.
# No package repository: sdist needs none, and there is no Hackage here.
project=$(mktemp -d "${TMPDIR:-/tmp}/interop-pack-haskell-XXXXXX")
trap 'rm -rf "$project"' EXIT
echo "packages: $repo/runtime-haskell" > "$project/cabal.project"
(cd "$project" && CABAL_CONFIG="$repo/runtime-haskell/cabal.config" cabal sdist --output-dir "$out" interop-runtime >&2)
ls "$out"/interop-runtime-*.tar.gz
