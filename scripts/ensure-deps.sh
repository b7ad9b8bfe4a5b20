#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine, idempotently: npm packages (which also
# builds runtime-ts through the root `prepare` script) and the Python runtime's virtualenv.
# Called by both quick-start commands; safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.interop-lock-stamp
if [ ! -d node_modules ] || ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
  echo "[setup] installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
# The runtime's compiled output is what generated JS imports; rebuild it when sources are newer.
if [ ! -f runtime-ts/dist/index.js ] || [ -n "$(find runtime-ts/src -newer runtime-ts/dist/index.js -name '*.ts' -print -quit)" ]; then
  echo "[setup] building runtime-ts"
  npx tsc -p runtime-ts/tsconfig.build.json
fi
if [ -x runtime-python/setup.sh ]; then
  runtime-python/setup.sh
fi
