/**
 * Decodes the instructions of a function body with their immediates (WebAssembly core spec
 * 5.4, plus what Node 20 enables: sign extension, saturating conversions, multi-value, bulk
 * memory, reference types, SIMD, threads, exception handling, tail calls). An opcode it does not
 * know throws a RangeError: callers then treat the module as able to do anything.
 */

import type { Reader } from './wasm-sections';

/** How an instruction writes linear memory, for the rewriter that tracks written pages. */
export type MemoryWrite =
  /** [address, value] -> (): a store, lane store or atomic store; value of the given type. */
  | { readonly kind: 'store'; readonly type: number; readonly offset: number }
  /** [address, value] -> value: an atomic read-modify-write. */
  | { readonly kind: 'rmw'; readonly type: number; readonly offset: number }
  /** [address, expected, replacement] -> value: an atomic compare-exchange. */
  | { readonly kind: 'cmpxchg'; readonly type: number; readonly offset: number }
  /** [destination, x, length] -> (): memory.fill, memory.copy, memory.init. */
  | { readonly kind: 'range' };

/** What decoding has seen besides memory writes: changes to tables and dropped segments. */
export interface CodeEffects {
  /** table.set/init/copy/grow/fill. */
  mutatesTables: boolean;
  /** data.drop, elem.drop: later memory.init/table.init behave differently. */
  dropsSegments: boolean;
}

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

const BLOCK_TYPE_BYTES = new Set([0x40, I32, I64, F32, F64, V128, 0x70, 0x6f]);
const STORE_TYPES: Record<number, number> = { 0x36: I32, 0x37: I64, 0x38: F32, 0x39: F64, 0x3a: I32, 0x3b: I32, 0x3c: I64, 0x3d: I64, 0x3e: I64 };
/** Atomic store / rmw / cmpxchg groups come in sevens: i32, i64, i32 8u, i32 16u, i64 8u, i64 16u, i64 32u. */
const ATOMIC_TYPES = [I32, I64, I32, I32, I64, I64, I64];

function blockType(c: Reader): void {
  if (BLOCK_TYPE_BYTES.has(c.bytes[c.offset])) c.skip(1);
  else c.skipLeb();
}

/** Reads a memarg; returns its offset. */
function memarg(c: Reader): number {
  c.u32();
  return c.u32();
}

const none = (): void => undefined;
const oneLeb = (c: Reader): void => c.skipLeb();
const twoLeb = (c: Reader): void => (c.skipLeb(), c.skipLeb());

/** Immediates of one-byte opcodes; an opcode missing here is unknown. */
const SINGLE: Array<((c: Reader) => void) | undefined> = [];
for (const op of [0x00, 0x01, 0x05, 0x0b, 0x0f, 0x19, 0x1a, 0x1b, 0xd1]) SINGLE[op] = none;
for (let op = 0x45; op <= 0xc4; op++) SINGLE[op] = none;
for (const op of [0x02, 0x03, 0x04, 0x06]) SINGLE[op] = blockType; // block loop if try
for (const op of [0x07, 0x08, 0x09, 0x0c, 0x0d, 0x10, 0x12, 0x18, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x41, 0x42, 0xd0, 0xd2]) SINGLE[op] = oneLeb;
for (const op of [0x11, 0x13]) SINGLE[op] = twoLeb; // call_indirect, return_call_indirect
SINGLE[0x0e] = (c) => {
  for (let n = c.u32(); n >= 0; n--) c.skipLeb(); // br_table: n labels and the default
};
SINGLE[0x1c] = (c) => {
  for (let n = c.u32(); n > 0; n--) c.byte(); // select with types
};
SINGLE[0x3f] = SINGLE[0x40] = (c) => void c.byte(); // memory.size, memory.grow
SINGLE[0x43] = (c) => c.skip(4);
SINGLE[0x44] = (c) => c.skip(8);
for (let op = 0x28; op <= 0x35; op++) SINGLE[op] = (c) => void memarg(c); // loads

const RANGE: MemoryWrite = { kind: 'range' };

/**
 * Decodes one instruction at the cursor, advancing past its immediates; returns how it writes
 * memory (undefined for most instructions) and notes table changes and segment drops in
 * `effects`. The opcode itself is returned through `last.op` for callers that need it.
 */
export function decodeInstruction(c: Reader, effects: CodeEffects): MemoryWrite | undefined {
  const op = c.byte();
  last.op = op;
  if (op >= 0x36 && op <= 0x3e) return { kind: 'store', type: STORE_TYPES[op], offset: memarg(c) };
  const immediates = SINGLE[op];
  if (immediates) {
    if (op === 0x26) effects.mutatesTables = true; // table.set
    immediates(c);
    return undefined;
  }
  if (op === 0xfc) return decodeFC(c, effects);
  if (op === 0xfd) return decodeFD(c);
  if (op === 0xfe) return decodeFE(c);
  throw new RangeError(`unknown opcode 0x${op.toString(16)}`);
}

/** The opcode decodeInstruction read last. */
export const last = { op: 0 };

function decodeFC(c: Reader, effects: CodeEffects): MemoryWrite | undefined {
  const sub = c.u32();
  if (sub <= 7) return undefined; // saturating truncations
  if (sub === 8) return (c.skipLeb(), c.byte(), RANGE); // memory.init
  if (sub === 10) return (c.skip(2), RANGE); // memory.copy
  if (sub === 11) return (c.skip(1), RANGE); // memory.fill
  if (sub === 9 || sub === 13) effects.dropsSegments = true; // data.drop elem.drop
  if (sub === 12 || sub === 14 || sub === 15 || sub === 17) effects.mutatesTables = true; // table.init/copy/grow/fill
  if (sub === 9 || sub === 13 || sub === 15 || sub === 16 || sub === 17) return void c.skipLeb();
  if (sub === 12 || sub === 14) return void (c.skipLeb(), c.skipLeb());
  throw new RangeError(`unknown opcode 0xfc ${sub}`);
}

function decodeFD(c: Reader): MemoryWrite | undefined {
  const sub = c.u32();
  if (sub === 11) return { kind: 'store', type: V128, offset: memarg(c) }; // v128.store
  if (sub <= 10 || sub === 92 || sub === 93) return void memarg(c); // loads
  if (sub === 12 || sub === 13) return void c.skip(16); // v128.const, i8x16.shuffle
  if (sub >= 21 && sub <= 34) return void c.skip(1); // lane extract/replace
  if (sub >= 84 && sub <= 87) return void (memarg(c), c.skip(1)); // load lane
  if (sub >= 88 && sub <= 91) {
    const offset = memarg(c);
    c.skip(1);
    return { kind: 'store', type: V128, offset }; // store lane
  }
  if (sub <= 0xff) return undefined; // every other SIMD opcode has no immediate
  throw new RangeError(`unknown opcode 0xfd ${sub}`);
}

function decodeFE(c: Reader): MemoryWrite | undefined {
  const sub = c.u32();
  if (sub === 3) return void c.skip(1); // atomic.fence
  if (sub <= 2 || (sub >= 0x10 && sub <= 0x16)) return void memarg(c); // notify, waits, atomic loads
  if (sub >= 0x17 && sub <= 0x1d) return { kind: 'store', type: ATOMIC_TYPES[sub - 0x17], offset: memarg(c) };
  if (sub >= 0x1e && sub <= 0x47) return { kind: 'rmw', type: ATOMIC_TYPES[(sub - 0x1e) % 7], offset: memarg(c) };
  if (sub >= 0x48 && sub <= 0x4e) return { kind: 'cmpxchg', type: ATOMIC_TYPES[sub - 0x48], offset: memarg(c) };
  throw new RangeError(`unknown opcode 0xfe ${sub}`);
}
