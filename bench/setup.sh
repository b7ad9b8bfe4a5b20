#!/usr/bin/env bash
# Installs what the benchmarks need, idempotently: the bench's own npm packages (bench/package.json,
# not a workspace), a Python virtualenv with the Python peers (bench/.venv), and, in full mode,
# Debian's protobuf-compiler for the compiler comparison and msgpack-c for the C codec suite. Then
# generates the code the benchmarks load into bench/out/. Usage: bench/setup.sh [--smoke]
set -euo pipefail
cd "$(dirname "$0")/.."
smoke=0; only=""
for a in "$@"; do
  [ "$a" = "--smoke" ] && smoke=1
  case "$a" in --only=*) only="$only,${a#--only=}," ;; esac
done
selected() { [ -z "$only" ] || [[ "$only" == *",$1,"* ]]; }

# The repository's own packages (tsx, the compiler, runtime-ts). A failure here (for example the
# runtime not building) leaves our side out of the figures but must not stop the peers' benchmarks.
if ! scripts/ensure-deps.sh; then
  echo "[bench] scripts/ensure-deps.sh failed: continuing with what is installed"
  [ -d node_modules/tsx ] || { echo "[bench] tsx is missing: cannot run"; exit 1; }
fi

stamp=bench/node_modules/.bench-lock-stamp
if [ ! -d bench/node_modules ] || ! cmp -s bench/package-lock.json "$stamp" 2>/dev/null; then
  # npm ci: exactly the lock, which it never rewrites (npm install would add other platforms'
  # optional packages to the tracked lock). The lock lists every platform's msgpackr-extract build.
  echo "[bench] installing bench npm packages (in bench/)"
  (cd bench && npm ci --no-audit --no-fund --loglevel=error)
  cp bench/package-lock.json "$stamp"
fi

pystamp=bench/.venv/.bench-requirements-stamp
if [ ! -x bench/.venv/bin/python ] || ! cmp -s bench/requirements.txt "$pystamp" 2>/dev/null; then
  echo "[bench] creating bench/.venv"
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q --disable-pip-version-check -r bench/requirements.txt
  cp bench/requirements.txt "$pystamp"
fi

# The Python shm transport's C extension, into bench/.venv too (its Python runs our Python side).
bash runtime-python/build-shm.sh "$PWD/bench/.venv" || echo "[bench] the Python shm extension did not build: Python over shm left out"

if ! command -v protoc >/dev/null && [ "$smoke" = 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[bench] installing Debian's protobuf-compiler"
  (apt-get install -y -qq protobuf-compiler >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq protobuf-compiler >/dev/null; }) ||
    echo "[bench] protobuf-compiler could not be installed: the compiler comparison will be skipped"
fi

# msgpack-c, the C codec suite's peer (bench/c/CMakeLists.txt), in full mode. Debian's
# libmsgpack-dev depends on the C++ headers and through them on Boost (~150 MiB), so unless it is
# installed already, only the C library (libmsgpackc2, libc only) is installed and the C headers
# are unpacked from libmsgpack-dev's own archive into bench/out/deb (no Boost, nothing vendored).
if [ "$smoke" = 0 ] && [ ! -f /usr/include/msgpack.h ] && [ ! -f bench/out/deb/usr/include/msgpack.h ] &&
   [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[bench] installing msgpack-c (libmsgpackc2, and libmsgpack-dev's C headers into bench/out/deb)"
  mkdir -p bench/out/deb
  if (apt-get install -y -qq libmsgpackc2 >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq libmsgpackc2 >/dev/null; }) &&
     (cd bench/out/deb && apt-get download -qq libmsgpack-dev >/dev/null 2>&1 && dpkg-deb -x libmsgpack-dev_*.deb . && rm -f libmsgpack-dev_*.deb); then :
  else
    echo "[bench] msgpack-c could not be installed: the C codec suite will run without its peer"
  fi
fi

# msgpack-cxx, the C++ codec suite's peer (bench/cpp/CMakeLists.txt), in full mode: header-only,
# used without Boost (MSGPACK_NO_BOOST), so its headers are unpacked from Debian's
# libmsgpack-cxx-dev archive into bench/out/deb unless the package is installed.
if [ "$smoke" = 0 ] && [ ! -f /usr/include/msgpack.hpp ] && [ ! -f bench/out/deb/usr/include/msgpack.hpp ] &&
   command -v apt-get >/dev/null; then
  echo "[bench] unpacking msgpack-cxx's headers (libmsgpack-cxx-dev) into bench/out/deb"
  mkdir -p bench/out/deb
  (cd bench/out/deb && apt-get download -qq libmsgpack-cxx-dev >/dev/null 2>&1 && dpkg-deb -x libmsgpack-cxx-dev_*.deb . && rm -f libmsgpack-cxx-dev_*.deb) ||
    echo "[bench] msgpack-cxx could not be unpacked: the C++ codec suite will run without its peer"
fi

# The Haskell suites' program (bench/haskell, built with the runtime: cached by source hash, so a
# no-op when the tests built it) and, for Haskell → C, the C bench (bench/c). A failure leaves
# those rows out with a note; the other suites still run.
mkdir -p bench/out
if selected codecs-hs || selected rpc-hs; then
  echo "[bench] building the Haskell benchmark (runtime-haskell/build.sh)"
  bash runtime-haskell/build.sh >bench/out/haskell-build.log 2>&1 ||
    echo "[bench] the Haskell build failed (bench/out/haskell-build.log): the Haskell rows will be left out"
fi
if selected rpc-hs; then
  echo "[bench] building the C benchmark (bench/c)"
  { cmake -S bench/c -B bench/out/c -DCMAKE_BUILD_TYPE=Release && cmake --build bench/out/c -j "$(nproc 2>/dev/null || echo 2)"; } \
    >bench/out/c-build.log 2>&1 || echo "[bench] the C build failed (bench/out/c-build.log): Haskell → C will be left out"
fi

bench/generate.sh
