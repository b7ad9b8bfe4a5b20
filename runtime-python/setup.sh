#!/usr/bin/env bash
# Creates runtime-python/.venv (once) and installs the runtime in editable mode with its pinned
# dev tools. Idempotent: safe to run before every test run on a fresh or a used machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
# Reinstall only when pyproject.toml changed since the last successful install.
stamp="$venv/.installed-pyproject"
if [ ! -f "$stamp" ] || ! cmp -s "$stamp" "$here/pyproject.toml"; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$here[dev]"
  cp "$here/pyproject.toml" "$stamp"
fi
# The runtime's dependencies as wheels, so that test/packages/install.test.ts installs the built
# interop_runtime wheel into a fresh virtualenv offline (pip install --no-index --find-links).
wheels="$venv/wheelhouse"
wheels_stamp="$wheels/.pyproject"
if [ ! -f "$wheels_stamp" ] || ! cmp -s "$wheels_stamp" "$here/pyproject.toml"; then
  echo "[setup] downloading the Python runtime's dependencies as wheels (for the package test)"
  rm -rf "$wheels"
  deps=$("$venv/bin/python" -c 'import sys, tomllib; print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]))' "$here/pyproject.toml")
  # shellcheck disable=SC2086  # one requirement per word
  "$venv/bin/python" -m pip download --quiet --disable-pip-version-check --dest "$wheels" $deps
  cp "$here/pyproject.toml" "$wheels_stamp"
fi
# The C extension of the shm transport (docs/wire.md §9), into the virtualenv; skipped with a
# note when Python's headers are missing (shm: then says so, every other transport works).
bash "$here/build-shm.sh" "$venv"
