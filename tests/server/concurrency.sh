#!/usr/bin/env bash
# concurrency.sh — 16 clients invoke 200 counter workers at once for a
# bounded time (LOAM_SERVER_SECONDS, default 10), mixing invoke-and-await
# (200) and invoke (202), every call with its own Idempotency-Key. Then:
# no errors, every acknowledged key is in its worker's oplog exactly once,
# no key twice, and each counter equals its number of invocations. Last, a
# request still gets through with 1100 other connections open.
# usage: LOAM=build/loam tests/server/concurrency.sh
source "$(dirname "$0")/lib.sh"
L="$LOAM"
SECONDS_FOR="${LOAM_SERVER_SECONDS:-10}"
CLIENTS=16
WORKERS=200
build_guests || { echo "cannot build the guests"; exit 1; }
start_server "$WORK/data" --workers 2 || exit 1
t0=$SECONDS
"$L" template add counter "$COUNTER_WASM" >/dev/null

# client C: until the deadline, batches of 25 calls (one curl process per
# batch, one keep-alive connection: process start-up is the costly part on a
# small machine), each inc-by 1 on a random worker with its own key; logs
# "worker key status" per call. The key is repeated in the URL (as k=, which
# the server ignores) so curl's report says which call it was.
client() {
  local c="$1" end=$((SECONDS + SECONDS_FOR)) i=0 w path cfg="$WORK/batch.$1"
  while [ $SECONDS -lt $end ]; do
    : >"$cfg"
    for k in $(seq 25); do
      [ "$k" = 1 ] || echo next >>"$cfg"
      i=$((i + 1))
      w="w$((RANDOM % WORKERS))"
      if [ $((i % 4)) = 0 ]; then path=invoke; else path=invoke-and-await; fi
      cat >>"$cfg" <<CFG
url = "$LOAM_URL/v1/templates/counter/workers/$w/$path?function=inc-by&k=$w/c$c-$i"
request = "POST"
header = "Idempotency-Key: c$c-$i"
data = "{\"params\": [1]}"
output = "/dev/null"
write-out = "%{url_effective} %{http_code}\\n"
max-time = 30
CFG
    done
    curl -s -K "$cfg" | sed 's|.*&k=\([^/]*\)/\([^ ]*\) |\1 \2 |'
  done >"$WORK/client.$c"
}
pids=()
for c in $(seq $CLIENTS); do client "$c" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
cat "$WORK"/client.* >"$WORK/calls"
total="$(wc -l <"$WORK/calls")"
errors="$(awk '$3 != 200 && $3 != 202' "$WORK/calls" | wc -l)"
echo "concurrency: $total calls by $CLIENTS clients in ${SECONDS_FOR}s, $errors errors"
eq "no errors" "$errors" 0
[ "$total" -gt 100 ] || fail "only $total calls were made"

# Wait for the accepted (202) invocations to run.
for _ in $(seq 300); do
  busy="$(curl -s "$LOAM_URL/v1/templates/counter/workers" | jq '[.workers[].pending] | add // 0')"
  [ "$busy" = 0 ] && break
  sleep 0.1
done
eq "queues drained" "$busy" 0

# Every worker's oplog and count, fetched by one curl process each.
workers="$(awk '{print $1}' "$WORK/calls" | sort -u)"
: >"$WORK/fetch"
first=1
for w in $workers; do
  [ $first = 1 ] || echo next >>"$WORK/fetch"
  first=0
  cat >>"$WORK/fetch" <<CFG
url = "$LOAM_URL/v1/templates/counter/workers/$w/oplog?count=10000"
output = "$WORK/oplog.$w"
next
url = "$LOAM_URL/v1/templates/counter/workers/$w/invoke-and-await?function=get"
request = "POST"
output = "$WORK/count.$w"
CFG
done
curl -s -K "$WORK/fetch"
# "worker key" per invocation in the oplogs; "worker count" per counter.
jq -r 'input_filename as $f | .entries[] | select(.kind == "invoke-start")
       | "\($f | sub(".*/oplog[.]"; "")) \(.idempotencyKey)"' "$WORK"/oplog.* |
  grep ' c' >"$WORK/oplog-keys"
jq -r '"\(input_filename | sub(".*/count[.]"; "")) \(.result)"' "$WORK"/count.* |
  sort >"$WORK/counts"
awk '{print $1}' "$WORK/oplog-keys" | sort | uniq -c | awk '{print $2, $1}' >"$WORK/logged-counts"
bad_counts="$(join -a 1 -e 0 -o 0,1.2,2.2 "$WORK/counts" "$WORK/logged-counts" | awk '$2 != $3' | wc -l)"
echo "concurrency: checked $(wc -l <"$WORK/counts") workers in $((SECONDS - t0 - SECONDS_FOR)) s"
eq "counters equal their invocations" "$bad_counts" 0
dups="$(awk '{print $2}' "$WORK/oplog-keys" | grep '^c' | sort | uniq -d | wc -l)"
eq "no key twice in the oplogs" "$dups" 0
awk '$3 == 200 || $3 == 202 {print $1, $2}' "$WORK/calls" | sort >"$WORK/acked"
grep ' c' "$WORK/oplog-keys" | sort >"$WORK/logged"
missing="$(comm -23 "$WORK/acked" "$WORK/logged" | wc -l)"
eq "every acknowledged invocation is in its worker's oplog" "$missing" 0
# 1100 idle connections, then a request: the server's descriptor for it is
# past 1023, which select() cannot watch (the server polls with poll(), and
# raises its soft open-files limit to the hard one). Needs room for 1100
# descriptors in this shell too.
if [ "$(ulimit -Hn)" -ge 2400 ] && ulimit -n "$(ulimit -Hn)"; then
  held=()
  for _ in $(seq 1100); do
    exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" || break
    held+=("$fd")
  done
  eq "1100 connections open" "${#held[@]}" 1100
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$LOAM_URL/healthz")"
  eq "a request on connection 1101 is answered" "$code" 200
  for fd in "${held[@]}"; do exec {fd}>&-; done
else
  echo "concurrency: skipping the 1100-connection check (ulimit -Hn $(ulimit -Hn) < 2400)"
fi
stop_server TERM
finish
