# lib.sh — shared by the RPC end-to-end tests (sourced): a scratch
# directory, the c-shopping-cart-rpc workspace built from a fresh copy the
# way a user builds it, a real `loam server` on a free loopback port, CLI
# calls bounded in time, and checks. Whatever is started is killed and
# whatever is written is removed on exit, failure or not.
# Needs: LOAM (the loam binary), make, curl, jq, clang-14 with wasi-libc.

set -uo pipefail
: "${LOAM:?LOAM must name the loam binary}"
LOAM="$(realpath "$LOAM")"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d /tmp/loam-rpc-test-XXXXXX)"
SERVER_PID=""
SERVER_LOG="$WORK/server.log"
FAILS=0
CHECKS=0
# Seconds a single CLI call may take, and a server start.
CALL_TIMEOUT="${LOAM_TEST_CALL_TIMEOUT:-60}"
START_TIMEOUT=15

cleanup() {
  [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  FAILS=$((FAILS + 1))
  echo "FAIL: $*"
}
pass() { CHECKS=$((CHECKS + 1)); }

# eq NAME GOT WANT
eq() {
  if [ "$2" = "$3" ]; then pass; else fail "$1: got '$2', want '$3'"; fi
}

# contains NAME TEXT SUBSTRING
contains() {
  case "$2" in
  *"$3"*) pass ;;
  *) fail "$1: '$2' does not contain '$3'" ;;
  esac
}

# cli ARGS...: loam with a time bound; stdout as is, stderr to $WORK/err
# (read it with `err`); the exit status is loam's (124 on timeout).
cli() { timeout "$CALL_TIMEOUT" "$LOAM" "$@" 2>"$WORK/err"; }
err() { cat "$WORK/err"; }

# inv TEMPLATE/WORKER FUNCTION [ARGS...]: invoke-and-await, result in WAVE.
inv() { cli worker invoke-and-await "$@"; }

# build_workspace: loam new --example c-shopping-cart-rpc, stubgen
# initialize-workspace and make build-flow in $WORK/ws, with `loam` on the
# PATH being $LOAM. Sets WS and DEBUG (the flow's output directory).
build_workspace() {
  mkdir -p "$WORK/bin"
  ln -sf "$LOAM" "$WORK/bin/loam"
  export PATH="$WORK/bin:$PATH"
  WS="$WORK/ws"
  DEBUG="$WS/target/wasm32-wasi/debug"
  local out
  out="$(cli new --example c-shopping-cart-rpc "$WS")"
  eq "loam new --example c-shopping-cart-rpc exits 0" $? 0
  contains "loam new says how to build" "$out" "make build-flow"
  [ -f "$WS/shopping-cart/src/cart.c" ] || { fail "loam new: no shopping-cart/src/cart.c"; return 1; }
  out="$(cd "$WS" && timeout 120 loam stubgen initialize-workspace \
    --targets purchase-history --callers shopping-cart 2>&1)"
  local rc=$?
  eq "stubgen initialize-workspace exits 0" $rc 0
  [ $rc = 0 ] || { echo "$out"; return 1; }
  [ -f "$WS/Makefile" ] || { fail "initialize-workspace wrote no Makefile"; return 1; }
  out="$(cd "$WS" && timeout 300 make build-flow 2>&1)"
  rc=$?
  eq "make build-flow exits 0" $rc 0
  [ $rc = 0 ] || { echo "$out"; return 1; }
  contains "build-flow says it composed the cart" "$out" "Writing composed component to"
  contains "build-flow says where" "$out" "target/wasm32-wasi/debug/shopping_cart_composed.wasm"
  local f
  for f in purchase_history shopping_cart purchase_history_stub shopping_cart_composed; do
    [ -s "$DEBUG/$f.wasm" ] && pass || fail "make build-flow wrote no $f.wasm"
  done
  # The release flow writes the same four files into release/.
  out="$(cd "$WS" && timeout 300 make release-build-flow 2>&1)"
  eq "make release-build-flow exits 0" $? 0
  for f in purchase_history shopping_cart purchase_history_stub shopping_cart_composed; do
    [ -s "$WS/target/wasm32-wasi/release/$f.wasm" ] && pass || fail "release-build-flow wrote no $f.wasm"
  done
  [ -s "$DEBUG/shopping_cart_composed.wasm" ]
}

# use_workspace: DEBUG names the built workspace's output directory: the one
# run.sh built and exported as LOAM_RPC_DEBUG, else a fresh build here.
use_workspace() {
  if [ -n "${LOAM_RPC_DEBUG:-}" ] && [ -s "$LOAM_RPC_DEBUG/shopping_cart_composed.wasm" ]; then
    DEBUG="$LOAM_RPC_DEBUG"
    return 0
  fi
  build_workspace
}

# add_templates: uploads purchase_history.wasm as purchase-history and
# shopping_cart_composed.wasm as shopping-cart; sets PH_ID and CART_ID.
add_templates() {
  PH_ID="$(cli template add purchase-history "$DEBUG/purchase_history.wasm" --json | jq -r .templateId)"
  [ -n "$PH_ID" ] && [ "$PH_ID" != null ] && pass || { fail "template add purchase-history: $(err)"; return 1; }
  CART_ID="$(cli template add shopping-cart "$DEBUG/shopping_cart_composed.wasm" --json | jq -r .templateId)"
  [ -n "$CART_ID" ] && [ "$CART_ID" != null ] && pass || { fail "template add shopping-cart: $(err)"; return 1; }
}

# start_server [VAR=VALUE...]: a server over $WORK/data on a free port of
# 127.0.0.1 (a new one each time: --listen :0 and --port-file), with the
# given extra environment; waits until the CLI gets an answer, at most
# START_TIMEOUT seconds. Sets SERVER_PID and exports LOAM_URL.
start_server() {
  rm -f "$WORK/port"
  env "$@" "$LOAM" server --data "$WORK/data" --listen 127.0.0.1:0 \
    --port-file "$WORK/port" >>"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  local i
  for i in $(seq $((START_TIMEOUT * 10))); do
    if [ -s "$WORK/port" ]; then
      export LOAM_URL="http://127.0.0.1:$(cat "$WORK/port")"
      curl -s -o /dev/null --max-time 1 "$LOAM_URL/healthz" && return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  fail "the server did not start within ${START_TIMEOUT}s; its log:"
  tail -n 40 "$SERVER_LOG"
  kill -9 "$SERVER_PID" 2>/dev/null
  SERVER_PID=""
  return 1
}

# stop_server [SIGNAL]: TERM (default; must exit 0) or KILL.
stop_server() {
  local sig="${1:-TERM}" rc
  [ -n "$SERVER_PID" ] || return 0
  if [ "$sig" = KILL ]; then
    # Reaped here, with stderr closed: no "Killed" line from bash.
    { kill -9 "$SERVER_PID" && wait "$SERVER_PID"; } 2>/dev/null
    SERVER_PID=""
    return 0
  fi
  kill -"$sig" "$SERVER_PID" 2>/dev/null
  wait_server 30
  rc=$?
  if [ "$sig" = TERM ] && [ $rc != 0 ]; then fail "server exited $rc after SIGTERM"; fi
  return 0
}

# wait_server SECONDS: waits for the server to exit by itself (a fault
# point); its exit status, or 124 (and it is killed) after SECONDS.
wait_server() {
  local i rc
  for i in $(seq $(($1 * 10))); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -9 "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=""
    return 124
  fi
  wait "$SERVER_PID" 2>/dev/null # (no "Killed" line from bash)
  rc=$?
  SERVER_PID=""
  return $rc
}

# rpc_local: the server's loam_rpc_calls_total{path="local"} ("" if absent).
rpc_local() {
  curl -s --max-time 10 "$LOAM_URL/metrics" |
    sed -n 's/^loam_rpc_calls_total{path="local"} \([0-9][0-9]*\)$/\1/p'
}

finish() {
  if [ "$FAILS" != 0 ]; then
    echo "--- the server's log (last 40 lines)"
    tail -n 40 "$SERVER_LOG" 2>/dev/null
  fi
  echo "$(basename "$0"): $CHECKS checks passed, $FAILS failed"
  [ "$FAILS" = 0 ]
}
