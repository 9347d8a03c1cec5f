;; exit42.wat — proc_exit(42) ends the run with status 42; code after it
;; never runs.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $proc_exit (i32.const 42))
    unreachable))
