#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine, idempotently: the Debian packages of
# the native runtimes (GHC and the Haskell libraries included: there is no Hackage), npm packages
# (which also builds runtime-ts through the root `prepare` script) and the Python runtime's virtualenv.
# Called by both quick-start commands; safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages for runtime-c (docs/c.md): compilers, CMake, libuv, cJSON, cmocka, and clang's
# sanitizer and libFuzzer runtimes; for runtime-haskell (docs/haskell.md): GHC, cabal and the
# libraries of its cabal files; bubblewrap for the test of a plugin in a sandbox
# (test/plugins/sandbox.test.ts); Debian's Chromium, driven by playwright-core in the browser tests
# (test/browser) and the test of the example's web page, and openssl, which makes their
# self-signed certificates; wslay and OpenSSL's libcrypto for runtime-c's ws:// (ADR 0024) and
# http-parser for its http:// (ADR 0025).
# Installed only when one is missing.
native_packages=(gcc cmake pkg-config libuv1-dev libcjson-dev libcmocka-dev clang-14 libclang-rt-14-dev llvm-14 bubblewrap
  libwslay-dev libssl-dev libhttp-parser-dev
  ghc cabal-install libghc-scientific-dev libghc-network-dev libghc-async-dev libghc-tasty-dev
  libghc-tasty-hunit-dev libghc-tasty-quickcheck-dev libghc-tasty-ant-xml-dev libghc-quickcheck2-dev
  chromium openssl)
missing=()
# The C++ layer of runtime-c and its tests (docs/cpp.md): g++ and GoogleTest.
native_packages+=(g++ libgtest-dev)
# runtime-d (docs/d.md): LDC, the LLVM D compiler, with Phobos and druntime, and dub.
native_packages+=(ldc dub)
# python3-dev: Python.h, for the C extension of the Python runtime's shm transport (runtime-python/build-shm.sh).
native_packages+=(python3-dev)
# make: CMake's default generator drives it, and so does the Makefile of docs/use-python.md.
native_packages+=(make)
# protoc and flatc: the tests run them over `interopc gen --lang proto` / `--lang fbs` (ADR 0028).
native_packages+=(protobuf-compiler flatbuffers-compiler)
for p in "${native_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

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
# runtime-ts's shm addon (runtime-ts/native/shm, docs/ts.md) over runtime-c's ring core: built by
# the node-gyp that npm ships, against the installed Node's own headers (--nodedir=/usr: nothing
# is downloaded).
shm_addon=runtime-ts/native/shm/build/Release/interop_shm.node
if [ ! -f "$shm_addon" ] || [ -n "$(find runtime-ts/native/shm/addon.c runtime-ts/native/shm/binding.gyp runtime-c/src/shm_ring.c runtime-c/include/interop/shm_ring.h -newer "$shm_addon" -print -quit)" ]; then
  echo "[setup] building runtime-ts's shm addon (node-gyp)"
  (cd runtime-ts/native/shm && node "$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js" rebuild --nodedir=/usr --loglevel=error >/dev/null)
fi
if [ -x runtime-python/setup.sh ]; then
  runtime-python/setup.sh
fi
