#!/usr/bin/env bash
# examples/demo.sh — `make demo`: the seed's worker-to-worker walkthrough
# with loam, from scratch. It builds the c-shopping-cart-rpc workspace (loam
# new, stubgen initialize-workspace, make build-flow), starts a fresh
# `loam server` on a free loopback port with its own data directory,
# uploads the purchase-history and composed shopping-cart templates, fills
# a user's cart, checks out (the cart calls the user's purchase-history
# worker over RPC), shows the order in the history, kills the server with
# SIGKILL, restarts it and shows that the cart and the history survived.
# Every command is printed before it runs, and the demo stops (exit 1) if
# a result is not the expected one. Everything it starts or writes is
# removed on exit, whatever happens.
set -Eeuo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
loam="$(realpath "${LOAM:-$root/build/loam}")"
work="$(mktemp -d /tmp/loam-demo-XXXXXX)"
server_pid=""

cleanup() {
  if [ -n "$server_pid" ]; then kill -9 "$server_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Bold headlines and dim prompts on a terminal, plain text otherwise.
if [ -t 1 ]; then bold=$'\033[1m' dim=$'\033[2m' plain=$'\033[0m'; else bold='' dim='' plain=''; fi
n=0
headline=""
step() {
  n=$((n + 1))
  headline="$*"
  printf '\n%s%d. %s%s\n' "$bold" "$n" "$*" "$plain"
}
trap 'echo "demo: step $n ($headline) failed; see the output above" >&2' ERR
note() { printf '   %s\n' "$*"; }
# echo_cmd CMD...: prints the command as you would type it (words with
# spaces or quotes in single quotes, the scratch directory as $DEMO).
echo_cmd() {
  local a line="" plain_word='^[-A-Za-z0-9_./:=@%+,$]+$'
  for a in "$@"; do
    a="${a//$work/\$DEMO}"
    if [[ "$a" =~ $plain_word ]]; then line+=" $a"; else line+=" '${a//\'/\'\\\'\'}'"; fi
  done
  printf '%s$%s%s\n' "$dim" "$plain" "$line"
}
# show CMD...: prints the command, then runs it.
show() {
  echo_cmd "$@"
  "$@"
}
# expect WANT CMD...: show, and the demo stops unless the output is WANT.
expect() {
  local want="$1" got
  shift
  echo_cmd "$@"
  got="$("$@")"
  printf '%s\n' "$got"
  if [ "$got" != "$want" ]; then
    printf 'demo: expected\n  %s\n' "$want" >&2
    exit 1
  fi
}

[ -x "$loam" ] || { echo "demo: $loam is missing; run 'make build' first" >&2; exit 1; }
command -v make >/dev/null || { echo "demo: make is needed" >&2; exit 1; }

# `loam` on the PATH is this build, as the workspace's Makefile expects
# (its `LOAM ?= loam` also takes $LOAM from the environment: absolute then).
mkdir "$work/bin"
ln -s "$loam" "$work/bin/loam"
export PATH="$work/bin:$PATH" LOAM="$loam"

# start_server: a server on a free port of 127.0.0.1 over $work/data; waits
# (10 s at most) until it answers.
start_server() {
  rm -f "$work/port"
  local args=(server --data "$work/data" --listen 127.0.0.1:0 --port-file "$work/port")
  echo_cmd loam "${args[@]}"
  note "(in the background; its log goes to \$DEMO/server.log)"
  loam "${args[@]}" >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    if [ -s "$work/port" ]; then
      export LOAM_URL="http://127.0.0.1:$(cat "$work/port")"
      if loam template list >/dev/null 2>&1; then
        note "(listening on $LOAM_URL; the CLI finds it through \$LOAM_URL)"
        return 0
      fi
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "demo: the server did not start; its log:" >&2
  cat "$work/server.log" >&2
  exit 1
}

echo "loam demo: durable workers calling each other (worker-to-worker RPC)."
echo "\$DEMO below is $work, a scratch directory removed at the end."

step "Create the workspace from the example: two projects, shopping-cart and purchase-history"
cd "$work"
show loam new --example c-shopping-cart-rpc shopping-cart-rpc
cd shopping-cart-rpc
show ls purchase-history/wit shopping-cart/wit
note "shopping-cart.wit imports shopping:purchase-history-stub/stub-purchase-history,"
note "a typed stub that does not exist yet: stubgen generates it from purchase-history's WIT."

step "Let loam write the workspace's build flow (a Makefile) and the first stub"
show loam stubgen initialize-workspace --targets purchase-history --callers shopping-cart

step "Build everything: stubs, both projects, and the cart composed with its stub"
show make build-flow
show ls target/wasm32-wasi/debug

step "Start a server with a fresh data directory (the embedded store)"
start_server

step "Upload both templates; the cart needs the purchase history's template id"
show loam template add purchase-history target/wasm32-wasi/debug/purchase_history.wasm | tee "$work/ph.txt"
history_id="$(sed -n 's/.*(id \([0-9][0-9]*\),.*/\1/p' "$work/ph.txt" | head -n 1)"
[ -n "$history_id" ] || { echo "demo: no template id in the output above" >&2; exit 1; }
show loam template add shopping-cart target/wasm32-wasi/debug/shopping_cart_composed.wasm
note "purchase-history has id $history_id."

step "Create alice's cart worker, telling it where purchase histories live"
show loam worker add shopping-cart/alice-cart --env PURCHASE_HISTORY_TEMPLATE_ID="$history_id"
show loam worker invoke-and-await shopping-cart/alice-cart initialize-cart '"alice"'

step "Put two products in the cart (arguments are WAVE values)"
show loam worker invoke-and-await shopping-cart/alice-cart add-item \
  '{product-id: "p1", name: "Mug", price: 9.5, quantity: 2}'
show loam worker invoke-and-await shopping-cart/alice-cart add-item \
  '{product-id: "p2", name: "Teapot", price: 24.0, quantity: 1}'
expect '[{product-id: "p1", name: "Mug", price: 9.5, quantity: 2}, {product-id: "p2", name: "Teapot", price: 24, quantity: 1}]' \
  loam worker invoke-and-await shopping-cart/alice-cart get-cart-contents

step "Check out: the cart calls add-order on worker://$history_id/alice, which loam creates on first use"
expect 'success({order-id: "order-1"})' loam worker invoke-and-await shopping-cart/alice-cart checkout
expect '[]' loam worker invoke-and-await shopping-cart/alice-cart get-cart-contents
note "The cart is empty again; the order went to alice's purchase history:"
show loam worker list purchase-history
history="$(loam worker invoke-and-await purchase-history/alice get-orders)"
case "$history" in
'[{order-id: "order-1", items: [{product-id: "p1", name: "Mug", price: 9.5, quantity: 2}, {product-id: "p2", name: "Teapot", price: 24, quantity: 1}], total: 43, timestamp: '*) ;;
*) echo "demo: alice's history is not the one order: $history" >&2; exit 1 ;;
esac
expect "$history" loam worker invoke-and-await purchase-history/alice get-orders
if command -v curl >/dev/null; then
  note "Both workers run in this server, so the call took the in-process fast path:"
  curl -s "$LOAM_URL/metrics" | grep '^loam_rpc_calls_total' | sed 's/^/   /' || true
fi

step "Start a second order, then kill the server with SIGKILL (no shutdown at all)"
show loam worker invoke-and-await shopping-cart/alice-cart add-item \
  '{product-id: "p3", name: "Spoon", price: 2.25, quantity: 4}'
show kill -KILL "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""

step "Restart it on the same data directory"
start_server

step "The cart and the history are intact"
expect '[{product-id: "p3", name: "Spoon", price: 2.25, quantity: 4}]' \
  loam worker invoke-and-await shopping-cart/alice-cart get-cart-contents
expect "$history" loam worker invoke-and-await purchase-history/alice get-orders

step "Check out again: a second order, recorded once"
expect 'success({order-id: "order-2"})' loam worker invoke-and-await shopping-cart/alice-cart checkout
history2="$(loam worker invoke-and-await purchase-history/alice get-orders)"
case "$history2" in
"${history%]}, {order-id: \"order-2\", items: [{product-id: \"p3\""*) ;;
*) echo "demo: alice's history is not the two orders: $history2" >&2; exit 1 ;;
esac
expect "$history2" loam worker invoke-and-await purchase-history/alice get-orders

step "Stop the server (SIGTERM commits and exits 0) and clean up"
show kill -TERM "$server_pid"
wait "$server_pid"
server_pid=""

echo
echo "Done. The walkthrough, step by step: examples/shopping-cart-rpc/README.md"
