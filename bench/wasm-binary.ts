/**
 * A small WebAssembly binary writer, for modules too large to go through WAT at bench time
 * (a Go-sized plugin has 20,000 functions and 4 MB of code; wabt would parse ~15 MB of text).
 *
 * Binary layout (WebAssembly core spec 5.5): `\0asm` 1, then sections (id u8, size u32 LEB128,
 * payload) in id order: type 1, import 2, function 3, table 4, memory 5, global 6, export 7,
 * element 9, code 10, data 11, custom 0 anywhere.
 */

import { leb128 } from '../src/runtime/wasm-sections';

export type Bytes = readonly number[] | Uint8Array;

export const I32 = 0x7f;
export const I64 = 0x7e;
const FUNCREF = 0x70;

/** The opcodes the bench modules use (core spec 5.4). */
export const op = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  call: 0x10,
  callIndirect: 0x11,
  drop: 0x1a,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  globalSet: 0x24,
  i32Load: 0x28,
  i64Load: 0x29,
  i32Load8u: 0x2d,
  i32Store: 0x36,
  i64Store: 0x37,
  i32Store8: 0x3a,
  memorySize: 0x3f,
  memoryGrow: 0x40,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32Ne: 0x47,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32GeU: 0x4f,
  i64Eqz: 0x50,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i32Rotl: 0x77,
  i64Or: 0x84,
  i64Shl: 0x86,
  i64ExtendI32U: 0xad,
  prefixFC: 0xfc,
  blockEmpty: 0x40,
} as const;

/** Unsigned LEB128, the runtime's own. */
export const u32 = leb128;

/** Signed LEB128, for i32.const and i64.const immediates. */
export function s64(value: bigint | number): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

export function name(text: string): number[] {
  const bytes = new TextEncoder().encode(text);
  return [...u32(bytes.length), ...bytes];
}

export const i32 = (value: number): number[] => [op.i32Const, ...s64(value | 0)];
export const i64 = (value: bigint | number): number[] => [op.i64Const, ...s64(value)];
/** A memory access immediate: alignment (log2) and offset. */
export const mem = (opcode: number, align: number, offset = 0): number[] => [opcode, align, ...u32(offset)];
export const memoryFill = [op.prefixFC, 0x0b, 0x00];
export const memoryCopy = [op.prefixFC, 0x0a, 0x00, 0x00];

export interface FuncType {
  readonly params: readonly number[];
  readonly results: readonly number[];
}

export interface Func {
  readonly type: number;
  /** Extra locals, as (count, type) runs. */
  readonly locals?: ReadonlyArray<readonly [number, number]>;
  /** The body without its final `end`. */
  readonly body: Bytes;
}

export interface ModuleParts {
  readonly types: readonly FuncType[];
  readonly imports?: ReadonlyArray<{ readonly module: string; readonly name: string; readonly type: number }>;
  readonly functions: readonly Func[];
  readonly table?: { readonly size: number };
  readonly memory?: { readonly initialPages: number; readonly maximumPages?: number };
  readonly globals?: ReadonlyArray<{ readonly type: number; readonly mutable: boolean; readonly init: Bytes }>;
  /** kind 0 function, 1 table, 2 memory, 3 global. */
  readonly exports: ReadonlyArray<{ readonly name: string; readonly kind: 0 | 1 | 2 | 3; readonly index: number }>;
  /** Active element segments into table 0: offset, function indices. */
  readonly elements?: ReadonlyArray<{ readonly offset: number; readonly functions: readonly number[] }>;
  /** Active data segments into memory 0. */
  readonly data?: ReadonlyArray<{ readonly offset: number; readonly bytes: Bytes }>;
  readonly custom?: ReadonlyArray<{ readonly name: string; readonly bytes: Bytes }>;
}

/** Writes a module; bodies are copied into one buffer, never concatenated as arrays. */
export function encodeModule(parts: ModuleParts): Uint8Array<ArrayBuffer> {
  const chunks: Bytes[] = [[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]];
  const section = (id: number, payload: Bytes[]) => {
    const size = payload.reduce((sum, chunk) => sum + chunk.length, 0);
    chunks.push([id, ...u32(size)]);
    for (const chunk of payload) chunks.push(chunk); // a Go-sized code section has ~80,000 chunks: no spread
  };
  const vector = <T>(items: readonly T[], item: (value: T) => Bytes[]): Bytes[] => {
    const out: Bytes[] = [u32(items.length)];
    for (const value of items) for (const chunk of item(value)) out.push(chunk);
    return out;
  };

  section(1, vector(parts.types, (t) => [[0x60, ...u32(t.params.length), ...t.params, ...u32(t.results.length), ...t.results]]));
  if (parts.imports?.length) section(2, vector(parts.imports, (i) => [[...name(i.module), ...name(i.name), 0x00, ...u32(i.type)]]));
  section(3, vector(parts.functions, (f) => [u32(f.type)]));
  if (parts.table) section(4, [[1, FUNCREF, 0x00, ...u32(parts.table.size)]]);
  if (parts.memory) {
    const { initialPages, maximumPages } = parts.memory;
    section(5, [[1, ...(maximumPages === undefined ? [0x00, ...u32(initialPages)] : [0x01, ...u32(initialPages), ...u32(maximumPages)])]]);
  }
  if (parts.globals?.length) section(6, vector(parts.globals, (g) => [[g.type, g.mutable ? 1 : 0], g.init, [op.end]]));
  section(7, vector(parts.exports, (e) => [[...name(e.name), e.kind, ...u32(e.index)]]));
  if (parts.elements?.length) section(9, vector(parts.elements, (e) => [[0x00, ...i32(e.offset), op.end, ...u32(e.functions.length)], e.functions.flatMap((f) => u32(f))]));
  section(10, vector(parts.functions, (f) => {
    const locals = f.locals ?? [];
    const head = [...u32(locals.length), ...locals.flatMap(([count, type]) => [...u32(count), type])];
    return [u32(head.length + f.body.length + 1), head, f.body, [op.end]];
  }));
  if (parts.data?.length) section(11, vector(parts.data, (d) => [[0x00, ...i32(d.offset), op.end, ...u32(d.bytes.length)], d.bytes]));
  for (const custom of parts.custom ?? []) {
    const title = name(custom.name);
    section(0, [title, custom.bytes]);
  }

  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
