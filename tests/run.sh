#!/usr/bin/env bash
# The whole test run behind `make test`: usage tests/run.sh [all|unit|spec|wasi|examples|server|rpc|asan|fuzz]
#   unit  Release build (build/), every cmocka program in build/tests/
#   spec  the WebAssembly spec suite through build/loam (tests/spec/run.sh)
#   wasi  WASI guests against build/loam (tests/wasi/run.sh, when present)
#   examples  the example C guests: loam new + loam build + inspect + run
#         (tests/bindgen/examples.sh; test_bindgen runs with the unit tests)
#   server  `loam server` end to end over HTTP with the CLI and curl
#         (tests/server/run.sh: endpoints, bad requests, concurrency)
#   rpc   worker-to-worker RPC end to end: stubgen, compose, the shopping
#         cart workspace through the CLI (tests/rpc/run.sh)
#   asan  ASan+UBSan build (build-asan/): unit tests and spec suite again
#   fuzz  libFuzzer build (build-fuzz/): every fuzz/fuzz_<name>.c target from
#         fuzz/corpus/<name>/, LOAM_FUZZ_SECONDS (default 60) in all
# Each step is reported; the last line is "tests: N passed, M failed" over
# the steps, and the exit status is nonzero if any step failed.
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
what="${1:-all}"
fuzz_seconds="${LOAM_FUZZ_SECONDS:-60}"
export CMAKE_FLAGS="${CMAKE_FLAGS:-}"

passed=0
failed=0
failures=()

# step NAME COMMAND...: runs one step, records and reports its outcome.
step() {
  local name="$1"
  shift
  local start=$SECONDS
  echo "=== $name"
  if "$@"; then
    passed=$((passed + 1))
    echo "=== $name: ok ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "=== $name: FAILED ($((SECONDS - start)) s)"
    return 1
  fi
}

build() { make --no-print-directory "$1" CMAKE_FLAGS="$CMAKE_FLAGS"; }

# Every cmocka program in $1/tests; all of them run even if one fails.
unit_tests() {
  local dir="$1/tests" bad=0 n=0
  if [ ! -d "$dir" ]; then
    echo "no unit tests in $dir"
    return 0
  fi
  for t in "$dir"/test_*; do
    [ -x "$t" ] || continue
    n=$((n + 1))
    echo "--- $(basename "$t")"
    "$t" || { echo "--- $(basename "$t"): FAILED"; bad=1; }
  done
  echo "$n unit test programs run"
  return $bad
}

spec() { tests/spec/run.sh "$1/loam"; }

examples() { tests/bindgen/examples.sh "$root/build/loam"; }

server() { tests/server/run.sh "$root/build/loam"; }

# Worker-to-worker RPC end to end (stubgen, compose, the shopping cart).
rpc() { tests/rpc/run.sh "$root/build/loam"; }

wasi() {
  if [ -x tests/wasi/run.sh ]; then
    tests/wasi/run.sh "$root/build/loam"
  else
    echo "tests/wasi/run.sh not present yet: skipped"
  fi
}

# The spec suite's binary modules, as extra seeds (read-only, not committed).
spec_seeds() {
  local dir="$1" suite="${LOAM_SHARED:-$root/../shared}/testsuite/wasm-core"
  [ -f "$suite/tierA-mvp.txt" ] || return 0
  cat "$suite"/tier{A-mvp,B-cheap,C-bulk-ref}.txt | while read -r name; do
    [ -n "$name" ] && wast2json "$suite/$name.wast" -o "$dir/$name.json" 2>/dev/null
  done
  rm -f "$dir"/*.json "$dir"/*.wat
}

# One libFuzzer run of target $1 (build-fuzz/fuzz_$1) for $2 seconds from
# fuzz/corpus/$1/ plus any extra seed directories given after.
fuzz_one() {
  local name="$1" secs="$2" bin="build-fuzz/fuzz_$1" work
  shift 2
  [ -x "$bin" ] || { echo "no $bin"; return 1; }
  # New inputs go to a scratch directory, not into the committed corpus.
  work="$(mktemp -d /tmp/loam-fuzz-XXXXXX)"
  mkdir -p "fuzz/corpus/$name"
  # libFuzzer is chatty; keep its log and show only the summary (or, on a
  # crash, the log's tail).
  "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/" "$work" "fuzz/corpus/$name" "$@" \
    >"$work/log" 2>&1
  local rc=$?
  grep -E '^Done [0-9]+ runs|^stat::(new_units_added|peak_rss_mb)' "$work/log" |
    sed "s/^/  $name: /"
  if [ $rc -ne 0 ]; then
    tail -n 40 "$work/log"
    echo "fuzz: $name: crash inputs kept in $work"
  else
    rm -rf "$work"
  fi
  return $rc
}

# Every fuzz/fuzz_*.c target; fuzz_module gets half the time (it also reads
# the spec suite's modules as seeds), the others share the rest.
fuzz() {
  local targets=() t seeds rc=0
  for t in fuzz/fuzz_*.c; do t="${t##*/fuzz_}"; targets+=("${t%.c}"); done
  local n=${#targets[@]}
  local others=$(( n > 1 ? fuzz_seconds / 2 / (n - 1) : 0 ))
  [ "$others" -ge 5 ] || others=5
  for t in "${targets[@]}"; do
    if [ "$t" = module ]; then
      seeds="$(mktemp -d /tmp/loam-fuzz-seeds-XXXXXX)"
      spec_seeds "$seeds"
      fuzz_one module $(( n > 1 ? fuzz_seconds / 2 : fuzz_seconds )) "$seeds" || rc=1
      rm -rf "$seeds"
    else
      fuzz_one "$t" "$others" || rc=1
    fi
  done
  return $rc
}

run_unit() {
  step "build (Release)" build build || return
  step "unit tests" unit_tests build
}
run_spec() {
  [ -x build/loam ] || step "build (Release)" build build || return
  step "spec suite" spec build
}
run_wasi() {
  [ -x build/loam ] || step "build (Release)" build build || return
  step "wasi guests" wasi
}
run_examples() {
  [ -x build/loam ] || step "build (Release)" build build || return
  step "examples" examples
}
run_server() {
  [ -x build/loam ] || step "build (Release)" build build || return
  step "server" server
}
run_rpc() {
  [ -x build/loam ] || step "build (Release)" build build || return
  [ -x tests/rpc/run.sh ] || { echo "tests/rpc/run.sh not present yet: skipped"; return 0; }
  step "rpc" rpc
}
run_asan() {
  step "build (ASan+UBSan)" build build-asan || return
  step "unit tests (ASan+UBSan)" unit_tests build-asan
  step "spec suite (ASan+UBSan)" spec build-asan
}
run_fuzz() {
  step "build (fuzz)" build build-fuzz || return
  step "fuzz ${fuzz_seconds}s" fuzz
}

case "$what" in
  all) run_unit; run_spec; run_wasi; run_examples; run_server; run_rpc; run_asan; run_fuzz ;;
  unit) run_unit ;;
  spec) run_spec ;;
  wasi) run_wasi ;;
  examples) run_examples ;;
  server) run_server ;;
  rpc) run_rpc ;;
  asan) run_asan ;;
  fuzz) run_fuzz ;;
  *) echo "usage: tests/run.sh [all|unit|spec|wasi|examples|server|rpc|asan|fuzz]" >&2; exit 2 ;;
esac

echo
if [ $failed -ne 0 ]; then
  echo "failed steps: ${failures[*]}"
fi
echo "tests: $passed passed, $failed failed"
[ $failed -eq 0 ]
