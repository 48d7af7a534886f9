/**
 * MetadataAgent plugins generated at bench time, shaped by a few knobs so each cost of a fresh
 * instance can be measured on its own: code size, function table entries (an active element
 * segment, as Go emits for its itab/closure table), initial memory, data segments, work done by
 * `_initialize`, and response size. They speak the real ABI (abi.md: memory, malloc, free,
 * _initialize, `<service>_api_version`, every rpc export), so the sidecar loads them as it would
 * a Go-built plugin.
 *
 * Memory layout:
 *   8..16     args/environ sizes written by _initialize's WASI calls
 *   16..32    random_get bytes (the seed _initialize mixes into its heap)
 *   32..40    clock_time_get result
 *   1024      "plugin:not_found"
 *   65536     the data segment (dataBytes), if any
 *   then      the heap (bump allocator, grows memory when it runs out)
 */
import { apiVersionExport, rpcExports } from '../src/contract';
import { encodeModule, i32, i64, I32, I64, mem, memoryFill, op, u32, type Func } from './wasm-binary';

export interface PluginShape {
  /** Functions that are never called per call but give the module its code size. */
  readonly fillerFunctions: number;
  /** Code bytes of each filler function. */
  readonly fillerBodyBytes: number;
  /** Entries of the function table, filled by one active element segment. */
  readonly tableEntries: number;
  readonly memoryPages: number;
  /** Bytes of an active data segment at 64 KiB. */
  readonly dataBytes: number;
  /** Heap bytes `_initialize` computes and writes (a Go runtime sets up its heap and module data). */
  readonly initBytes: number;
  /** The length of the biography GetArtistBiography answers with. */
  readonly responseBytes: number;
  /** Answer every rpc with plugin:not_found: a MetadataAgent that knows nothing. */
  readonly miss?: boolean;
  /** Written into a custom section, so otherwise equal modules differ in hash (and compile separately). */
  readonly tag?: string;
}

/** A tiny plugin: the per-call floor of a generated module. */
export const SMALL: PluginShape = { fillerFunctions: 0, fillerBodyBytes: 0, tableEntries: 0, memoryPages: 1, dataBytes: 0, initBytes: 0, responseBytes: 24 };

/**
 * What a Go-built (wasip1, c-shared) Navidrome plugin looks like to the host, as issue 10 sizes it
 * for goal 2: a ~4 MB module, a 20k-entry function table, 16 MiB of initial memory of which
 * ~1.5 MB is data, and an `_initialize` that reads the clock and random bytes, as Go's runtime
 * does (so it runs for every call: RATIONALE.md, "When may start-up code run once").
 */
export const GO_SIZED: PluginShape = {
  fillerFunctions: 20_000,
  fillerBodyBytes: 120,
  tableEntries: 20_000,
  memoryPages: 256,
  dataBytes: 1_500_000,
  initBytes: 0,
  responseBytes: 24,
};

/**
 * The Go-sized module whose `_initialize` also sets up 256 KB of heap from its random seed: the
 * guest's own start-up work, which runs for every call (64K stores: 28 us as shipped and 47 as
 * rewritten for recycling in one thread, the sixteenth session's figures; more than a whole call
 * of the fixture with the caller and the worker on one CPU).
 */
export const GO_SIZED_WITH_STARTUP_WORK: PluginShape = { ...GO_SIZED, initBytes: 256 * 1024 };

const PAGE = 65536;
const DATA_AT = PAGE;
const NOT_FOUND_AT = 1024;
const NOT_FOUND = 'plugin:not_found';
const ERROR_BIT = 0x8000_0000;

// Types.
const T_I32_I32 = 0; // malloc, fillers
const T_I32_VOID = 1; // free
const T_VOID = 2; // _initialize
const T_VERSION = 3; // () -> i64
const T_RPC = 4; // (i32, i32) -> i64
const T_I32X2_I32 = 5; // random_get, args_sizes_get, environ_sizes_get
const T_CLOCK = 6; // (i32, i64, i32) -> i32

// Functions: the WASI imports first, then the module's own.
const F_RANDOM_GET = 0;
const F_CLOCK_TIME_GET = 1;
const F_ARGS_SIZES_GET = 2;
const F_ENVIRON_SIZES_GET = 3;
const IMPORTS = 4;
const F_MALLOC = IMPORTS;
const F_FREE = IMPORTS + 1;
const F_INITIALIZE = IMPORTS + 2;
const F_VERSION = IMPORTS + 3;
const F_ANSWER = IMPORTS + 4;
const F_MISS = IMPORTS + 5;
const F_FILLER = IMPORTS + 6;

// Globals.
const G_HEAP = 0;
const G_INITIALIZED = 1;

/** The protobuf header of ArtistBiographyResponse{biography: <n bytes>}: field 1, wire type 2, varint n. */
function responseHeader(length: number): number[] {
  return [0x0a, ...u32(length)];
}

function malloc(): Func {
  // (size) -> ptr: bump, 8-byte aligned, growing memory by whole pages when the heap runs out.
  const size = 0;
  const ptr = 1;
  const end = 2;
  const limit = 3;
  return {
    type: T_I32_I32,
    locals: [[3, I32]],
    body: [
      op.globalGet, G_HEAP, op.localSet, ptr,
      op.localGet, ptr, op.localGet, size, op.i32Add, ...i32(7), op.i32Add, ...i32(-8), op.i32And, op.localSet, end,
      op.memorySize, 0x00, ...i32(16), op.i32Shl, op.localSet, limit,
      op.localGet, end, op.localGet, limit, op.i32GtU,
      op.if, op.blockEmpty,
      op.localGet, end, op.localGet, limit, op.i32Sub, ...i32(PAGE - 1), op.i32Add, ...i32(16), op.i32ShrU,
      op.memoryGrow, 0x00, ...i32(-1), op.i32Ne, op.i32Eqz, op.if, op.blockEmpty, op.unreachable, op.end,
      op.end,
      op.localGet, end, op.globalSet, G_HEAP,
      op.localGet, ptr,
    ],
  };
}

function initialize(shape: PluginShape): Func {
  // What a Go runtime's start-up asks of WASI, then `initBytes` of heap set up from the seed.
  const p = 0;
  const i = 1;
  const seed = 2;
  const work =
    shape.initBytes === 0
      ? []
      : [
          ...i32(shape.initBytes), op.call, F_MALLOC, op.localSet, p,
          ...i32(0), ...mem(op.i32Load, 2, 16), op.localSet, seed,
          op.block, op.blockEmpty, op.loop, op.blockEmpty,
          op.localGet, i, ...i32(shape.initBytes), op.i32GeU, op.brIf, 1,
          op.localGet, p, op.localGet, i, op.i32Add,
          op.localGet, i, ...i32(0x9e3779b1 | 0), op.i32Mul, op.localGet, seed, op.i32Xor,
          ...mem(op.i32Store, 2),
          op.localGet, i, ...i32(4), op.i32Add, op.localSet, i,
          op.br, 0, op.end, op.end,
        ];
  return {
    type: T_VOID,
    locals: [[3, I32]],
    body: [
      ...i32(8), ...i32(12), op.call, F_ENVIRON_SIZES_GET, op.drop,
      ...i32(8), ...i32(12), op.call, F_ARGS_SIZES_GET, op.drop,
      ...i32(16), ...i32(16), op.call, F_RANDOM_GET, op.drop,
      ...i32(0), ...i64(1), ...i32(32), op.call, F_CLOCK_TIME_GET, op.drop,
      ...work,
      ...i32(1), op.globalSet, G_INITIALIZED,
    ],
  };
}

/** `(ptr << 32) | len` from two i32 expressions. */
const pack = (ptr: number[], len: number[]): number[] => [...ptr, op.i64ExtendI32U, ...i64(32), op.i64Shl, ...len, op.i64ExtendI32U, op.i64Or];

function answer(shape: PluginShape): Func {
  // Requires _initialize to have run (as Go code does), goes once through the table when there
  // is one, and answers ArtistBiographyResponse{biography: "bbb..."}.
  const out = 2;
  const header = responseHeader(shape.responseBytes);
  const total = header.length + shape.responseBytes;
  const viaTable = shape.tableEntries > 0 ? [...i32(7), ...i32(0), op.callIndirect, T_I32_I32, 0x00, op.drop] : [];
  return {
    type: T_RPC,
    locals: [[1, I32]],
    body: [
      op.globalGet, G_INITIALIZED, op.i32Eqz, op.if, op.blockEmpty, op.unreachable, op.end,
      ...viaTable,
      ...i32(total), op.call, F_MALLOC, op.localSet, out,
      ...header.flatMap((byte, index) => [op.localGet, out, ...i32(byte), ...mem(op.i32Store8, 0, index)]),
      op.localGet, out, ...i32(header.length), op.i32Add, ...i32(0x62), ...i32(shape.responseBytes), ...memoryFill,
      ...pack([op.localGet, out], i32(total)),
    ],
  };
}

const miss: Func = { type: T_RPC, body: pack(i32(NOT_FOUND_AT), i32((NOT_FOUND.length | ERROR_BIT) | 0)) };

/** One filler body, shared by every filler function: arithmetic on its argument. */
function fillerBody(bytes: number): Uint8Array {
  const body: number[] = [op.localGet, 0];
  for (let k = 1; body.length + 12 < bytes; k++) body.push(...i32((k * 2654435761) | 0), op.i32Xor, ...i32(k % 31), op.i32Rotl);
  return new Uint8Array(body);
}

/** Pseudo-random data (an LCG), so the segment is as incompressible as real module data. */
function dataBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = 12345;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

/** Emits the module for a shape. */
export function generatePlugin(shape: PluginShape): Uint8Array<ArrayBuffer> {
  if (shape.dataBytes > 0 && DATA_AT + shape.dataBytes > shape.memoryPages * PAGE) throw new Error('the data segment does not fit the initial memory');
  const heapStart = shape.dataBytes > 0 ? DATA_AT + Math.ceil(shape.dataBytes / 16) * 16 : 2048;
  const filler = fillerBody(shape.fillerBodyBytes);
  const fillers: Func[] = Array.from({ length: shape.fillerFunctions }, () => ({ type: T_I32_I32, body: filler }));
  const tableTargets = shape.fillerFunctions > 0 ? shape.fillerFunctions : 1;
  const tableBase = shape.fillerFunctions > 0 ? F_FILLER : F_MALLOC;
  const rpcs = rpcExports('MetadataAgent');
  return encodeModule({
    types: [
      { params: [I32], results: [I32] },
      { params: [I32], results: [] },
      { params: [], results: [] },
      { params: [], results: [I64] },
      { params: [I32, I32], results: [I64] },
      { params: [I32, I32], results: [I32] },
      { params: [I32, I64, I32], results: [I32] },
    ],
    imports: [
      { module: 'wasi_snapshot_preview1', name: 'random_get', type: T_I32X2_I32 },
      { module: 'wasi_snapshot_preview1', name: 'clock_time_get', type: T_CLOCK },
      { module: 'wasi_snapshot_preview1', name: 'args_sizes_get', type: T_I32X2_I32 },
      { module: 'wasi_snapshot_preview1', name: 'environ_sizes_get', type: T_I32X2_I32 },
    ],
    functions: [
      malloc(),
      { type: T_I32_VOID, body: [] },
      initialize(shape),
      { type: T_VERSION, body: i64(1) },
      answer(shape),
      miss,
      ...fillers,
    ],
    table: shape.tableEntries > 0 ? { size: shape.tableEntries } : undefined,
    memory: { initialPages: shape.memoryPages },
    globals: [
      { type: I32, mutable: true, init: i32(heapStart) },
      { type: I32, mutable: true, init: i32(0) },
    ],
    exports: [
      { name: 'memory', kind: 2, index: 0 },
      { name: 'malloc', kind: 0, index: F_MALLOC },
      { name: 'free', kind: 0, index: F_FREE },
      { name: '_initialize', kind: 0, index: F_INITIALIZE },
      { name: apiVersionExport('MetadataAgent'), kind: 0, index: F_VERSION },
      ...rpcs.map((name) => ({ name, kind: 0 as const, index: !shape.miss && name.endsWith('_get_artist_biography') ? F_ANSWER : F_MISS })),
    ],
    elements: shape.tableEntries > 0 ? [{ offset: 0, functions: Array.from({ length: shape.tableEntries }, (_, k) => tableBase + (k % tableTargets)) }] : undefined,
    data: [
      { offset: NOT_FOUND_AT, bytes: new TextEncoder().encode(NOT_FOUND) },
      ...(shape.dataBytes > 0 ? [{ offset: DATA_AT, bytes: dataBytes(shape.dataBytes) }] : []),
    ],
    custom: shape.tag ? [{ name: 'ndphost-bench', bytes: new TextEncoder().encode(shape.tag) }] : undefined,
  });
}

/** A module's bytes with a custom section appended: same code, a different content hash. */
export function withTag(bytes: Uint8Array, tag: string): Uint8Array<ArrayBuffer> {
  const payload = [...u32(13), ...new TextEncoder().encode('ndphost-bench'), ...new TextEncoder().encode(tag)];
  const section = [0x00, ...u32(payload.length), ...payload];
  const out = new Uint8Array(bytes.length + section.length);
  out.set(bytes, 0);
  out.set(section, bytes.length);
  return out;
}
