# lib.sh — shared by the server tests (sourced): a scratch directory, the
# test guests, starting/stopping a real `loam server` on a free loopback
# port, and checks. Everything started is killed and removed on exit.
# Needs: LOAM (the loam binary), curl, jq, clang-14 with wasi-libc.

set -uo pipefail
: "${LOAM:?LOAM must name the loam binary}"
LOAM="$(realpath "$LOAM")"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d /tmp/loam-server-test-XXXXXX)"
SERVER_PID=""
PORT=""
FAILS=0
CHECKS=0
EXTRA_PIDS=()

cleanup() {
  for p in "${EXTRA_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 20000))
}

# start_server DATA_DIR [extra server args...]: starts it on $PORT (picked
# once, reused by restarts) and waits until /healthz answers.
start_server() {
  local data="$1"
  shift
  [ -n "$PORT" ] || PORT="$(free_port)"
  export LOAM_URL="http://127.0.0.1:$PORT"
  "$LOAM" server --data "$data" --listen "127.0.0.1:$PORT" "$@" >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null --max-time 1 "$LOAM_URL/healthz" -H "Authorization: Bearer ${LOAM_TOKEN:-}" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "server did not start; its log:"
  cat "$WORK/server.log"
  return 1
}

# stop_server [SIGNAL]: TERM (default, must exit 0) or KILL.
stop_server() {
  local sig="${1:-TERM}" rc=0
  kill -"$sig" "$SERVER_PID"
  wait "$SERVER_PID"
  rc=$?
  SERVER_PID=""
  if [ "$sig" = TERM ] && [ $rc -ne 0 ]; then
    fail "server exited $rc after SIGTERM"
  fi
  return 0
}

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

# http METHOD PATH [curl args...]: sets STATUS and BODY.
http() {
  local m="$1" p="$2"
  shift 2
  STATUS="$(curl -s -o "$WORK/body" -w '%{http_code}' --max-time 30 -X "$m" "$@" "$LOAM_URL$p")"
  BODY="$(cat "$WORK/body")"
}

# The c-counter example (loam new + loam build) and the talker guest.
build_guests() {
  "$LOAM" new --example c-counter "$WORK/c-counter" >/dev/null || return 1
  (cd "$WORK/c-counter" && "$LOAM" build >/dev/null) || return 1
  COUNTER_WASM="$WORK/c-counter/counter.wasm"
  TALKER_WASM="$WORK/talker.wasm"
  clang-14 --target=wasm32-wasi --sysroot=/usr -O2 -mexec-model=reactor \
    "$ROOT/tests/server/guest/talker.c" -o "$TALKER_WASM"
}

finish() {
  if [ "$FAILS" != 0 ]; then
    echo "--- the server's log (last 40 lines)"
    tail -n 40 "$WORK/server.log"
  fi
  echo "$(basename "$0"): $CHECKS checks passed, $FAILS failed"
  [ "$FAILS" = 0 ]
}
