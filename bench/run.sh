#!/usr/bin/env bash
# `npm run bench` (full run, writes bench/RESULTS.md) or `npm run bench -- --smoke` (CI: a few
# iterations of everything, writes bench/out/RESULTS-smoke.md). Other flags: --only=suite,suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bench/setup.sh "$@"
exec node --import tsx bench/main.ts "$@"
