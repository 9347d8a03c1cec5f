#!/usr/bin/env bash
# Installs every Debian package loam needs to build, test and benchmark.
# Idempotent: packages already present are skipped; runs apt-get through sudo
# when not root. This is the only place dependencies are named.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config
  # guests: clang for wasm32-wasi, the linker, the C library and builtins
  clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32
  # sanitizers and libFuzzer runtime for the host build
  libclang-rt-14-dev
  # spec tests: wast2json converts .wast scripts to JSON + binary modules
  wabt
  # libraries: JSON (wast runner, later the REST API), unit tests
  libjansson-dev libcmocka-dev
  # storage and HTTP for the executor and server (loam loads libmicrohttpd.so.12
  # and libcurl.so.4, which these bring in, when the server or a client
  # command runs: src/util/dynlib.h)
  libsqlite3-dev libmicrohttpd-dev libcurl4-openssl-dev
  # end-to-end server tests drive the REST API with curl and read JSON with jq
  curl jq
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
