#!/usr/bin/env bash
# e2e.sh — every endpoint and command through a real server, driven by the
# CLI and curl: templates, workers, invocations (WAVE and JSON), the count
# surviving kill -9 and restart, idempotency keys, invoke (202), oplog,
# connect streaming guest output, interrupt/resume of a long invocation,
# delete, metrics, the OpenAPI document, SIGTERM draining and exit 0.
# usage: LOAM=build/loam tests/server/e2e.sh
source "$(dirname "$0")/lib.sh"
L="$LOAM"
build_guests || { echo "cannot build the guests"; exit 1; }
DATA="$WORK/data"
start_server "$DATA" --workers 2 || exit 1

# --- help everywhere
for c in "server --help" "template --help" "worker --help" "--help"; do
  out="$("$L" $c)"; eq "loam $c exits 0" $? 0
  contains "loam $c" "$out" "usage"
done
contains "loam --help lists worker" "$("$L" --help)" "loam worker"
# the binary loads libcurl and libmicrohttpd when a client command or the
# server needs them (start-up of every other command stays ~1 ms), and the
# commands above and below work through them
linked="$(ldd "$L" | grep -cE 'libcurl|libmicrohttpd')"
eq "loam does not link libcurl/libmicrohttpd at start-up" "$linked" 0

# --- templates
out="$("$L" template add counter "$COUNTER_WASM")"; eq "template add" $? 0
contains "template add" "$out" "example:counter/api.{inc-by}: func(value: u64)"
"$L" template add talker "$TALKER_WASM" >/dev/null; eq "template add talker" $? 0
out="$("$L" template list)"
contains "template list" "$out" "counter"
contains "template list" "$out" "talker"
eq "template list --json" "$("$L" template list --json | jq -r '.templates | length')" 2
eq "template get" "$("$L" template get counter --json | jq -r '.exports[1].results[0].type')" u64
eq "template get by id" "$(curl -s "$LOAM_URL/v1/templates/1" | jq -r .name)" counter
out="$("$L" template add counter "$COUNTER_WASM" --json)"
eq "template version 2" "$(echo "$out" | jq -r .version)" 2
"$L" template get nosuch >/dev/null 2>"$WORK/err"; eq "template get unknown exits 1" $? 1
contains "template get unknown" "$(cat "$WORK/err")" "unknown template 'nosuch'"
"$L" template get countr >/dev/null 2>"$WORK/err"
contains "close match" "$(cat "$WORK/err")" "did you mean: counter"

# --- workers
out="$("$L" worker add counter/c1 --env GREETING=hi --env B=2 -- one two)"; eq "worker add" $? 0
contains "worker add" "$out" "env:              GREETING=hi"
contains "worker add" "$out" "arg:              two"
"$L" worker add counter/c1 >/dev/null 2>"$WORK/err"; eq "worker add twice exits 1" $? 1
contains "worker add twice" "$(cat "$WORK/err")" "HTTP 409"
"$L" worker add counter/c2 >/dev/null
out="$("$L" worker list counter)"
contains "worker list" "$out" "c1"
contains "worker list" "$out" "c2"
eq "worker list --name" "$("$L" worker list counter --name c2 --json | jq -r '.workers | length')" 1
for i in 1 2 3; do "$L" worker invoke-and-await counter/c1 inc-by 5 >/dev/null; done
eq "count" "$("$L" worker invoke-and-await counter/c1 get)" 15
eq "count --json" "$("$L" worker invoke-and-await counter/c1 get --json)" 15
eq "full export name" "$("$L" worker invoke-and-await counter/c1 'example:counter/api.{get}')" 15
eq "status filter" "$("$L" worker list counter --status Idle --json | jq -r '[.workers[].name] | index("c1") != null')" true
eq "worker get" "$("$L" worker get counter/c1 --json | jq -r .invocations)" 6

# --- kill -9 and restart: the count survives
stop_server KILL
start_server "$DATA" || exit 1
eq "count after kill -9" "$("$L" worker invoke-and-await counter/c1 get)" 15
"$L" worker invoke-and-await counter/c1 inc-by 1 >/dev/null
eq "count after restart + inc" "$("$L" worker invoke-and-await counter/c1 get)" 16

# --- idempotency: the same key twice runs once (curl and CLI)
for _ in 1 2; do
  http POST "/v1/templates/counter/workers/c1/invoke-and-await?function=inc-by" \
    -H 'Idempotency-Key: key-1' -d '{"params": [10]}'
  eq "idempotent call" "$STATUS" 200
done
for _ in 1 2; do "$L" worker invoke-and-await counter/c1 inc-by 100 --idempotency-key key-2 >/dev/null; done
eq "count after keyed calls" "$("$L" worker invoke-and-await counter/c1 get)" 126
keys="$("$L" worker oplog counter/c1 --json | jq -r '[.entries[] | select(.kind == "invoke-start") | .idempotencyKey] | map(select(. == "key-1" or . == "key-2")) | length')"
eq "each key once in the oplog" "$keys" 2

# --- invoke (202) runs once, in the background
http POST "/v1/templates/counter/workers/c2/invoke?function=inc-by" -H 'Idempotency-Key: bg-1' -d '{"params": [7]}'
eq "invoke 202" "$STATUS" 202
eq "invoke key" "$(echo "$BODY" | jq -r .idempotencyKey)" bg-1
out="$("$L" worker invoke counter/c2 inc-by 3)"; contains "cli invoke" "$out" "accepted"
eq "after invoke" "$("$L" worker invoke-and-await counter/c2 get)" 10

# --- WAVE and JSON arguments, results
eq "wave record" "$("$L" worker invoke-and-await talker/t1 total '{name: "Mug", price: 9.5, quantity: 2}')" 19
eq "json record" "$("$L" worker invoke-and-await talker/t1 total --json '[{"name": "Mug", "price": 9.5, "quantity": 3}]')" 28.5
"$L" worker invoke-and-await talker/t1 total '{name: "Mug"}' 2>"$WORK/err"; eq "bad wave exits 1" $? 1
contains "bad wave" "$(cat "$WORK/err")" "wave[0]"

# --- a trapping guest: 422 with the trap and the guest stack, then Failed
http POST "/v1/templates/talker/workers/crasher/invoke-and-await?function=crash"
eq "trap status" "$STATUS" 422
eq "trap name" "$(echo "$BODY" | jq -r .trap)" unreachable
contains "trap stack" "$(echo "$BODY" | jq -r .stack)" "crash"
eq "failed worker" "$("$L" worker get talker/crasher --json | jq -r .status)" Failed
http POST "/v1/templates/talker/workers/crasher/invoke-and-await?function=count"
eq "failed worker refuses (409)" "$STATUS" 409
contains "failed worker message" "$BODY" "Failed"

# --- connect streams output written by the guest
"$L" worker add talker/t2 >/dev/null
"$L" worker connect talker/t2 >"$WORK/out" 2>"$WORK/errout" &
EXTRA_PIDS+=($!)
sleep 0.5
"$L" worker invoke-and-await talker/t2 say '"hello from the guest"' >/dev/null
"$L" worker invoke-and-await talker/t2 complain '"oops"' >/dev/null
for _ in $(seq 50); do grep -q oops "$WORK/errout" && break; sleep 0.1; done
contains "connect stdout" "$(cat "$WORK/out")" "hello from the guest"
contains "connect stderr" "$(cat "$WORK/errout")" "oops"
kill "${EXTRA_PIDS[-1]}" 2>/dev/null

# --- interrupt and resume a long-running invocation
"$L" worker add talker/spinner >/dev/null
curl -s -o "$WORK/spin" -w '%{http_code}' --max-time 60 -X POST \
  "$LOAM_URL/v1/templates/talker/workers/spinner/invoke-and-await?function=spin" \
  -d '{"params": [100000000000]}' >"$WORK/spin.status" &
spin_pid=$!
EXTRA_PIDS+=($spin_pid)
sleep 1
eq "running" "$("$L" worker get talker/spinner --json | jq -r .status)" Running
out="$("$L" worker interrupt talker/spinner)"; eq "interrupt" $? 0
contains "interrupt" "$out" "Interrupted"
wait "$spin_pid"
eq "awaiting caller sees the interrupt" "$(cat "$WORK/spin.status")" 409
contains "interrupt message" "$(cat "$WORK/spin")" "interrupted"
eq "stays interrupted" "$("$L" worker get talker/spinner --json | jq -r .status)" Interrupted
"$L" worker resume talker/spinner >/dev/null; eq "resume" $? 0
sleep 0.5
eq "running again" "$("$L" worker get talker/spinner --json | jq -r .status)" Running
"$L" worker interrupt talker/spinner >/dev/null
"$L" worker delete talker/spinner >/dev/null; eq "delete" $? 0

# --- oplog, delete, metrics, openapi
out="$("$L" worker oplog counter/c2)"
contains "oplog" "$out" "invoke-start"
contains "oplog params" "$out" '"params":[7]'
eq "oplog paging" "$("$L" worker oplog counter/c2 --from 2 --count 1 --json | jq -r '.entries[0].index')" 2
"$L" worker delete counter/c2 >/dev/null; eq "delete c2" $? 0
"$L" worker get counter/c2 >/dev/null 2>&1; eq "deleted is gone" $? 1
http GET /metrics
eq "metrics" "$STATUS" 200
contains "metrics" "$BODY" "loam_invocations_total"
contains "metrics" "$BODY" "loam_invoke_await_seconds_count"
# the invocations above were committed: at least one commit carrying writes
commits="$(echo "$BODY" | awk '$1 == "loam_store_commits_total" {print $2}')"
writes="$(echo "$BODY" | awk '$1 == "loam_store_committed_writes_total" {print $2}')"
[ "${commits:-0}" -gt 0 ] && [ "${writes:-0}" -ge "$commits" ]; eq "metrics: store commits ($commits, $writes writes)" $? 0
http GET /v1/openapi.json
eq "openapi" "$STATUS" 200
DOC="$BODY"
eq "openapi version" "$(echo "$DOC" | jq -r .openapi)" 3.1.0
cmp -s "$WORK/body" "$ROOT/docs/openapi.json"; eq "served document is docs/openapi.json" $? 0
# Every documented path answers (not 404 "no such route").
for p in $(echo "$DOC" | jq -r '.paths | keys[]'); do
  concrete="$(echo "$p" | sed 's/{template}/counter/; s/{worker}/c1/')"
  [ "${concrete##*/}" = connect ] && continue
  for m in $(echo "$DOC" | jq -r --arg p "$p" '.paths[$p] | keys[]'); do
    [ "$m" = delete ] && continue
    http "${m^^}" "$concrete" -d '{}'
    [ "$STATUS" = 404 ] && case "$BODY" in *"no such route"*) fail "documented $m $p is not routed" ;; esac
  done
done
pass

# --- SIGTERM drains and exits 0; the restart sees everything
stop_server TERM
grep -q "stopped (SIGTERM)" "$WORK/server.log"; eq "stop logged" $? 0
start_server "$DATA" || exit 1
eq "count after SIGTERM" "$("$L" worker invoke-and-await counter/c1 get)" 126
eq "templates after restart" "$("$L" template list --json | jq -r '.templates | length')" 3
stop_server TERM
finish
