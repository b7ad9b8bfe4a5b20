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
