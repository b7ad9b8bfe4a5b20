#!/usr/bin/env bash
# The whole test suite, every language: the README's second quick-start command and what .ci/run
# calls. Installs what is missing first, runs each language's own test runner, and ends with one
# line `N passed, N failed` summed over all of them. Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

results=test/out/results
rm -rf "$results" && mkdir -p "$results"
status=0

echo "== TypeScript: compiler, runtime, generated code, conformance (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$results/vitest.json" || status=1

if [ -f runtime-python/pyproject.toml ]; then
  echo "== Python: runtime and generated code (pytest)"
  (cd runtime-python && .venv/bin/python -m pytest -q -p no:cacheprovider --junitxml="../$results/pytest.xml") || status=1
fi

echo "== C: runtime-c and generated C (ctest with cmocka; gcc, and clang under ASan+UBSan)"
bash runtime-c/test.sh "$results" || status=1

if [ -x runtime-haskell/test.sh ]; then
  echo "== Haskell: runtime, generated code, golden vectors, properties (tasty)"
  runtime-haskell/test.sh "$results/haskell.xml" || status=1
  [ -f "$results/haskell.xml" ] || { echo "runtime-haskell/test.sh wrote no results"; status=1; }
fi

node scripts/summarize-tests.mjs "$results" "$status"
exit $status
