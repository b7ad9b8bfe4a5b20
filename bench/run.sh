#!/usr/bin/env bash
# `npm run bench` (full run, writes bench/RESULTS.md) or `npm run bench -- --smoke` (CI: a few
# iterations of everything, writes bench/out/RESULTS-smoke.md). Other flags: --only=suite,suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bench/setup.sh "$@"
# Every socket and scratch file of this run goes into one temp dir of its own (TMPDIR, inherited by
# every benchmark child), removed when the run ends: children are killed, not asked to clean up.
# Short, because unix socket paths must fit in 108 bytes.
TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/ib.XXXXXX")
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
node --import tsx bench/main.ts "$@"
