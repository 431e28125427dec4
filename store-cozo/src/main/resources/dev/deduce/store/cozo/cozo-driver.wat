;; The wasm-bindgen glue for cozodb_run, done inside wasm so that a Cozo call from Java crosses wasmtime-java's JNI
;; once instead of once per glue step. Java writes the script and params bytes into linear memory through its direct
;; buffer and calls $run; the result's (ptr, len) is left at hdr+0/hdr+4 and freed at the start of the next call.
;; Header at hdr: +0 result ptr, +4 result len (cozodb_run's return slot), +8/+12 the result still to free.
(module
  (import "cozo" "memory" (memory 0))
  (import "cozo" "malloc" (func $malloc (param i32 i32) (result i32)))
  (import "cozo" "free" (func $free (param i32 i32 i32)))
  (import "cozo" "run" (func $cozo_run (param i32 i32 i32 i32 i32 i32 i32)))
  (func (export "run") (param $hdr i32) (param $db i32) (param $s1 i32) (param $l1 i32)
        (param $s2 i32) (param $l2 i32) (param $flag i32)
    (local $p1 i32) (local $p2 i32)
    (if (i32.ne (i32.load offset=8 (local.get $hdr)) (i32.const 0))
      (then
        (call $free (i32.load offset=8 (local.get $hdr)) (i32.load offset=12 (local.get $hdr)) (i32.const 1))
        (i32.store offset=8 (local.get $hdr) (i32.const 0))))
    ;; cozodb_run takes ownership of both strings and frees them, as wasm-bindgen's own glue expects
    (local.set $p1 (call $malloc (local.get $l1) (i32.const 1)))
    (memory.copy (local.get $p1) (local.get $s1) (local.get $l1))
    (local.set $p2 (call $malloc (local.get $l2) (i32.const 1)))
    (memory.copy (local.get $p2) (local.get $s2) (local.get $l2))
    (call $cozo_run (local.get $hdr) (local.get $db) (local.get $p1) (local.get $l1) (local.get $p2)
          (local.get $l2) (local.get $flag))
    (i32.store offset=8 (local.get $hdr) (i32.load (local.get $hdr)))
    (i32.store offset=12 (local.get $hdr) (i32.load offset=4 (local.get $hdr)))))
