;; Control flow: blocks with results, br_table, recursion, multi-value,
;; unreachable and an endless loop (stopped by fuel).
(module
  (func $fac (export "fac") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
  (func (export "switch") (param i32) (result i32)
    (block $d (block $c (block $b (block $a
      (br_table $a $b $c $d (local.get 0)))
      (return (i32.const 10))) (return (i32.const 20))) (return (i32.const 30)))
    (i32.const 40))
  (func $pair (param i32) (result i32 i32) (local.get 0) (i32.const 1))
  (func (export "swap") (param i32) (result i32 i32)
    (call $pair (local.get 0)) (local.set 0) (local.get 0))
  (func (export "forever") (loop $l (br $l)))
  (func (export "deep") (result i32) (call $deep))
  (func $deep (result i32) (i32.add (call $deep) (i32.const 1)))
  (func (export "trap") (unreachable)))
