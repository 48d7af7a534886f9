/**
 * A minimal plugin in WebAssembly text: memory, a bump malloc, free, and one rpc export `run`
 * whose body the test supplies. `extra` adds imports and functions.
 */
export function guestWat(runBody: string, extra = '', pages = 1): string {
  return `(module
  ${extra}
  (memory (export "memory") ${pages})
  (global $heap (mut i32) (i32.const 1024))
  (func $malloc (export "malloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $n)))
    (local.get $p))
  (func (export "free") (param i32))
  (func (export "run") (param $ptr i32) (param $len i32) (result i64) ${runBody}))`;
}

/** `(ptr << 32) | len` as a WAT i64 constant. */
export function packed(ptr: number, len: number): string {
  return `(i64.const ${(BigInt(ptr) << 32n) | BigInt(len >>> 0)})`;
}
