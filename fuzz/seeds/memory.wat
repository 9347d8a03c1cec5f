;; Linear memory: loads, stores, grow, active and passive data, bulk ops.
(module
  (memory (export "mem") 1 4)
  (data (i32.const 16) "hello, loam")
  (data $p "passive bytes")
  (func (export "sum") (result i32) (local i32 i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.load8_u offset=16 (local.get 0))))
      (local.set 0 (i32.add (local.get 0) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 0) (i32.const 11))))
    (local.get 1))
  (func (export "grow") (result i32) (memory.grow (i32.const 1)))
  (func (export "bulk")
    (memory.init $p (i32.const 100) (i32.const 0) (i32.const 13))
    (memory.copy (i32.const 200) (i32.const 100) (i32.const 13))
    (memory.fill (i32.const 300) (i32.const 255) (i32.const 64))
    (data.drop $p))
  (func (export "oob") (result i64) (i64.load (i32.const 65535)))
  (func (export "store") (param i32 f64) (f64.store align=4 (local.get 0) (local.get 1))))
