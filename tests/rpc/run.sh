#!/usr/bin/env bash
# run.sh — worker-to-worker RPC end to end (`tests/run.sh rpc`): usage
# tests/rpc/run.sh LOAM. Builds the c-shopping-cart-rpc workspace once, the
# way its README does (loam new, stubgen initialize-workspace, make
# build-flow), then runs cart.sh (the seed's flow, kill -9 + restart, the
# local fast path), errors.sh (bad targets) and faults.sh (a crash at each
# RPC step) on it, each against its own server and data directory;
# readme.sh (the example's README, command by command, in its own fresh
# workspace); and tests/stubgen/run.sh when it exists. Exits nonzero if
# anything failed.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export LOAM="$(realpath "${1:?usage: tests/rpc/run.sh LOAM}")"
source "$here/lib.sh"

status=0
build_workspace || status=1
finish || status=1
if [ $status = 0 ]; then
  export LOAM_RPC_DEBUG="$DEBUG"
  for t in cart readme errors faults; do
    echo "--- $t.sh"
    # A whole script has 10 minutes at most, whatever hangs.
    timeout 600 "$here/$t.sh" || { echo "$t.sh failed"; status=1; }
  done
fi
if [ -x "$here/../stubgen/run.sh" ]; then
  echo "--- tests/stubgen/run.sh"
  timeout 900 "$here/../stubgen/run.sh" "$LOAM" || { echo "tests/stubgen/run.sh failed"; status=1; }
fi
[ $status = 0 ] && echo "rpc: ok" || echo "rpc: FAILED"
exit $status
