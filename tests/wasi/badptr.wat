;; badptr.wat — WASI calls with pointers outside guest memory answer EFAULT
;; (21) instead of crashing the host. Each export returns the errno; run.sh
;; calls them with `loam run badptr.wasm --invoke NAME`.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get"
    (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept"
    (func $sock_accept (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "ok\n")
  ;; the iovec array itself runs off the end of memory
  (func (export "iovs_oob") (result i32)
    (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 16)))
  ;; an iovec whose buffer runs off the end
  (func (export "buf_oob") (result i32)
    (i32.store (i32.const 0) (i32.const 65000))
    (i32.store (i32.const 4) (i32.const 1000))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
  ;; the nwritten result pointer is out of bounds
  (func (export "result_oob") (result i32)
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 3))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 65534)))
  ;; an iovec count whose array would wrap a 32-bit size
  (func (export "huge_count") (result i32)
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0x20000001) (i32.const 16)))
  (func (export "read_oob") (result i32)
    (i32.store (i32.const 0) (i32.const 0xfffffff0))
    (i32.store (i32.const 4) (i32.const 32))
    (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
  (func (export "random_wrap") (result i32)
    (call $random_get (i32.const 0xffffffff) (i32.const 2)))
  (func (export "clock_oob") (result i32)
    (call $clock_time_get (i32.const 0) (i64.const 0) (i32.const 65535)))
  (func (export "args_oob") (result i32)
    (call $args_sizes_get (i32.const 65536) (i32.const 0)))
  (func (export "nosys") (result i32)
    (call $sock_accept (i32.const 3) (i32.const 0) (i32.const 0)))
  ;; a good call, to show the same paths work: writes "ok\n", returns 0
  (func (export "good") (result i32)
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 3))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
)
