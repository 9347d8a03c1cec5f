;; trap.wat — a guest that traps: loam run prints "loam: trap: ..." with a
;; backtrace on stderr and exits 134.
(module
  (memory (export "memory") 1)
  (func $inner (param i32) (result i32)
    (i32.div_s (i32.const 1) (local.get 0)))
  (func $outer (result i32) (call $inner (i32.const 0)))
  (func (export "_start") (drop (call $outer)))
  (func (export "add") (param i32 i64 f32 f64) (result i32 i64 f32 f64)
    (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
