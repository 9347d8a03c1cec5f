#!/usr/bin/env bash
# run.sh — `loam stubgen` through the CLI: usage tests/stubgen/run.sh LOAM.
# --help of every subcommand; generate -> loam build of the stub (imports only
# golem:rpc, wasi:io/poll, WASI and its own resource intrinsics); stubgen
# build; add-stub-dependency (copies, refuses a changed file without
# --overwrite); initialize-workspace (Makefile; `make -n build-flow` shows
# the flow's commands); error messages and exit codes. Cleans up its temp dir.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
LOAM="$(realpath "${1:?usage: tests/stubgen/run.sh LOAM}")"
tmp="$(mktemp -d /tmp/loam-stubgen-sh-XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
check() { local name="$1"; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
# expect NAME STATUS NEEDLE CMD...: the command exits STATUS and prints NEEDLE
expect() {
  local name="$1" status="$2" needle="$3"; shift 3
  local out rc
  out="$("$@" 2>&1)"; rc=$?
  if [ "$rc" = "$status" ] && grep -qF -- "$needle" <<<"$out"; then pass "$name"
  else fail "$name (exit $rc, wanted $status and '$needle'):"; echo "$out" | sed 's/^/     /' | head -20; fi
}

# ---- help -------------------------------------------------------------------
expect "stubgen --help lists the commands" 0 "initialize-workspace  Initializes" "$LOAM" stubgen --help
for c in generate build add-stub-dependency compose initialize-workspace; do
  expect "stubgen $c --help" 0 "Usage: loam stubgen $c" "$LOAM" stubgen "$c" --help
done
expect "stubgen help generate" 0 "--source-wit-root DIR" "$LOAM" stubgen help generate
expect "unknown subcommand" 2 "unknown command 'frobnicate'" "$LOAM" stubgen frobnicate
expect "generate without flags" 2 "--source-wit-root is required" "$LOAM" stubgen generate
expect "a flag without its value" 2 "--dest-crate-root needs a value" \
  "$LOAM" stubgen generate --source-wit-root x --dest-crate-root

# ---- generate + build ---------------------------------------------------------
mkdir -p "$tmp/ph/wit"
cat >"$tmp/ph/wit/purchase-history.wit" <<'EOF'
package shopping:purchase-history;

interface api {
  record product-item {
    product-id: string,
    name: string,
    price: float32,
    quantity: u32,
  }

  record order {
    order-id: string,
    items: list<product-item>,
    total: float32,
    timestamp: u64,
  }

  add-order: func(order: order) -> ();

  get-orders: func() -> list<order>;
}

world purchase-history {
  export api;
}
EOF
cd "$tmp"
expect "generate prints its steps" 0 "Generating stub source to ph-stub/src/stub.c" \
  "$LOAM" stubgen generate --source-wit-root ph/wit --dest-crate-root ph-stub
check "the stub WIT has the plan's shape" grep -qF "    get-orders: func() -> future-get-orders-result;" ph-stub/wit/_stub.wit
check "the stub uses the target's types" grep -qF "use shopping:purchase-history/api.{product-item, order};" ph-stub/wit/_stub.wit
check "the target's package is in deps" test -f ph-stub/wit/deps/shopping_purchase-history/purchase-history.wit
check "golem:rpc is in deps" test -f ph-stub/wit/deps/golem-rpc/types.wit
check "wasi:io is in deps" test -f ph-stub/wit/deps/wasi-io/poll.wit
expect "loam build -C the stub" 0 "wrote" "$LOAM" build -C ph-stub
imports="$("$LOAM" inspect ph-stub/purchase_history_stub.wasm | sed -n '/^== imports/,/^== exports/p' | awk 'NF == 3 {print $2}' | sort -u)"
bad="$(grep -vxF -e 'golem:rpc/types@0.1.0' -e 'wasi:io/poll@0.2.0' -e 'wasi_snapshot_preview1' \
  -e '[export]shopping:purchase-history-stub/stub-purchase-history' <<<"$imports")"
if [ -z "$bad" ] && grep -qxF 'golem:rpc/types@0.1.0' <<<"$imports"; then pass "the stub imports only golem:rpc, poll, WASI, its intrinsics"
else fail "the stub's imports: $imports"; fi
exports="$("$LOAM" inspect ph-stub/purchase_history_stub.wasm | sed -n '/^== exports/,$p')"
check "the stub exports blocking-add-order" grep -qF "shopping:purchase-history-stub/stub-purchase-history#[method]api.blocking-add-order" <<<"$exports"
check "the stub exports its destructors" grep -qF "#[dtor]future-get-orders-result" <<<"$exports"
mkdir -p "$tmp/t"
expect "stubgen build" 0 "Wrote the stub to out/ph_stub.wasm" \
  env TMPDIR="$tmp/t" "$LOAM" stubgen build --source-wit-root ph/wit --dest-wasm out/ph_stub.wasm --dest-wit-root out/wit
check "stubgen build wrote the module" test -s out/ph_stub.wasm
check "stubgen build copied the WIT" test -f out/wit/_stub.wit
check "stubgen build removed its temp dir" test -z "$(ls -A "$tmp/t")"

# a world exporting functions of its own: a resource named after the world
mkdir -p wf/wit
printf 'package a:b;\ninterface types { record r { x: u8 } }\nworld w {\n  use types.{r};\n  export hello: func(who: r) -> string;\n}\n' >wf/wit/w.wit
expect "stubgen build of world functions" 0 "Wrote the stub to wf/w_stub.wasm" \
  "$LOAM" stubgen build --source-wit-root wf/wit --dest-wasm wf/w_stub.wasm --dest-wit-root wf/stub-wit
check "world functions become resource w" grep -qF "    blocking-hello: func(who: r) -> string;" wf/stub-wit/_stub.wit

# ---- errors -------------------------------------------------------------------
expect "a missing source dir" 1 "source WIT root nowhere/wit does not exist" \
  "$LOAM" stubgen generate --source-wit-root nowhere/wit --dest-crate-root x
expect "a missing world" 1 "has no world \`nope\` (it has: purchase-history)" \
  "$LOAM" stubgen generate --source-wit-root ph/wit --dest-crate-root x --world nope
mkdir -p noexp/wit
printf 'package a:b;\ninterface i { f: func(); }\nworld w { import i; }\n' >noexp/wit/w.wit
expect "a target exporting nothing" 1 "exports no function: there is nothing to call" \
  "$LOAM" stubgen generate --source-wit-root noexp/wit --dest-crate-root x

expect "compose without stubs" 2 "--stub-wasm is required" \
  "$LOAM" stubgen compose --source-wasm ph-stub/purchase_history_stub.wasm --dest-wasm x.wasm
expect "compose of a missing caller" 1 "loam stubgen compose: nowhere.wasm" \
  "$LOAM" stubgen compose --source-wasm nowhere.wasm --stub-wasm ph-stub/purchase_history_stub.wasm --dest-wasm x.wasm
check "a failed compose writes nothing" test ! -e x.wasm

# ---- add-stub-dependency -----------------------------------------------------------
mkdir -p cart/wit
cat >cart/wit/cart.wit <<'EOF'
package shopping:cart;

interface api {
  use shopping:purchase-history/api.{order};
  checkout: func() -> string;
}

world shopping-cart {
  import shopping:purchase-history-stub/stub-purchase-history;
  export api;
}
EOF
expect "add-stub-dependency copies" 0 "_stub.wit to cart/wit/deps/shopping_purchase-history-stub/_stub.wit" \
  "$LOAM" stubgen add-stub-dependency --stub-wit-root ph-stub/wit --dest-wit-root cart/wit
check "the caller resolves with the stub" bash -c "\"$LOAM\" wit check cart/wit >/dev/null"
expect "again: nothing changed" 0 "Adding stub" \
  "$LOAM" stubgen add-stub-dependency --stub-wit-root ph-stub/wit --dest-wit-root cart/wit
echo "// edited" >>cart/wit/deps/golem-rpc/types.wit
expect "a changed file is refused" 1 "types.wit already exists and differs from ph-stub/wit/deps/golem-rpc/types.wit (use --overwrite to replace it)" \
  "$LOAM" stubgen add-stub-dependency --stub-wit-root ph-stub/wit --dest-wit-root cart/wit
expect "--overwrite replaces it" 0 "Copying ph-stub/wit/deps/golem-rpc/types.wit" \
  "$LOAM" stubgen add-stub-dependency --stub-wit-root ph-stub/wit --dest-wit-root cart/wit --overwrite
check "the file is the stub's again" cmp -s cart/wit/deps/golem-rpc/types.wit ph-stub/wit/deps/golem-rpc/types.wit

# ---- initialize-workspace ------------------------------------------------------------
mkdir -p ws/purchase-history ws/shopping-cart
cp -r ph/wit ws/purchase-history/wit
cp -r cart/wit ws/shopping-cart/wit
rm -rf ws/shopping-cart/wit/deps
printf 'wit = "wit"\noutput = "ph.wasm"\nsources = ["x.c"]\n' >ws/purchase-history/loam.toml
printf 'wit = "wit"\noutput = "out/cart.wasm"\nsources = ["x.c"]\n' >ws/shopping-cart/loam.toml
cd ws
expect "initialize-workspace" 0 "Generating initial stub for purchase-history" \
  "$LOAM" stubgen initialize-workspace --targets purchase-history --callers shopping-cart
check "it wrote the Makefile" test -f Makefile
check "it generated the stub" test -f purchase-history-stub/src/stub.c
flow="$(make -n build-flow LOAM=loam 2>&1)"
want=(
  "loam stubgen generate --source-wit-root purchase-history/wit --dest-crate-root purchase-history-stub"
  "loam stubgen add-stub-dependency --stub-wit-root purchase-history-stub/wit --dest-wit-root shopping-cart/wit --overwrite"
  "loam build -C purchase-history"
  "cp purchase-history/ph.wasm target/wasm32-wasi/debug/purchase_history.wasm"
  "loam build -C shopping-cart"
  "cp shopping-cart/out/cart.wasm target/wasm32-wasi/debug/shopping_cart.wasm"
  "loam build -C purchase-history-stub"
  "cp purchase-history-stub/purchase_history_stub.wasm target/wasm32-wasi/debug/purchase_history_stub.wasm"
  "loam stubgen compose --source-wasm target/wasm32-wasi/debug/shopping_cart.wasm --stub-wasm target/wasm32-wasi/debug/purchase_history_stub.wasm --dest-wasm target/wasm32-wasi/debug/shopping_cart_composed.wasm"
)
ok=1
for w in "${want[@]}"; do grep -qxF -- "$w" <<<"$flow" || { ok=0; echo "     missing: $w"; }; done
[ $ok = 1 ] && pass "make -n build-flow runs the flow" || { fail "make -n build-flow"; echo "$flow" | sed 's/^/     /'; }
check "release-build-flow writes release/" grep -qF "target/wasm32-wasi/release/shopping_cart_composed.wasm" <<<"$(make -n release-build-flow LOAM=loam 2>&1)"
expect "a member that does not exist" 1 "target nope: no such directory" \
  "$LOAM" stubgen initialize-workspace --targets nope --callers shopping-cart
expect "initialize-workspace without callers" 2 "--callers is required" \
  "$LOAM" stubgen initialize-workspace --targets purchase-history

echo "stubgen: $fails failure(s)"
[ $fails = 0 ]
