#!/usr/bin/env bash
# tests/wasi/run.sh LOAM — WASI guests end to end through `LOAM run`.
#
# Every tests/wasi/*.c (but *_wasm.c) is built natively (gcc -O2) and for
# wasm32-wasi (clang-14 + Debian's wasi-libc), both are run with the same
# arguments, environment, stdin and a fresh temp dir as working directory
# (preopened as "." for the wasm run), and stdout plus exit status must
# match exactly. Then the wasm-only checks: the sandbox (escape_wasm.c
# against escape_wasm.expected), bad guest pointers (badptr.wat: EFAULT),
# proc_exit (exit42.wat), traps (trap.wat: status 134 and a message),
# --invoke argument parsing, and load errors (status 1).
# One line per check (PASS/FAIL); the exit status is nonzero on any failure.
set -uo pipefail

loam="${1:?usage: tests/wasi/run.sh path/to/loam}"
loam="$(cd "$(dirname "$loam")" && pwd)/$(basename "$loam")"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d /tmp/loam-wasi-XXXXXX)"
trap 'rm -rf "$work"' EXIT
CLANG="${CLANG:-clang-14}"
WASI_CFLAGS=(--target=wasm32-wasi --sysroot=/usr -O2 -Wall)

pass=0
fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() {
  echo "FAIL $1"
  shift
  for line in "$@"; do echo "     $line"; done
  fail=$((fail + 1))
}

# What each program is run with: args, "K=V" env, stdin file.
args_for() {
  case "$1" in
    args) printf '%s\n' "hello" "two words" "" "--flag=x" "ünïcödé" ;;
    ret7) printf '%s\n' a b c ;;
  esac
}
env_for() {
  case "$1" in
    args) printf '%s\n' "LOAM_GREETING=hi there" "LOAM_EMPTY=" "LOAM_EQ=a=b" ;;
  esac
}
stdin_for() {
  case "$1" in
    stdin) printf 'first line\n  second   line with words\n\nlast line without newline' ;;
  esac
}

# run_native NAME DIR: runs the native build in DIR; stdout to DIR.out.
run_native() {
  local name="$1" dir="$2" args=() envs=()
  mapfile -t args < <(args_for "$name")
  mapfile -t envs < <(env_for "$name")
  (cd "$dir" && stdin_for "$name" | env -i "${envs[@]}" "$work/$name.native" "${args[@]}") \
    >"$dir.out" 2>"$dir.err"
}

# run_wasm NAME DIR: the same through loam run, the DIR preopened as ".".
run_wasm() {
  local name="$1" dir="$2" args=() envs=() opts=()
  mapfile -t args < <(args_for "$name")
  mapfile -t envs < <(env_for "$name")
  for e in "${envs[@]}"; do opts+=(--env "$e"); done
  (cd "$dir" && stdin_for "$name" | "$loam" run "$work/$name.wasm" --dir . "${opts[@]}" -- "${args[@]}") \
    >"$dir.out" 2>"$dir.err"
}

# ---- native vs wasm -----------------------------------------------------------

for src in "$here"/*.c; do
  name="$(basename "$src" .c)"
  case "$name" in *_wasm) continue ;; esac
  if ! gcc -O2 -w -o "$work/$name.native" "$src" -lm 2>"$work/$name.cc"; then
    bad "$name (native build)" "$(head -5 "$work/$name.cc")"
    continue
  fi
  if ! "$CLANG" "${WASI_CFLAGS[@]}" -o "$work/$name.wasm" "$src" -lm 2>"$work/$name.cc"; then
    bad "$name (wasm build)" "$(head -5 "$work/$name.cc")"
    continue
  fi
  mkdir -p "$work/n-$name" "$work/w-$name"
  run_native "$name" "$work/n-$name"
  nrc=$?
  run_wasm "$name" "$work/w-$name"
  wrc=$?
  if [ "$nrc" != "$wrc" ]; then
    bad "$name" "exit status: native $nrc, wasm $wrc" "$(head -5 "$work/w-$name.err")"
  elif ! diff -u "$work/n-$name.out" "$work/w-$name.out" >"$work/$name.diff"; then
    bad "$name" "stdout differs (native -, wasm +):" "$(head -20 "$work/$name.diff")"
  else
    ok "$name (exit $wrc)"
  fi
done

# ---- the sandbox ------------------------------------------------------------------

box="$work/box"
mkdir -p "$box/sub"
echo hi >"$box/sub/f.txt"
ln -s /etc "$box/out_abs"
ln -s ../.. "$box/out_rel"
ln -s sub "$box/inside"
if "$CLANG" "${WASI_CFLAGS[@]}" -o "$work/escape.wasm" "$here/escape_wasm.c" 2>"$work/escape.cc"; then
  (cd "$box" && "$loam" run "$work/escape.wasm" --dir .) >"$work/escape.out" 2>&1
  rc=$?
  if [ $rc -eq 0 ] && diff -u "$here/escape_wasm.expected" "$work/escape.out" >"$work/escape.diff" &&
     [ -e "$box/sub/f.txt" ] && [ ! -e "$work/x" ] && [ ! -e "$work/evil" ]; then
    ok "sandbox escapes refused"
  else
    bad "sandbox escapes refused" "exit $rc" "$(head -30 "$work/escape.diff")"
  fi
else
  bad "sandbox (wasm build)" "$(head -5 "$work/escape.cc")"
fi

# ---- hand-written modules -----------------------------------------------------------

for w in badptr exit42 trap; do
  wat2wasm "$here/$w.wat" -o "$work/$w.wasm" 2>"$work/$w.cc" || bad "$w (wat2wasm)" "$(cat "$work/$w.cc")"
done

# expect NAME WANT_STATUS WANT_STDOUT CMD...: status and stdout must match.
expect() {
  local name="$1" want_rc="$2" want_out="$3"
  shift 3
  local out rc
  out="$("$@" 2>"$work/expect.err")"
  rc=$?
  if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ]; then
    ok "$name"
  else
    bad "$name" "status $rc (want $want_rc), stdout [$out] (want [$want_out])" \
      "$(head -3 "$work/expect.err")"
  fi
}

for f in iovs_oob buf_oob result_oob huge_count read_oob random_wrap clock_oob args_oob; do
  expect "bad pointer: $f gives EFAULT" 0 21 "$loam" run "$work/badptr.wasm" --invoke "$f"
done
expect "unimplemented call gives ENOSYS" 0 52 "$loam" run "$work/badptr.wasm" --invoke nosys
expect "good fd_write after bad ones" 0 "ok
0" "$loam" run "$work/badptr.wasm" --invoke good
expect "proc_exit(42) is the exit status" 42 "" "$loam" run "$work/exit42.wasm"
expect "--invoke parses and prints i32 i64 f32 f64" 0 "-7
-9000000000
1.5
-0.25" "$loam" run "$work/trap.wasm" --invoke add -7 -9000000000 1.5 -0.25
expect "--invoke rejects a bad argument" 2 "" "$loam" run "$work/trap.wasm" --invoke add x 1 1 1

"$loam" run "$work/trap.wasm" >"$work/trap.out" 2>"$work/trap.err"
rc=$?
if [ $rc -eq 134 ] && grep -q "^loam: trap: " "$work/trap.err"; then
  ok "trap exits 134 with a message"
else
  bad "trap exits 134 with a message" "status $rc" "$(head -5 "$work/trap.err")"
fi

printf '\0asm\1\0\0\0\1\5' >"$work/broken.wasm"
"$loam" run "$work/broken.wasm" >/dev/null 2>"$work/broken.err"
rc=$?
if [ $rc -eq 1 ] && [ -s "$work/broken.err" ]; then
  ok "malformed module exits 1 ($(head -1 "$work/broken.err"))"
else
  bad "malformed module exits 1" "status $rc" "$(head -3 "$work/broken.err")"
fi

echo '(module (import "env" "nope" (func)))' >"$work/unknown.wat"
wat2wasm "$work/unknown.wat" -o "$work/unknown.wasm"
"$loam" run "$work/unknown.wasm" >/dev/null 2>"$work/unknown.err"
rc=$?
if [ $rc -eq 1 ] && grep -q "env.nope" "$work/unknown.err"; then
  ok "unknown import exits 1 naming it"
else
  bad "unknown import exits 1 naming it" "status $rc" "$(head -3 "$work/unknown.err")"
fi
expect "missing --dir directory exits 1" 1 "" "$loam" run "$work/exit42.wasm" --dir "$work/no-such-dir"
expect "missing file exits 1" 1 "" "$loam" run "$work/no-such.wasm"
expect "no FILE is a usage error" 2 "" "$loam" run

echo "wasi: $pass passed, $fail failed"
[ $fail -eq 0 ]
