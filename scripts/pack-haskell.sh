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
# No package repository: sdist needs none, and there is no Hackage here.
(cd "$repo/runtime-haskell" && CABAL_CONFIG="$repo/runtime-haskell/cabal.config" cabal sdist --output-dir "$out" ./ >&2)
ls "$out"/interop-runtime-*.tar.gz
