#!/usr/bin/env bash
# The example guests from a clean copy: usage tests/bindgen/examples.sh LOAM
# For every examples/<name>/loam.toml: `loam new --example <name>` into a
# scratch directory, plain `loam build` there, and `loam inspect`; the
# counter must import nothing but WASI preview1 functions and answer
# `loam run --invoke`. Exits nonzero on the first failure.
set -euo pipefail
loam="$(realpath "${1:-build/loam}")"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/loam-examples-XXXXXX)"
trap 'rm -rf "$work"' EXIT

"$loam" list-examples
for toml in "$root"/examples/*/loam.toml; do
  name="$(basename "$(dirname "$toml")")"
  echo "--- $name"
  "$loam" new --example "$name" "$work/$name" >/dev/null
  (cd "$work/$name" && "$loam" build)
  wasm="$(ls "$work/$name"/*.wasm)"
  "$loam" inspect "$wasm" > "$work/$name.inspect"
  grep -q '^// loam:world ' "$work/$name.inspect" || { echo "$name: no embedded WIT"; exit 1; }
  # Every import is a WASI preview1 function (the examples call no host API).
  if sed -n '/^== imports/,/^== exports/p' "$work/$name.inspect" | grep '^  ' \
      | grep -v '^  func wasi_snapshot_preview1 '; then
    echo "$name: unexpected imports"
    exit 1
  fi
done

# The counter: no imports at all (it does no I/O), and it runs.
counter="$work/c-counter/counter.wasm"
imports="$(sed -n '/^== imports/,/^== exports/p' "$work/c-counter.inspect" | grep -c '^  ' || true)"
[ "$imports" = 0 ] || { echo "c-counter: $imports imports, want 0"; exit 1; }
"$loam" run "$counter" --invoke 'example:counter/api#inc-by' 5
got="$("$loam" run "$counter" --invoke 'example:counter/api#get')"
[ "$got" = 0 ] || { echo "c-counter: get gave '$got'"; exit 1; }

# The README's spelled-out command gives the same module.
(cd "$work/c-counter" && "$loam" build -q --wit wit --world counter --bindings bindings \
  -o again.wasm src/counter.c >/dev/null)
cmp "$counter" "$work/c-counter/again.wasm"
echo "examples: ok"
