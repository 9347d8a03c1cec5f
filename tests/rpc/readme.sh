#!/usr/bin/env bash
# readme.sh — examples/shopping-cart-rpc/README.md works as written: every
# `$ command` line of its shell blocks runs, in order, in a scratch
# directory, and when the README shows the command's output, the real
# output must be the same (timestamps, oplog keys, module sizes and the
# reader's home directory aside; an output with "..." in it is abridged and
# only the command's success is checked). The server the README starts on
# the default port runs on a free port here instead, and `kill -9 %1` kills
# it.
# usage: LOAM=build/loam tests/rpc/readme.sh
source "$(dirname "$0")/lib.sh"

readme="$ROOT/examples/shopping-cart-rpc/README.md"
mkdir -p "$WORK/bin" "$WORK/run"
ln -sf "$LOAM" "$WORK/bin/loam"
export PATH="$WORK/bin:$PATH"
unset LOAM_URL

# The README's shell blocks (``` without a language) as "$ cmd" lines and
# output lines.
awk '/^```/ { state = state ? 0 : ($0 == "```" ? 1 : 2); next } state == 1' \
  "$readme" >"$WORK/script"

# normalize: what differs from run to run, or from the README's machine.
normalize() {
  sed -E -e 's/timestamp: [0-9]+/timestamp: T/g' -e 's/"timestamp":[0-9]+/"timestamp":T/g' \
    -e 's/"key":"rpc-[0-9a-f]+"/"key":K/g' -e 's/[0-9]+ bytes/N bytes/g' \
    -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z/DATE/g' -e "s|$WORK/run|/home/you|g" \
    -e 's|http://127.0.0.1:[0-9]+|http://127.0.0.1:PORT|g'
}

# run_cmd CMD: runs one README command in the current directory, output in
# $WORK/got (stdout and stderr, as a terminal shows them).
run_cmd() {
  local cmd="$1"
  case "$cmd" in
  "loam server --data ./loam-data &")
    rm -f "$WORK/port"
    "$LOAM" server --data ./loam-data --listen 127.0.0.1:0 --port-file "$WORK/port" \
      >>"$SERVER_LOG" 2>&1 </dev/null &
    SERVER_PID=$!
    for _ in $(seq $((START_TIMEOUT * 10))); do
      [ -s "$WORK/port" ] && export LOAM_URL="http://127.0.0.1:$(cat "$WORK/port")" &&
        curl -s -o /dev/null --max-time 1 "$LOAM_URL/healthz" && break
      sleep 0.1
    done
    : >"$WORK/got"
    return 0 ;;
  "kill -9 %1") stop_server KILL; : >"$WORK/got"; return 0 ;;
  cd\ *) cd "${cmd#cd }" && : >"$WORK/got"; return ;;
  esac
  cmd="${cmd//http:\/\/127.0.0.1:9881/\$LOAM_URL}"
  timeout 300 bash -c "$cmd" >"$WORK/got" 2>&1 </dev/null
}

cd "$WORK/run"
cmd=""
expect=""
ncmds=0
check_last() {
  [ -n "$cmd" ] || return 0
  if [ -z "$expect" ] || [[ "$expect" == *...* ]]; then return 0; fi
  # The server's own log line goes to its log here, not to the terminal.
  case "$cmd" in "loam server"*) return 0 ;; esac
  eq "README: \$ $cmd" "$(normalize <"$WORK/got")" "$(printf '%s' "$expect" | normalize)"
}
while IFS= read -r line; do
  if [[ "$line" == '$ '* ]]; then
    check_last
    cmd="${line#\$ }"
    expect=""
    ncmds=$((ncmds + 1))
    run_cmd "$cmd"
    rc=$?
    # The one command the README shows failing is the bad checkout.
    case "$cmd" in
    *bob-cart\ checkout) [ $rc != 0 ] && pass || fail "README: \$ $cmd should fail" ;;
    *) [ $rc = 0 ] && pass || { fail "README: \$ $cmd exited $rc"; cat "$WORK/got"; } ;;
    esac
  else
    expect="${expect:+$expect
}$line"
  fi
done <"$WORK/script"
check_last
[ "$ncmds" -ge 25 ] && pass || fail "only $ncmds commands found in the README"
stop_server TERM
finish
