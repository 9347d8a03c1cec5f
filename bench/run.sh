#!/usr/bin/env bash
# Benchmarks loam against native code: builds every kernel in bench/kernels
# natively (gcc -O2) and to wasm32-wasi (clang-14 -O2), runs each natively and
# under `build/loam run` (interleaved, best of LOAM_BENCH_RUNS, default 3),
# checks that both print the same thing, and prints loam/native time ratios
# and their geometric mean. Usage: bench/run.sh [KERNEL...]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
loam="${LOAM:-$root/build/loam}"
runs="${LOAM_BENCH_RUNS:-3}"
out="${LOAM_BENCH_OUT:-$root/build/bench}"  # where kernels are built
mkdir -p "$out"

if [ ! -x "$loam" ]; then
  echo "bench: no loam binary at $loam (run make build)" >&2
  exit 2
fi

kernels=("$@")
if [ ${#kernels[@]} -eq 0 ]; then
  kernels=(matmul sha256 sort interp sieve hashmap nbody strings nqueens listsort spectral)
fi

build_kernel() {
  local k="$1" src="bench/kernels/$1.c"
  gcc -O2 -Wall -Wextra -o "$out/$k.native" "$src" -lm
  clang-14 --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra \
    -o "$out/$k.wasm" "$src" -lm
}

# time_run OUTFILE CMD...: runs CMD with stdout to OUTFILE; prints seconds.
time_run() {
  local file="$1" start end
  shift
  start=$(date +%s%N)
  if ! timeout 300 "$@" >"$file" 2>"$file.err"; then
    echo "bench: '$*' failed:" >&2
    head -5 "$file.err" >&2
    return 1
  fi
  end=$(date +%s%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
}

min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

status=0
ratios=()
printf "%-10s %10s %10s %8s\n" kernel native_s loam_s ratio
for k in "${kernels[@]}"; do
  build_kernel "$k"
  best_native="" best_loam="" failed=0
  for ((r = 0; r < runs; r++)); do
    t=$(time_run "$out/$k.native.out" "$out/$k.native") || { failed=1; break; }
    best_native=$(min "$best_native" "$t")
    t=$(time_run "$out/$k.loam.out" "$loam" run "$out/$k.wasm") || { failed=1; break; }
    best_loam=$(min "$best_loam" "$t")
  done
  if [ $failed -ne 0 ]; then
    printf "%-10s %10s %10s %8s\n" "$k" "${best_native:-?}" "${best_loam:-?}" FAILED
    status=1
    continue
  fi
  if ! cmp -s "$out/$k.native.out" "$out/$k.loam.out"; then
    printf "%-10s %10s %10s %8s\n" "$k" "$best_native" "$best_loam" MISMATCH
    echo "  native: $(head -c 200 "$out/$k.native.out")"
    echo "  loam:   $(head -c 200 "$out/$k.loam.out")"
    status=1
    continue
  fi
  ratio=$(awk -v l="$best_loam" -v n="$best_native" 'BEGIN { printf "%.2f", l / (n > 0.001 ? n : 0.001) }')
  ratios+=("$ratio")
  printf "%-10s %10s %10s %7sx\n" "$k" "$best_native" "$best_loam" "$ratio"
done

if [ ${#ratios[@]} -gt 0 ]; then
  printf '%s\n' "${ratios[@]}" |
    awk '{ s += log($1); n++ } END { printf "geometric mean loam/native: %.2fx over %d kernels\n", exp(s / n), n }'
  # What the loam column includes besides running the kernel: starting the
  # loam process itself (dynamic loading of the CLI's libraries) and an
  # empty module, best of $runs. Informational; the ratios above keep it.
  printf 'int main(void) { return 0; }\n' >"$out/empty.c"
  if clang-14 --target=wasm32-wasi --sysroot=/usr -O2 -o "$out/empty.wasm" "$out/empty.c" 2>/dev/null; then
    best_empty=""
    for ((r = 0; r < runs; r++)); do
      t=$(time_run "$out/empty.out" "$loam" run "$out/empty.wasm") || break
      best_empty=$(min "$best_empty" "$t")
    done
    [ -n "$best_empty" ] && echo "loam start (an empty module, included above): ${best_empty} s"
  fi
fi

# Micro-benchmarks (bench/*_bench.c, built by CMake into build/bench/), e.g.
# durable_bench for the store's group commit; run when no kernel was named.
# http_bench and rpc_bench start `$loam server` (LOAM) on a free 127.0.0.1
# port and kill it however they end; each is bounded by a timeout here.
if [ $# -eq 0 ]; then
  export LOAM="$loam"
  for b in "$root"/build/bench/*_bench; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")"
    timeout -k 10 300 "$b" || status=1
  done
fi
exit $status
