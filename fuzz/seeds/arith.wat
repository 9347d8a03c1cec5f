;; Integer and float arithmetic, conversions and comparisons.
(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
  (func (export "fmix") (param f32 f64) (result f64)
    (f64.add (f64.promote_f32 (f32.sqrt (local.get 0))) (f64.floor (local.get 1))))
  (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "sat") (param f32) (result i64) (i64.trunc_sat_f32_u (local.get 0)))
  (func (export "ext") (param i32) (result i32) (i32.extend8_s (local.get 0)))
  (func (export "cmp") (param i64 i64) (result i32)
    (select (i64.lt_u (local.get 0) (local.get 1)) (i32.const 7) (i64.eqz (local.get 0)))))
