#!/usr/bin/env bash
# Runs the WebAssembly spec suite (the 90 non-SIMD scripts of tiers A, B, C)
# through `loam wast`. Usage: tests/spec/run.sh [LOAM_BINARY] [-v]
# The test suite lives in shared/ next to the repository (CI's clone sits
# beside shared/ the same way); LOAM_SHARED overrides where that is.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
loam="${1:-$root/build/loam}"
shift || true
shared="${LOAM_SHARED:-$root/../shared}"
suite="$shared/testsuite/wasm-core"

if [ ! -x "$loam" ]; then
  echo "spec: no loam binary at $loam (run make build)" >&2
  exit 2
fi
for tier in tierA-mvp tierB-cheap tierC-bulk-ref; do
  if [ ! -f "$suite/$tier.txt" ]; then
    echo "spec: $suite/$tier.txt not found (set LOAM_SHARED)" >&2
    exit 2
  fi
done
suite="$(cd "$suite" && pwd)"

# First check the runner itself: selftest/pass.wast must pass entirely and
# every assertion of selftest/expect-fail.wast must be counted as a failure.
selftest() {
  local file="$1" want="$2" got
  got=$("$loam" wast "$root/tests/spec/selftest/$file" | grep "^$root/tests/spec/selftest/$file: " || true)
  got="${got#*: }"
  if [ "$got" != "$want" ]; then
    echo "spec: runner self-test $file: expected \"$want\", got \"$got\"" >&2
    "$loam" wast -v "$root/tests/spec/selftest/$file" >&2 || true
    exit 1
  fi
}
selftest pass.wast "24 passed, 0 failed, 1 skipped"
selftest expect-fail.wast "0 passed, 15 failed, 0 skipped"
echo "spec: runner self-test ok"

files=()
for tier in tierA-mvp tierB-cheap tierC-bulk-ref; do
  while read -r name; do
    [ -n "$name" ] && files+=("$suite/$name.wast")
  done <"$suite/$tier.txt"
done

echo "spec: ${#files[@]} scripts"
exec "$loam" wast "$@" "${files[@]}"
