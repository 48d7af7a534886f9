import { rpcExports } from '../../src/contract';

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

/** A MetadataAgent plugin's GetArtistBiography, as {@link metadataAgentWat} takes it. */
export interface BiographyGuest {
  /** `metadata_agent_get_artist_biography`'s body; `$ptr`/`$len` are its parameters. */
  readonly body: string;
  readonly extra?: string;
  readonly pages?: number;
  /** Replaces the bump allocator's body. */
  readonly malloc?: string;
}

/**
 * A MetadataAgent plugin in WebAssembly text: a bump malloc, every rpc export answering empty
 * but GetArtistBiography, whose body the test supplies (behaving, or misbehaving as told).
 * `$deep` recurses without end, for a stack overflow.
 */
export function metadataAgentWat({ body, extra = '', pages = 1, malloc }: BiographyGuest): string {
  const others = rpcExports('MetadataAgent')
    .filter((name) => name !== 'metadata_agent_get_artist_biography')
    .map((name) => `(export "${name}" (func $empty))`);
  return `(module
    ${extra}
    (memory (export "memory") ${pages})
    (global $heap (mut i32) (i32.const 1024))
    (func (export "malloc") (param $n i32) (result i32) (local $p i32)
      ${malloc ?? '(local.set $p (global.get $heap)) (global.set $heap (i32.add (global.get $heap) (local.get $n))) (local.get $p)'})
    (func (export "free") (param i32))
    (func (export "metadata_agent_api_version") (result i64) (i64.const 1))
    (func $empty (param i32 i32) (result i64) (i64.const 0))
    (func $deep (param i32) (result i32) (i32.add (call $deep (local.get 0)) (i32.const 1)))
    (func (export "metadata_agent_get_artist_biography") (param $ptr i32) (param $len i32) (result i64) ${body})
    ${others.join('\n    ')})`;
}
