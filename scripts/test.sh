#!/usr/bin/env bash
# The whole test suite, every language: the README's second quick-start command and what .ci/run
# calls. Installs what is missing first, runs each language's own test runner, checks that the
# tests left no trace, and ends with one line `N passed, N failed` summed over all of them (the
# trace checks count as tests). Exits non-zero if anything failed.
#
# To add a runner: one `runner NAME COMMAND...` line that writes its results (vitest JSON or JUnit
# XML) into $results, and teach scripts/summarize-tests.mjs its format if it is a new one.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

results=$PWD/test/out/results
rm -rf "$results" && mkdir -p "$results"
status=0
node scripts/check-traces.mjs snapshot "$results/worktree-before.snapshot"

# Each runner gets its own empty temp dir as TMPDIR (honoured by Node's os.tmpdir() and Python's
# tempfile, and so by every socket path the tests make), so suites that run at the same time do
# not see each other's files, and what a runner leaves behind is found and named. Keep the path
# short: a unix socket path must fit in 108 bytes.
temps=()
trap 'for t in "${temps[@]}"; do rm -rf "${t#*=}"; done' EXIT
runner() {
  local name=$1 dir
  shift
  dir=$(mktemp -d "${TMPDIR:-/tmp}/it-$name.XXXXXX")
  temps+=("$name=$dir")
  TMPDIR=$dir "$@" || status=1
}

echo "== TypeScript: compiler, runtime, generated code, conformance (vitest)"
runner vitest npx vitest run --reporter=default --reporter=json --outputFile.json="$results/vitest.json"

if [ -f runtime-python/pyproject.toml ]; then
  echo "== Python: runtime and generated code (pytest)"
  # pytest keeps its tmp_path folders for debugging; it gets a folder of its own, removed after.
  pytest_runner() {
    (cd runtime-python && .venv/bin/python -m pytest -q -p no:cacheprovider --basetemp="$TMPDIR/pytest" --junitxml="$results/pytest.xml")
    local rc=$?
    rm -rf "$TMPDIR/pytest"
    return $rc
  }
  runner pytest pytest_runner
fi

echo "== C: runtime-c and generated C (ctest with cmocka; gcc, and clang under ASan+UBSan)"
runner c bash runtime-c/test.sh "$results"

if [ -x runtime-haskell/test.sh ]; then
  echo "== Haskell: runtime, generated code, golden vectors, properties (tasty)"
  haskell_runner() {
    runtime-haskell/test.sh "$results/haskell.xml" || return 1
    [ -f "$results/haskell.xml" ] || { echo "runtime-haskell/test.sh wrote no results"; return 1; }
  }
  runner haskell haskell_runner
fi

if [ -x runtime-d/test.sh ]; then
  echo "== D: runtime-d and generated D over runtime-c (ldc2 -unittest)"
  d_runner() {
    runtime-d/test.sh "$results/d.xml" || return 1
    [ -f "$results/d.xml" ] || { echo "runtime-d/test.sh wrote no results"; return 1; }
  }
  runner d d_runner
fi

echo "== Traces: git status, temp dirs, processes left by the tests"
node scripts/check-traces.mjs check "$results/traces.xml" "$results/worktree-before.snapshot" "${temps[@]}" || status=1

node scripts/summarize-tests.mjs "$results" "$status"
exit $?
