#!/usr/bin/env bash
# Builds the wheel of interop_runtime (pure Python, with py.typed) into OUT_DIR and prints its path.
# The runtime reads the node config schema of docs/ (the documented contract); the wheel carries a
# copy in interop_runtime/schemas/, so the build runs on a copy of runtime-python with it added.
# Uses runtime-python/.venv (scripts/ensure-deps.sh makes it): pip wheel, no download.
#   bash scripts/build-wheel.sh OUT_DIR
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: scripts/build-wheel.sh OUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
stage="$(mktemp -d "$out/.stage-XXXXXX")"
trap 'rm -rf "$stage"' EXIT
cp -r "$repo/runtime-python/pyproject.toml" "$repo/runtime-python/README.md" "$repo/runtime-python/src" "$stage/"
find "$stage/src" -name __pycache__ -prune -exec rm -rf {} +
rm -rf "$stage"/src/*.egg-info
mkdir "$stage/src/interop_runtime/schemas"
cp "$repo/docs/config.schema.json" "$stage/src/interop_runtime/schemas/"
"$repo/runtime-python/.venv/bin/python" -m pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation --wheel-dir "$out" "$stage" >&2
ls "$out"/interop_runtime-*.whl
