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
# loam new: the workspace example is listed, and a copy leaves out what the
# flow generates (a workspace run in the examples directory itself).
contains "list-examples" "$("$LOAM" list-examples)" "c-shopping-cart-rpc"
mkdir -p "$WORK/examples"
cp -r "$ROOT/examples/shopping-cart-rpc" "$WORK/examples/"
ex="$WORK/examples/shopping-cart-rpc"
mkdir -p "$ex/target/wasm32-wasi/debug" "$ex/purchase-history-stub/wit" "$ex/shopping-cart/wit/deps/x"
touch "$ex/Makefile" "$ex/target/wasm32-wasi/debug/a.wasm" "$ex/purchase-history-stub/wit/_stub.wit"
touch "$ex/shopping-cart/wit/deps/x/x.wit" "$ex/shopping-cart/shopping_cart.wasm"
LOAM_EXAMPLES="$WORK/examples" "$LOAM" new --example c-shopping-cart-rpc "$WORK/copy" >/dev/null
eq "loam new from LOAM_EXAMPLES" $? 0
eq "the copy" "$(cd "$WORK/copy" && find . -type f | sort | tr '\n' ' ')" \
  "./README.md ./loam-example.toml ./purchase-history/loam.toml ./purchase-history/src/history.c ./purchase-history/wit/purchase-history.wit ./shopping-cart/loam.toml ./shopping-cart/src/cart.c ./shopping-cart/wit/shopping-cart.wit "
LOAM_EXAMPLES="$WORK/examples" "$LOAM" new --example shopping-cart-rpc "$WORK/copy2" 2>"$WORK/err"
eq "the directory's name is not the example's" $? 1
contains "unknown example" "$(cat "$WORK/err")" "no example 'shopping-cart-rpc'"
build_workspace || status=1
if [ $status = 0 ]; then
  # inspect names the stub a composed template carries
  out="$("$LOAM" inspect "$DEBUG/shopping_cart_composed.wasm")"
  contains "inspect lists the linked stub" "$out" \
    "stub 1: shopping:purchase-history-stub/stub-purchase-history"
  out="$("$LOAM" inspect "$DEBUG/purchase_history.wasm")"
  case "$out" in *"stubs linked in"*) fail "inspect lists stubs in a plain module" ;; *) pass ;; esac
fi
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
