#!/usr/bin/env bash
# Regenerates the fuzz seed corpus (fuzz/corpus/module/*.wasm) from the hand-written
# text modules in fuzz/seeds/ with wabt's wat2wasm.
set -euo pipefail
cd "$(dirname "$0")"
for wat in seeds/*.wat; do
  name="$(basename "$wat" .wat)"
  wat2wasm "$wat" -o "corpus/module/$name.wasm"
done
