#!/usr/bin/env bash
# The README's first command (`npm run example`): runs the example application twice, from a fresh
# clone, and ends by itself.
#   1. examples/greenhouse/app.json: `interop run` first regenerates the TS and Python code from
#      the .interop schemas with interopc (the config's "prepare" step), then starts the nodes.
#   2. examples/greenhouse/app-moved.json: the same code, rearranged by config alone (the climate
#      module in a node of its own, another transport and codec), started with --no-prepare to show
#      that nothing is regenerated or rebuilt.
# Each run prints what happens, prefixed by node, and a summary. Ctrl-C stops cleanly at any time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh

# The bin through node rather than npx: npx would look in the registry if the workspace link is missing.
interop() { node runtime-ts/bin/interop.mjs "$@"; }

echo
echo "=== 1/2: examples/greenhouse/app.json (regenerates code with interopc, then runs)"
interop run examples/greenhouse/app.json
echo
echo "=== 2/2: examples/greenhouse/app-moved.json (same code, different layout: no regeneration, no rebuild)"
interop run --no-prepare examples/greenhouse/app-moved.json
echo
echo "Both layouts ran from the same generated code. See examples/greenhouse/README.md for what to try next."
