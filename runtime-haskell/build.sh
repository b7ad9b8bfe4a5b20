#!/usr/bin/env bash
# Builds the Haskell runtime, its tests and the programs the other suites run (conformance
# server and client, benchmarks), and links them into runtime-haskell/.build/bin/.
#
# GHC is slow, so builds are cached outside git, keyed on their sources: the key is a hash of
# every Haskell and C source, cabal file and generated module, and of the GHC version. A key already
# built (by this clone, a fresh clone of the same commit, another worktree) is linked at once;
# otherwise cabal builds it in a build directory of this clone (incremental from the last build
# here) and the binaries are stored under the key. Generated modules are regenerated first
# (interopc gen, about a second), so a compiler change that moves them is a new key too.
# The cache lives in ${INTEROP_CACHE:-$XDG_CACHE_HOME/interop or ~/.cache/interop}/haskell and
# keeps the 6 most recent keys.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"

cache="${INTEROP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/interop}/haskell"
mkdir -p "$cache/bin" "$cache/build" "$here/.build"
exec 9>"$here/.build/lock"
flock 9

# Generated code: every schema of test/schemas/valid (all of it must compile), the vector schema and
# the conformance schema, as one package (interop-schemas) the tests and programs depend on.
gen=runtime-haskell/test/gen
rm -rf "$gen"
quiet() { local out; out="$("$@" 2>&1)" || { echo "$out" >&2; return 1; }; }
quiet node compiler/bin/interopc.mjs gen --lang haskell -I test/schemas/valid/include --out "$gen" \
  test/schemas/valid/*.interop test/vectors/vectors.interop test/conformance/conformance.interop
{
  echo "cabal-version: 2.4"
  echo "name:          interop-schemas"
  echo "version:       0.1.0"
  echo "build-type:    Simple"
  echo "-- Written by runtime-haskell/build.sh: the generated modules of the test schemas."
  echo "library"
  echo "  default-language: Haskell2010"
  echo "  -- -O0: GHC takes a fraction of -O1's time on generated modules (docs/haskell.md)."
  echo "  ghc-options:      -O0"
  echo "  build-depends:    base, interop-runtime"
  echo "  exposed-modules:"
  (cd "$gen" && find . -name '*.hs' | sed 's|^\./||; s|\.hs$||; s|/|.|g' | LC_ALL=C sort | sed 's/^/    /')
} > "$gen/interop-schemas.cabal"
# The example of docs/haskell.md, with its own gen step; and the benchmarks' shapes (bench/haskell).
quiet node compiler/bin/interopc.mjs gen --lang haskell --out examples/haskell-chat/gen examples/haskell-chat/chat.interop
quiet node compiler/bin/interopc.mjs gen --lang haskell --out bench/haskell/gen bench/schema/shapes.interop

key="$( (ghc --numeric-version
  find runtime-haskell test/conformance/haskell examples/haskell-chat bench/haskell -path runtime-haskell/.build -prune -o \( -name '*.hs' -o -name '*.cabal' -o -name 'cabal.project' -o -name '*.c' -o -name '*.h' \) \( -type f -o -type l \) -print \
    | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-16)"
bins="$cache/bin/$key"

if [ ! -d "$bins" ]; then
  echo "[haskell] building runtime-haskell (cabal, GHC $(ghc --numeric-version)); cache key $key"
  builddir="$cache/build/$(printf '%s' "$repo" | sha256sum | cut -c1-16)"
  start=$(date +%s)
  (cd runtime-haskell && CABAL_CONFIG="$here/cabal.config" cabal build --offline --builddir="$builddir" all 2>&1; echo "cabal exit $?") \
    | grep -vE '^(Warning: No remote package servers|one specified in the config file|Resolving dependencies|Build profile|In order, the following| - |Up to date|Configuring|Preprocessing|Building|Linking)' \
    | sed -E 's/^(\[ *[0-9]+ of [0-9]+\] Compiling [^ ]+).*/\1/' | tee "$here/.build/last-build.log" | grep -v '^cabal exit 0$' || true
  grep -q '^cabal exit 0$' "$here/.build/last-build.log" || { echo "[haskell] build failed (log: runtime-haskell/.build/last-build.log)" >&2; exit 1; }
  tmp="$cache/bin/.tmp-$key-$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  for exe in interop-runtime-test conformance-server conformance-client haskell-chat bench-haskell; do
    found="$(cd runtime-haskell && CABAL_CONFIG="$here/cabal.config" cabal list-bin --offline --builddir="$builddir" "$exe" 2>/dev/null | tail -1)"
    [ -x "$found" ] || { echo "[haskell] build failed: no $exe" >&2; rm -rf "$tmp"; exit 1; }
    cp "$found" "$tmp/$exe"
  done
  mv -T "$tmp" "$bins" 2>/dev/null || rm -rf "$tmp" # another build stored the same key first
  echo "[haskell] built in $(( $(date +%s) - start )) s"
  # Keep the most recent keys only.
  ls -1t "$cache/bin" | tail -n +7 | while read -r old; do rm -rf "${cache:?}/bin/$old"; done
fi
touch "$bins"
ln -sfn "$bins" "$here/.build/bin"
