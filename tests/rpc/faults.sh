#!/usr/bin/env bash
# faults.sh — a checkout crashed at each step of its RPC, through the CLI:
# the server runs with LOAM_FAULT=<point> and dies (exit 99) during the
# checkout; after a restart the client retries with the same idempotency
# key, as a client whose connection broke does; two rounds per point (the
# cart's first and second order). Whatever the point, the user's history
# then holds each order exactly once, the cart is empty, and
# the cart and history stay consistent right after the restart (before the
# retry: either both saw the checkout or neither did).
# usage: LOAM=build/loam tests/rpc/faults.sh
source "$(dirname "$0")/lib.sh"

use_workspace || { finish; exit 1; }
start_server || { finish; exit 1; }
add_templates || { finish; exit 1; }
stop_server TERM

# The caller's points (rpccore) and the callee's (the executor's own).
for point in rpc-before-send rpc-after-send rpc-after-result mid-invocation after-commit; do
  w="f-${point%%:*}"
  u="u-${point%%:*}"
  start_server || break
  cli worker add "shopping-cart/$w" --env PURCHASE_HISTORY_TEMPLATE_ID="$PH_ID" >/dev/null
  inv "shopping-cart/$w" initialize-cart "\"$u\"" >/dev/null
  stop_server TERM
  ids=""
  # Two rounds: the same crash point hit by the cart's first checkout and
  # again by its second (a worker with an RPC already in its oplog).
  for round in 1 2; do
    start_server || break 2
    inv "shopping-cart/$w" add-item "{product-id: \"p$round\", name: \"Mug\", price: 9.5, quantity: 2}" >/dev/null
    eq "$point #$round: cart filled" "$(inv "shopping-cart/$w" get-cart-contents | grep -c "p$round")" 1
    stop_server TERM

    # The rpc-* points are passed once, inside the checkout. The executor's
    # and the store's points are passed by whatever runs first after the
    # start (the history's add-order finishing, the cart's recovery
    # committing), so for them any crash inside the checkout is fine, and
    # none at all too.
    start_server LOAM_FAULT="$point" || break 2
    key="checkout-$w-$round"
    inv "shopping-cart/$w" checkout --idempotency-key "$key" >"$WORK/first"
    if [ $? = 0 ]; then
      case "$point" in
      rpc-*) fail "$point #$round: the server did not crash during the checkout: $(cat "$WORK/first")" ;;
      esac
      stop_server KILL
    else
      wait_server 20
      rc=$?
      eq "$point #$round: the server stopped at the fault point" $rc 99
      echo "  $point #$round: the server stopped during the checkout (exit $rc)"
    fi

    start_server || break 2
    # Right after the restart (the crashed checkout may be resuming in the
    # background): once the cart is empty, the order is in the history. The
    # cart is read first: its calls queue behind a resumed checkout, which
    # has finished the remote add-order before it empties the cart.
    items="$(inv "shopping-cart/$w" get-cart-contents)"
    n="$(inv "purchase-history/$u" get-orders --json 2>/dev/null | jq length 2>/dev/null)"
    n="${n:-0}"
    case "$items:$n" in
    *p$round*:$((round - 1)) | *p$round*:$round | "[]":$round) pass ;;
    *) fail "$point #$round: after the restart the cart is $items and the history has $n orders" ;;
    esac
    # The client retries with the same key.
    out="$(inv "shopping-cart/$w" checkout --idempotency-key "$key")"
    eq "$point #$round: the retried checkout" "$out" "success({order-id: \"order-$round\"})"
    ids="${ids:+$ids,}\"order-$round\""
    eq "$point #$round: each order in the history once" \
      "$(inv "purchase-history/$u" get-orders --json | jq -c '[.[]."order-id"]')" "[$ids]"
    eq "$point #$round: the cart is empty" "$(inv "shopping-cart/$w" get-cart-contents)" "[]"
    # And once more, for good measure: the stored result, nothing new.
    eq "$point #$round: a third try" "$(inv "shopping-cart/$w" checkout --idempotency-key "$key")" "$out"
    eq "$point #$round: still once" "$(inv "purchase-history/$u" get-orders --json | jq length)" $round
    stop_server TERM
  done
done
finish
