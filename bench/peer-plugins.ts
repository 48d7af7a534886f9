/**
 * One trivial plugin written twice, once per ABI, so ndphost and Extism JS (the closest peer: a
 * JavaScript host running wasm plugins, with an optional worker) do the same work per call: read
 * the input and answer "fixture:" followed by the input bytes.
 *
 * - ndphost ABI (abi.md): the host writes the input through the guest's malloc and calls
 *   `run(ptr, len) -> (ptr << 32) | len`.
 * - Extism ABI: input and output live in the host's blocks, reached through `extism:host/env`
 *   imports (input_length, input_load_u64/u8, alloc, store_u64/u8, output_set); `run() -> i32`.
 *   Extism JS 1.0 implements that kernel in JavaScript, so a plain module speaking it is a
 *   complete Extism plugin: no PDK or extism-runtime.wasm is needed to build it offline.
 *
 * Both are compiled from WAT with wabt at bench time.
 */
import wabt from 'wabt';

/** "fixture:" as a little-endian u64, written in one store by both plugins. */
const PREFIX = 0x3a65727574786966n;

const OURS = `(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func $malloc (export "malloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.and (i32.add (i32.add (local.get $p) (local.get $n)) (i32.const 7)) (i32.const -8)))
    (if (i32.gt_u (global.get $heap) (i32.shl (memory.size) (i32.const 16)))
      (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (global.get $heap) (i32.shl (memory.size) (i32.const 16))) (i32.const 16)) (i32.const 1))) (i32.const -1))
        (then unreachable))))
    (local.get $p))
  (func (export "free") (param i32))
  (func (export "run") (param $ptr i32) (param $len i32) (result i64)
    (local $out i32)
    (local.set $out (call $malloc (i32.add (local.get $len) (i32.const 8))))
    (i64.store (local.get $out) (i64.const ${PREFIX}))
    (memory.copy (i32.add (local.get $out) (i32.const 8)) (local.get $ptr) (local.get $len))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32)) (i64.extend_i32_u (i32.add (local.get $len) (i32.const 8))))))`;

const EXTISM = `(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  (func (export "run") (result i32)
    (local $len i64) (local $out i64) (local $i i64)
    (local.set $len (call $input_length))
    (local.set $out (call $alloc (i64.add (local.get $len) (i64.const 8))))
    (call $store_u64 (local.get $out) (i64.const ${PREFIX}))
    ;; Eight bytes at a time, as Extism's PDKs copy input, then the tail byte by byte.
    (block $done8 (loop $copy8
      (br_if $done8 (i64.gt_u (i64.add (local.get $i) (i64.const 8)) (local.get $len)))
      (call $store_u64 (i64.add (local.get $out) (i64.add (local.get $i) (i64.const 8))) (call $input_load_u64 (local.get $i)))
      (local.set $i (i64.add (local.get $i) (i64.const 8)))
      (br $copy8)))
    (block $done (loop $copy
      (br_if $done (i64.ge_u (local.get $i) (local.get $len)))
      (call $store_u8 (i64.add (local.get $out) (i64.add (local.get $i) (i64.const 8))) (call $input_load_u8 (local.get $i)))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $copy)))
    (call $output_set (local.get $out) (i64.add (local.get $len) (i64.const 8)))
    (i32.const 0)))`;

async function compileWat(name: string, text: string): Promise<Uint8Array<ArrayBuffer>> {
  const parsed = (await wabt()).parseWat(name, text, { bulk_memory: true });
  try {
    return new Uint8Array(parsed.toBinary({}).buffer);
  } finally {
    parsed.destroy();
  }
}

/** The echo plugin for ndphost's ABI (export `run`). */
export const ourEchoPlugin = (): Promise<Uint8Array<ArrayBuffer>> => compileWat('echo-ndphost.wat', OURS);

/** The same plugin for Extism's ABI (export `run`). */
export const extismEchoPlugin = (): Promise<Uint8Array<ArrayBuffer>> => compileWat('echo-extism.wat', EXTISM);
