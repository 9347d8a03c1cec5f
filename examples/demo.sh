#!/usr/bin/env bash
# examples/demo.sh — `make demo`: builds examples/hello/hello.c for
# wasm32-wasi with clang-14 and Debian's wasi-libc, then runs it with
# `loam run` in a scratch directory, saying what happens at each step.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
loam="${LOAM:-$root/build/loam}"
work="$(mktemp -d /tmp/loam-demo-XXXXXX)"
trap 'rm -rf "$work"' EXIT

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show() { printf '$'; printf ' %q' "$@"; printf '\n'; "$@"; }

[ -x "$loam" ] || { echo "demo: $loam is missing; run 'make build' first" >&2; exit 1; }

say "Compiling examples/hello/hello.c to WebAssembly (wasm32-wasi)"
show clang-14 --target=wasm32-wasi --sysroot=/usr -O2 \
  -o "$work/hello.wasm" "$root/examples/hello/hello.c"
echo "hello.wasm: $(stat -c %s "$work/hello.wasm") bytes"

say "Running it: loam decodes, validates and translates the module, links WASI, calls _start"
mkdir "$work/shared"
show "$loam" run "$work/hello.wasm" --dir "$work/shared::." --env NAME=loam -- one "two words"

say "The guest could only touch the directory we shared with --dir:"
show ls -l "$work/shared"

say "The guest's exit code becomes loam's"
set +e
"$loam" run "$work/hello.wasm" -- fail >/dev/null
echo "exit status with argument 'fail': $?"
set -e

say "Done. Try it yourself: $loam run FILE.wasm [--dir HOST[::GUEST]] [--env K=V] [-- ARGS]"
