#!/usr/bin/env bash
# errors.sh — what a user sees when the shopping cart's RPC cannot be made,
# through the CLI against a real server: PURCHASE_HISTORY_TEMPLATE_ID
# naming no template (checkout fails with a message naming it, no history
# worker appears), naming a template without add-order (the message names
# the function), unset (the guest's own error, the cart keeps its items),
# and a cart that was never initialized. The server stays healthy and the
# good path still works afterwards.
# usage: LOAM=build/loam tests/rpc/errors.sh
source "$(dirname "$0")/lib.sh"

use_workspace || { finish; exit 1; }
start_server || { finish; exit 1; }
add_templates || { finish; exit 1; }

# --- the cart before compose is no template: its stub import is unresolved
cli template add raw-cart "$DEBUG/shopping_cart.wasm" >/dev/null
[ $? != 0 ] && pass || fail "the uncomposed cart was accepted as a template"
contains "it says to compose" "$(err)" "loam stubgen compose"
contains "it names the import" "$(err)" "shopping:purchase-history-stub/stub-purchase-history"

# new_cart NAME USER [--env K=V]: a cart for USER with one item in it.
new_cart() {
  local name="$1" user="$2"
  shift 2
  cli worker add "shopping-cart/$name" "$@" >/dev/null || fail "worker add $name: $(err)"
  inv "shopping-cart/$name" initialize-cart "\"$user\"" >/dev/null || fail "initialize $name: $(err)"
  inv "shopping-cart/$name" add-item '{product-id: "p1", name: "Mug", price: 9.5, quantity: 2}' >/dev/null ||
    fail "add-item $name: $(err)"
}

# why WORKER: why the worker's last remote call failed, as a user finds it
# in the oplog: the rpc-result's error and what the stub wrote to stderr
# before trapping (the CLI's own message only names the trap).
why() {
  cli worker oplog "$1" --json |
    jq -r '[.entries[] | select(.kind == "rpc-result" and .ok == false) | .error] | last // ""'
  cli worker oplog "$1" --json |
    jq -r '[.entries[] | select(.kind == "log" and .stream == 2) | .bytes.text // ""] | join("")'
}

# --- an unknown template: the checkout fails, the reason names it
new_cart bad1 ub1 --env PURCHASE_HISTORY_TEMPLATE_ID=no-such-template
inv shopping-cart/bad1 checkout >"$WORK/out"
rc=$?
[ $rc != 0 ] && pass || fail "checkout with an unknown template exited 0: $(cat "$WORK/out")"
[ $rc != 124 ] && pass || fail "checkout with an unknown template hung"
contains "the CLI reports the failed invocation" "$(err)" "HTTP 422"
contains "with the stub's message, naming the template" "$(err)" "no template named no-such-template"
msg="$(why shopping-cart/bad1)"
contains "the rpc error names the template" "$msg" "no template named no-such-template"
contains "and lists the ones there are" "$msg" "purchase-history"
contains "the stub says which call failed" "$msg" "rpc error calling add-order"
out="$(cli worker list purchase-history --json | jq -r '[.workers[].name] | join(" ")')"
case " $out " in *" ub1 "*) fail "a history worker ub1 was created: $out" ;; *) pass ;; esac

# --- a numeric id that is no template
new_cart bad2 ub2 --env PURCHASE_HISTORY_TEMPLATE_ID=9999
inv shopping-cart/bad2 checkout >/dev/null
[ $? != 0 ] && pass || fail "checkout with template id 9999 exited 0"
contains "an unknown template id is named" "$(why shopping-cart/bad2)" "9999"

# --- a template that has no add-order (the cart's own): names the function
new_cart bad3 ub3 --env PURCHASE_HISTORY_TEMPLATE_ID="$CART_ID"
inv shopping-cart/bad3 checkout >/dev/null
[ $? != 0 ] && pass || fail "checkout against the cart template exited 0"
msg="$(why shopping-cart/bad3)"
contains "the unknown function is named" "$msg" "has no function shopping:purchase-history/api.{add-order}"
contains "with what the target exports" "$msg" "shopping:cart/api.{checkout}"

# --- no PURCHASE_HISTORY_TEMPLATE_ID: the guest's own error, items kept
new_cart noenv un
eq "checkout without the env var" "$(inv shopping-cart/noenv checkout)" \
  'error("PURCHASE_HISTORY_TEMPLATE_ID not set")'
eq "the cart keeps its items" "$(inv shopping-cart/noenv get-cart-contents)" \
  '[{product-id: "p1", name: "Mug", price: 9.5, quantity: 2}]'

# --- a cart that was never initialized
cli worker add shopping-cart/noinit --env PURCHASE_HISTORY_TEMPLATE_ID="$PH_ID" >/dev/null
eq "checkout before initialize-cart" "$(inv shopping-cart/noinit checkout)" \
  'error("the cart is not initialized: call initialize-cart first")'

# --- the server is fine and the good path works
curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$LOAM_URL/healthz" >"$WORK/code"
eq "healthz after the errors" "$(cat "$WORK/code")" 200
new_cart good ug --env PURCHASE_HISTORY_TEMPLATE_ID="$PH_ID"
eq "good checkout" "$(inv shopping-cart/good checkout)" 'success({order-id: "order-1"})'
eq "good history" "$(inv purchase-history/ug get-orders --json | jq length)" 1
stop_server TERM
finish
