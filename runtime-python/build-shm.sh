#!/usr/bin/env bash
# Builds _interop_shm, the C extension behind the shm transport (docs/wire.md §9,
# interop_runtime/transport/shm.py), into the virtualenv given (default runtime-python/.venv), once:
# again only when its sources are newer. Without it the runtime works and shm: addresses fail with
# a clear error. Linux only (memfd, eventfd).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${1:-$here/.venv}"
py="$venv/bin/python"
# The ring core is runtime-c's (src/shm_ring.c: libc and Linux only), compiled in as it is.
sources=("$here/native/interop_shm.c" "$here/../runtime-c/src/shm_ring.c" "$here/../runtime-c/include/interop/shm_ring.h")
read -r include platlib suffix < <("$py" -c 'import sysconfig as s; print(s.get_paths()["include"], s.get_paths()["platlib"], s.get_config_var("EXT_SUFFIX"))')
out="$platlib/_interop_shm$suffix"
if [ -f "$out" ] && [ -z "$(find "${sources[@]}" "$0" -newer "$out" -print -quit)" ]; then
  exit 0
fi
if [ ! -f "$include/Python.h" ]; then
  echo "[setup] skipping the Python shm extension: no Python.h in $include (install python3-dev)" >&2
  exit 0
fi
echo "[setup] building the Python shm extension (_interop_shm)"
cc=$(command -v cc || command -v gcc)
"$cc" -O2 -std=gnu11 -Wall -Wextra -Werror -fPIC -shared -I"$include" -I"$here/../runtime-c/include" \
  "${sources[@]:0:2}" -o "$out.tmp"
mv "$out.tmp" "$out"
