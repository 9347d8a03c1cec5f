#!/usr/bin/env bash
# cart.sh — the seed's shopping cart end to end through the CLI against a
# real server: the workspace built from `loam new --example
# c-shopping-cart-rpc` with stubgen and make build-flow, both templates
# uploaded, a cart per user with PURCHASE_HISTORY_TEMPLATE_ID set; checkout
# puts the order (items, total, timestamp) into the user's purchase-history
# worker exactly once and empties the cart; the call takes the local fast
# path (/metrics); the same idempotency key checks out once; kill -9 and
# restart keep both workers' state; checkouts after the restart still work.
# usage: LOAM=build/loam tests/rpc/cart.sh
source "$(dirname "$0")/lib.sh"

use_workspace || { finish; exit 1; }
start_server || { finish; exit 1; }
add_templates || { finish; exit 1; }

out="$(cli template get shopping-cart --json | jq -r '[.exports[].name] | join(" ")')"
contains "the composed cart exports checkout" "$out" "shopping:cart/api.{checkout}"

# --- a cart for u1, three add-items (one product twice)
cli worker add shopping-cart/c1 --env PURCHASE_HISTORY_TEMPLATE_ID="$PH_ID" >/dev/null
eq "worker add c1" $? 0
inv shopping-cart/c1 initialize-cart '"u1"' >/dev/null; eq "initialize-cart" $? 0
inv shopping-cart/c1 add-item '{product-id: "p1", name: "Mug", price: 9.5, quantity: 2}' >/dev/null
eq "add-item p1" $? 0
inv shopping-cart/c1 add-item '{product-id: "p2", name: "Teapot", price: 24.0, quantity: 1}' >/dev/null
inv shopping-cart/c1 add-item '{product-id: "p1", name: "Mug", price: 9.5, quantity: 1}' >/dev/null
eq "cart contents" "$(inv shopping-cart/c1 get-cart-contents)" \
  '[{product-id: "p1", name: "Mug", price: 9.5, quantity: 3}, {product-id: "p2", name: "Teapot", price: 24, quantity: 1}]'

local0="$(rpc_local)"
[ -n "$local0" ] && pass || fail "/metrics has no loam_rpc_calls_total{path=\"local\"}"
local0="${local0:-0}"

# --- checkout: the order lands in purchase-history/u1, the cart is empty
t0="$(date +%s)"
out="$(inv shopping-cart/c1 checkout)"; eq "checkout exits 0" $? 0
eq "checkout result" "$out" 'success({order-id: "order-1"})'
eq "cart empty after checkout" "$(inv shopping-cart/c1 get-cart-contents)" "[]"
orders="$(inv purchase-history/u1 get-orders --json)"
eq "history: one order" "$(echo "$orders" | jq length)" 1
eq "history: order id" "$(echo "$orders" | jq -r '.[0]."order-id"')" order-1
eq "history: items" "$(echo "$orders" | jq -c '[.[0].items[] | [."product-id", .name, (.price + 0), .quantity]]')" \
  '[["p1","Mug",9.5,3],["p2","Teapot",24,1]]'
eq "history: total" "$(echo "$orders" | jq '.[0].total == 52.5')" true
ts="$(echo "$orders" | jq '.[0].timestamp')"
[ "$ts" -ge $((t0 - 5)) ] 2>/dev/null && [ "$ts" -le $(($(date +%s) + 5)) ] && pass ||
  fail "history: timestamp $ts is not now ($t0)"
contains "the history worker was created by the call" "$(cli worker list purchase-history)" "u1"
contains "it inherited the caller's env" "$(cli worker get purchase-history/u1 --json | jq -c .env)" \
  "PURCHASE_HISTORY_TEMPLATE_ID"
local1="$(rpc_local)"
[ "${local1:-0}" -gt "$local0" ] && pass ||
  fail "loam_rpc_calls_total{path=\"local\"} did not grow: $local0 -> ${local1:-absent}"

# --- an empty cart checks out nothing
eq "empty checkout" "$(inv shopping-cart/c1 checkout)" 'error("Empty cart")'
eq "history unchanged" "$(inv purchase-history/u1 get-orders --json | jq length)" 1

# --- a second checkout adds a second order
inv shopping-cart/c1 add-item '{product-id: "p3", name: "Spoon", price: 2.25, quantity: 4}' >/dev/null
eq "second checkout" "$(inv shopping-cart/c1 checkout)" 'success({order-id: "order-2"})'
orders="$(inv purchase-history/u1 get-orders --json)"
eq "two orders, once each" "$(echo "$orders" | jq -c '[.[]."order-id"]')" '["order-1","order-2"]'
eq "second total" "$(echo "$orders" | jq '.[1].total == 9')" true

# --- the same idempotency key checks out once
inv shopping-cart/c1 add-item '{product-id: "p4", name: "Tray", price: 12.0, quantity: 1}' >/dev/null
a="$(inv shopping-cart/c1 checkout --idempotency-key checkout-3)"
b="$(inv shopping-cart/c1 checkout --idempotency-key checkout-3)"
eq "keyed checkout" "$a" 'success({order-id: "order-3"})'
eq "keyed checkout again: the stored result" "$b" "$a"
eq "three orders" "$(inv purchase-history/u1 get-orders --json | jq -c '[.[]."order-id"]')" \
  '["order-1","order-2","order-3"]'

# --- a second user (the URI names the template by name this time)
cli worker add shopping-cart/c2 --env PURCHASE_HISTORY_TEMPLATE_ID=purchase-history >/dev/null
inv shopping-cart/c2 initialize-cart '"u2"' >/dev/null
inv shopping-cart/c2 add-item '{product-id: "p9", name: "Kettle", price: 30.5, quantity: 2}' >/dev/null
eq "u2 checkout" "$(inv shopping-cart/c2 checkout)" 'success({order-id: "order-1"})'
eq "u2 history" "$(inv purchase-history/u2 get-orders --json | jq -c '[.[] | [."order-id", (.total + 0)]]')" \
  '[["order-1",61]]'
eq "u1 history untouched" "$(inv purchase-history/u1 get-orders --json | jq length)" 3

# --- kill -9 and restart: carts and histories intact
inv shopping-cart/c1 add-item '{product-id: "p5", name: "Cup", price: 3.5, quantity: 6}' >/dev/null
h1="$(inv purchase-history/u1 get-orders --json | jq -c .)"
h2="$(inv purchase-history/u2 get-orders --json | jq -c .)"
stop_server KILL
start_server || { finish; exit 1; }
eq "c1 after kill -9" "$(inv shopping-cart/c1 get-cart-contents)" \
  '[{product-id: "p5", name: "Cup", price: 3.5, quantity: 6}]'
eq "c2 after kill -9" "$(inv shopping-cart/c2 get-cart-contents)" "[]"
eq "u1 history after kill -9" "$(inv purchase-history/u1 get-orders --json | jq -c .)" "$h1"
eq "u2 history after kill -9" "$(inv purchase-history/u2 get-orders --json | jq -c .)" "$h2"

# --- and RPC works after the restart
eq "checkout after restart" "$(inv shopping-cart/c1 checkout)" 'success({order-id: "order-4"})'
eq "four orders" "$(inv purchase-history/u1 get-orders --json | jq -c '[.[]."order-id"]')" \
  '["order-1","order-2","order-3","order-4"]'
[ "$(rpc_local)" -ge 1 ] 2>/dev/null && pass || fail "no local RPC counted after the restart"

# --- a clean stop and start: the same
stop_server TERM
start_server || { finish; exit 1; }
eq "u1 after SIGTERM + restart" "$(inv purchase-history/u1 get-orders --json | jq length)" 4
stop_server TERM
finish
