#!/usr/bin/env bash
# run.sh — the server tests against a loam binary: usage tests/server/run.sh LOAM
# e2e.sh (every endpoint and command), errors.sh (bad requests),
# concurrency.sh (16 clients x 200 workers); each bounded by `timeout`.
# Needs curl and jq. Exits nonzero if any failed.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export LOAM="$(realpath "${1:-build/loam}")"
for t in curl jq; do
  command -v "$t" >/dev/null || { echo "tests/server: $t is not installed"; exit 1; }
done
rc=0
for t in e2e errors concurrency; do
  echo "--- server/$t"
  timeout -k 5 300 "$here/$t.sh" || { echo "--- server/$t: FAILED"; rc=1; }
done
exit $rc
