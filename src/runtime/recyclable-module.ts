/**
 * Decides at load whether instances of a module can be recycled between calls without the guest
 * being able to tell, and writes the variant of the module that allows it.
 *
 * An instance's state is its linear memory, its mutable globals, its tables and which passive
 * segments it has dropped (core spec 4.2). The variant
 * - exports every mutable global (`ndphost.global.<index>`), so the worker can put its value back;
 * - records which blocks of memory (4 KiB, blockBytesFor) the guest writes: every store (plain,
 *   SIMD lane, atomic) outside the block its function last saw marked first calls an added
 *   function that sets the block's bit in one of the added i32 globals (32 blocks each), and
 *   memory.fill/copy/init mark their destination range. The bits live in globals, not memory, so
 *   guest code cannot clear them: the original module was validated without these globals, so
 *   none of its instructions can name them. The worker reads and clears them through an added
 *   export (`ndphost.dirty.take`), which finds the marked ones among hundreds in the module,
 *   where reading each from JavaScript cost ~50 ns.
 * Tables and dropped segments are not restored: a module whose code can change them
 * (table.set/grow/fill/copy/init, data.drop, elem.drop) is not recycled, nor one that imports
 * state (globals, tables, memories), shares its memory, has more than one memory, or holds a
 * global JavaScript cannot read back (v128). Those keep a fresh instance per call.
 */
import { leb128 as u32, PAGE_BYTES, Reader } from './wasm-sections';
import { decodeInstruction, F32, F64, I32, I64, last, V128, type CodeEffects, type MemoryWrite } from './wasm-code';

const SECTION_TYPE = 1;
const SECTION_IMPORT = 2;
const SECTION_FUNCTION = 3;
const SECTION_MEMORY = 5;
const SECTION_GLOBAL = 6;
const SECTION_EXPORT = 7;
const SECTION_CODE = 10;
const KIND_FUNCTION = 0;
const KIND_GLOBAL = 3;
const SHARED = 0x02;
const HAS_MAXIMUM = 0x01;
/**
 * Blocks per dirty-bit global. i32 globals: V8 (Node 20) takes ~1.3 us to set up each mutable
 * i64 global of a new instance and ~20 ns for an i32 one (512 of each: 668 against 33 us).
 */
export const BLOCKS_PER_GLOBAL = 32;
/**
 * The unit of written memory a restore copies back. A call of the fixture changes bytes in one
 * 4 KiB block, and a 64 KiB unit made the restore copy sixteen times what it wrote: a recycled call
 * took 2.9 us in one thread, 1.6 us with 4 KiB blocks.
 */
const MIN_BLOCK_BYTES = 4096;
/**
 * The most dirty-bit globals a module gets, so that a new instance of the variant sets up no more
 * than ~40 us of them: where more than 256 MiB is tracked (an initial memory that large,
 * trackedPagesFor), the blocks are larger than 4 KiB, 64 KiB for 4 GiB.
 */
export const MAX_DIRTY_GLOBALS = 2048;

export const GLOBAL_EXPORT_PREFIX = 'ndphost.global.';
export const LAST_BLOCK_EXPORT = 'ndphost.dirty.last';
/**
 * take(k) -> i32: the highest dirty-bit global at or below k that holds a mark, plus one (0: none);
 * it clears that global and leaves its bits in the global below.
 */
export const TAKE_EXPORT = 'ndphost.dirty.take';
export const TAKEN_BITS_EXPORT = 'ndphost.dirty.bits';
const MAX_PAGES = 65536;

/**
 * How far past its initial memory a module's writes are tracked. A recycled instance is put back
 * only while its memory is the size it had at the restore point (one that grew is replaced), so
 * only that much needs bits: the initial memory, and what a start function that runs once may
 * grow it by (RecycledInstance.create refuses to keep an instance that grew further). Tracking a
 * module's whole maximum, 128 MiB by default, gave each module 1,024 bit globals and 48 KB of
 * added code to set and take them: 100 plugins started in 1.84 s against 1.21.
 */
export const TRACKED_GROWTH_PAGES = 256;

/** The pages whose writes a module with this initial and maximum memory (in pages) tracks. */
export function trackedPagesFor(initialPages: number, maximumPages: number): number {
  return Math.min(maximumPages, initialPages + TRACKED_GROWTH_PAGES);
}

/** How much of the memory has bits: a whole number of dirty-bit globals' blocks (at least trackedPagesFor's pages). */
export function trackedBytesOf(marks: { readonly dirtyGlobals: number; readonly blockBytes: number }): number {
  return marks.dirtyGlobals * BLOCKS_PER_GLOBAL * marks.blockBytes;
}

/** The size of the blocks in which a module tracks the writes to this many pages. */
export function blockBytesFor(trackedPages: number): number {
  let block = MIN_BLOCK_BYTES;
  while ((trackedPages * PAGE_BYTES) / block > MAX_DIRTY_GLOBALS * BLOCKS_PER_GLOBAL) block *= 2;
  return block;
}

/**
 * The value of the last-block global when no block is marked: the first address of the last block
 * a memory can have (4 GiB - one block), so a function starts out knowing no block it can write but
 * that one. A 4 GiB memory's last block is therefore copied back at every restore, marked or not.
 */
export function noBlockMarked(blockBytes: number): number {
  return -blockBytes;
}
/**
 * How much larger marking may make a module's code, at any point of its code section, before the
 * module is not recycled (it keeps a fresh instance per call). What toolchains write grows 2.0-2.2
 * times (Go 1.19, clang with nanopb, rustc, AssemblyScript), and a stretch of stores alone 6.6
 * times: a 64 MiB module of nothing else (a package's largest file) took 9.6 s and 1.7 GB to
 * rewrite. The slack lets a few hundred KB of stores in a row through.
 */
export const MAX_CODE_GROWTH = 4;
const CODE_GROWTH_SLACK = 1024 * 1024;
/**
 * The most mutable globals a recycled module may have. The worker sets each back from JavaScript
 * after every call, 45-54 ns apiece, where a new instance initialises one in ~30: with 10,000, a
 * recycled call took 584 us and a fresh one 414. Toolchains write 1-8 (Go 1.19: 8, AssemblyScript
 * 4-5, clang and rustc 1: the stack pointer), for which copying them back inside the module
 * instead would save under half a microsecond.
 */
export const MAX_MUTABLE_GLOBALS = 4096;

export type RecycleAnalysis =
  | {
      readonly recyclable: true;
      readonly bytes: Uint8Array<ArrayBuffer>;
      /** Export names of the module's mutable globals, to restore. */
      readonly globalExports: readonly string[];
      /** How many dirty-bit globals there are, block 32k..32k+31 in the k-th (TAKE_EXPORT reads them). */
      readonly dirtyGlobals: number;
      /** The size of the blocks the dirty bits stand for (blockBytesFor). */
      readonly blockBytes: number;
      /** How much of the memory has bits: an instance whose memory is larger at its restore point is not kept (trackedPagesFor). */
      readonly trackedBytes: number;
    }
  | { readonly recyclable: false; readonly reason: string };

interface Section {
  readonly id: number;
  /** Payload range. */
  readonly start: number;
  readonly end: number;
}

// ---- encoding ------------------------------------------------------------------------------

/** A signed LEB128 as bytes, for the constants of the added code (Output.s32 writes the rest in place). */
function s32(value: number): number[] {
  const out = new Output(5);
  out.s32(value);
  return [...out.view()];
}

/** Below this many bytes a copy is a loop: `set` on a subarray costs more than it moves. */
const SHORT_COPY = 32;

/** Growable output, so 4 MB of code is not built from arrays of numbers. */
class Output {
  private buffer: Uint8Array<ArrayBuffer>;
  length = 0;

  constructor(capacity = 256) {
    this.buffer = new Uint8Array(capacity);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  put(bytes: ArrayLike<number>): void {
    this.copy(bytes, 0, bytes.length);
  }

  /** bytes[start..end), without a subarray for each short run. */
  copy(bytes: ArrayLike<number>, start: number, end: number): void {
    const n = end - start;
    this.reserve(n);
    const buffer = this.buffer;
    if (n < SHORT_COPY || !ArrayBuffer.isView(bytes)) for (let i = 0, at = this.length; i < n; i++) buffer[at + i] = bytes[start + i];
    else buffer.set((bytes as Uint8Array).subarray(start, end), this.length);
    this.length += n;
  }

  /** What was put, as a module's bytes: the buffer itself when it is nearly full, else a copy. */
  bytes(): Uint8Array<ArrayBuffer> {
    return this.length * 8 >= this.buffer.length * 7 ? new Uint8Array(this.buffer.buffer, 0, this.length) : this.buffer.slice(0, this.length);
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  /** An unsigned LEB128 (core spec 5.2.2). */
  u32(value: number): void {
    this.reserve(5);
    let v = value >>> 0;
    while (v >= 0x80) {
      this.buffer[this.length++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buffer[this.length++] = v;
  }

  /** A signed LEB128, as i32.const takes. */
  s32(value: number): void {
    this.reserve(5);
    let v = value | 0;
    for (;;) {
      const byte = v & 0x7f;
      v >>= 7;
      const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
      this.buffer[this.length++] = done ? byte : byte | 0x80;
      if (done) return;
    }
  }

  /** An instruction with one unsigned LEB128 immediate (a local, global or function index). */
  op(opcode: number, immediate: number): void {
    this.byte(opcode);
    this.u32(immediate);
  }

  /** A name (a length, then UTF-8; ours are ASCII). */
  name(text: string): void {
    this.u32(text.length);
    for (let i = 0; i < text.length; i++) this.byte(text.charCodeAt(i));
  }

  /**
   * Room for the size of what follows, which is not known yet: a section or a function body is
   * written in place, not built aside and copied. `closeSize` fills it in.
   */
  openSize(): number {
    this.reserve(5);
    this.length += 5;
    return this.length;
  }

  /** Writes the size of everything after `opened` (openSize) and moves it up to the shortest encoding. */
  closeSize(opened: number): void {
    const size = this.length - opened;
    const encoded = u32(size);
    const at = opened - 5;
    this.buffer.set(encoded, at);
    if (encoded.length < 5) this.buffer.copyWithin(at + encoded.length, opened, this.length);
    this.length -= 5 - encoded.length;
  }

  /** What was put so far, not copied: valid until the next put or reset. */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  /** Empties it for reuse, keeping its buffer. */
  reset(): void {
    this.length = 0;
  }
}

// ---- instruction sequences -----------------------------------------------------------------

const op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, brTable: 0x0e, return: 0x0f, call: 0x10,
  localGet: 0x20, localSet: 0x21, localTee: 0x22, globalGet: 0x23, globalSet: 0x24,
  i32Const: 0x41, i64Const: 0x42, i32Eqz: 0x45, i32Ne: 0x47, i32LtU: 0x49, i32GtU: 0x4b,
  i32Add: 0x6a, i32Sub: 0x6b, i32And: 0x71, i32Or: 0x72, i32Shl: 0x74, i32ShrU: 0x76,
} as const;
const EMPTY = 0x40;
const BLOCK_EMPTY = [op.block, EMPTY];

const SCRATCH_LOCALS: ReadonlyArray<readonly [number, number]> = [[6, I32], [2, I64], [1, F32], [1, F64], [1, V128]];
/** The scratch locals' declarations, as a function body's header ends with them. */
const SCRATCH_DECLARATIONS = SCRATCH_LOCALS.flatMap(([count, type]) => [...u32(count), type]);
/** For each value type, the offsets from the scratch base of the locals that hold a store's value (two for cmpxchg). */
const VALUE_LOCALS: Readonly<Record<number, readonly [number, number]>> = { [I32]: [1, 2], [I64]: [6, 7], [F32]: [8, 8], [V128]: [10, 10], [F64]: [9, 9] };

/**
 * Locals added to every function that writes memory, after its own (SCRATCH_LOCALS), numbered
 * from the function's first free local. A class, not a literal per function: the rewrite makes
 * one for each of a Go-sized module's 20k functions.
 */
class Scratch {
  constructor(readonly address: number) {}

  /** The effective address (address + offset) of a store. */
  get effective(): number {
    return this.address + 4;
  }

  /** The length operand of a bulk write. */
  get count(): number {
    return this.address + 3;
  }

  /** The first address of a block this function knows to be marked (noBlockMarked: none). */
  get marked(): number {
    return this.address + 5;
  }

  /** The local that holds a store's value of `type`. */
  value(type: number): number {
    return this.address + VALUE_LOCALS[type][0];
  }

  /** The local that holds a compare-exchange's replacement of `type`. */
  replacement(type: number): number {
    return this.address + VALUE_LOCALS[type][1];
  }
}

/** What the added code of one module needs: the marking functions and its block size. */
class Marking {
  /** The last address of a block at which a 16-byte store stays inside it, from the block's first. */
  readonly lastInBlock: readonly number[];
  /** Clears an address's offset within its block. */
  readonly blockMask: readonly number[];

  constructor(
    readonly mark: number,
    readonly markRange: number,
    readonly lastGlobal: number,
    blockBytes: number,
  ) {
    this.lastInBlock = s32(blockBytes - 16);
    this.blockMask = s32(-blockBytes);
  }
}

/** What a function that writes memory does first: take the block marked last as one it knows. */
function onEntry(code: Output, scratch: Scratch, lastGlobal: number): void {
  code.op(op.globalGet, lastGlobal);
  code.op(op.localSet, scratch.marked);
}

/**
 * What runs before a memory write: save the operands, mark the blocks, push them back. A store
 * inside the block the function knows to be marked (a local, so a loop's stores cost a subtraction
 * and a compare) is not marked again; otherwise `mark` is called and the local moves to its block.
 * Marks are cleared only between calls, when no guest code is running, so what a function knows
 * stays true for as long as it runs. A call per store cost ~10 ns, several times the store itself;
 * the same check against a global, ~0.9 ns a store (64K i32 stores: 28 us bare, 85 marked with
 * the global, 47 with the local). Written straight into the body: the rewrite runs it for every
 * store of a Go-sized module.
 */
function beforeWrite(code: Output, write: MemoryWrite, scratch: Scratch, marking: Marking): void {
  const a = scratch.address;
  if (write.kind === 'range') {
    const x = scratch.value(I32);
    const n = scratch.count;
    code.op(op.localSet, n);
    code.op(op.localSet, x);
    code.op(op.localTee, a);
    code.op(op.localGet, n);
    code.op(op.call, marking.markRange);
    code.op(op.localGet, a);
    code.op(op.localGet, x);
    code.op(op.localGet, n);
    return;
  }
  const v1 = scratch.value(write.type);
  const e = scratch.effective;
  const marked = scratch.marked;
  if (write.kind === 'cmpxchg') code.op(op.localSet, scratch.replacement(write.type));
  code.op(op.localSet, v1);
  code.op(op.localTee, a);
  code.byte(op.i32Const);
  code.s32(write.offset);
  code.byte(op.i32Add);
  code.op(op.localTee, e);
  // The 16 bytes from e (the widest store's) inside the known block: e - marked <= block - 16, unsigned.
  code.op(op.localGet, marked);
  code.byte(op.i32Sub);
  code.byte(op.i32Const);
  code.put(marking.lastInBlock);
  code.byte(op.i32GtU);
  code.op(op.if, EMPTY);
  code.op(op.localGet, e);
  code.op(op.call, marking.mark);
  code.op(op.localGet, e);
  code.byte(op.i32Const);
  code.put(marking.blockMask);
  code.byte(op.i32And);
  code.op(op.localSet, marked);
  code.byte(op.end);
  code.op(op.localGet, a);
  code.op(op.localGet, v1);
  if (write.kind === 'cmpxchg') code.op(op.localGet, scratch.replacement(write.type));
}

/** mark_block(block): sets the block's bit in dirty global `first + block / 32`; blocks past the last global are ignored. */
function markBlockBody(out: Output, firstGlobal: number, globals: number): void {
  const opened = out.openSize();
  out.byte(0x00); // no locals
  for (let k = 0; k <= globals; k++) out.put(BLOCK_EMPTY);
  out.put([op.localGet, 0, op.i32Const, Math.log2(BLOCKS_PER_GLOBAL), op.i32ShrU, op.brTable]);
  out.u32(globals);
  for (let k = 0; k <= globals; k++) out.u32(k);
  for (let k = 0; k < globals; k++) {
    // i32.shl takes the shift modulo 32: the block's bit within its global.
    out.byte(op.end);
    out.op(op.globalGet, firstGlobal + k);
    out.put([op.i32Const, 1, op.localGet, 0, op.i32Shl, op.i32Or]);
    out.op(op.globalSet, firstGlobal + k);
    out.byte(op.return);
  }
  out.put([op.end, op.end]);
  out.closeSize(opened);
}

/**
 * take(k): scans the dirty-bit globals from k down to 0, each case falling through to the next
 * (the br_table enters at k), for the first that holds a mark (TAKE_EXPORT).
 */
function takeBody(out: Output, firstGlobal: number, globals: number, bitsGlobal: number): void {
  const bits = 1;
  const opened = out.openSize();
  out.put([0x01, 0x01, I32]);
  for (let k = 0; k <= globals; k++) out.put(BLOCK_EMPTY);
  // Global g's case follows the end of block globals - 1 - g: the highest comes first.
  out.op(op.localGet, 0);
  out.op(op.brTable, globals);
  for (let g = 0; g < globals; g++) out.u32(globals - 1 - g);
  out.u32(globals);
  for (let g = globals - 1; g >= 0; g--) {
    out.byte(op.end);
    out.op(op.globalGet, firstGlobal + g);
    out.put([op.localTee, bits, op.if, EMPTY, op.i32Const, 0]);
    out.op(op.globalSet, firstGlobal + g);
    out.op(op.localGet, bits);
    out.op(op.globalSet, bitsGlobal);
    out.byte(op.i32Const);
    out.s32(g + 1);
    out.put([op.return, op.end]);
  }
  out.put([op.end, op.i32Const, 0, op.end]);
  out.closeSize(opened);
}

/**
 * mark(effective address): the blocks of the first and the last byte a 16-byte-or-smaller access
 * can touch; the first becomes the block marked last (its first address in the global).
 */
function markBody(markBlock: number, lastGlobal: number, blockBytes: number): number[] {
  const ea = 0;
  const shift = Math.log2(blockBytes);
  return [
    0x00,
    op.localGet, ea, op.i32Const, ...s32(-blockBytes), op.i32And, op.globalSet, ...u32(lastGlobal),
    op.localGet, ea, op.i32Const, shift, op.i32ShrU, op.call, ...u32(markBlock),
    op.localGet, ea, op.i32Const, 15, op.i32Add, op.i32Const, shift, op.i32ShrU,
    op.localGet, ea, op.i32Const, shift, op.i32ShrU, op.i32Ne,
    op.if, EMPTY, op.localGet, ea, op.i32Const, 15, op.i32Add, op.i32Const, shift, op.i32ShrU, op.call, ...u32(markBlock), op.end,
    op.end,
  ];
}

/** mark_range(destination, length): every block of a bulk write; blocks past `lastBlock` are ignored. */
function markRangeBody(markBlock: number, lastBlock: number, blockBytes: number): number[] {
  const block = 2;
  const last = 3;
  const shift = Math.log2(blockBytes);
  return [
    0x01, 0x02, I32,
    op.localGet, 1, op.i32Eqz, op.if, EMPTY, op.return, op.end,
    op.localGet, 0, op.i32Const, shift, op.i32ShrU, op.localSet, block,
    // last = (destination + length - 1) >> shift; a range that wraps past 4 GiB traps anyway: mark to the end.
    op.localGet, 0, op.localGet, 1, op.i32Add, op.i32Const, 1, op.i32Sub, op.localTee, last, op.localGet, 0, op.i32LtU,
    op.if, I32, op.i32Const, ...s32(lastBlock), op.else, op.localGet, last, op.i32Const, shift, op.i32ShrU, op.end, op.localSet, last,
    op.localGet, last, op.i32Const, ...s32(lastBlock), op.i32GtU, op.if, EMPTY, op.i32Const, ...s32(lastBlock), op.localSet, last, op.end,
    op.block, EMPTY, op.loop, EMPTY,
    op.localGet, block, op.localGet, last, op.i32GtU, op.brIf, 1,
    op.localGet, block, op.call, ...u32(markBlock),
    op.localGet, block, op.i32Const, 1, op.i32Add, op.localSet, block,
    op.br, 0, op.end, op.end,
    op.end,
  ];
}

// ---- analysis and rewrite ------------------------------------------------------------------

/** Analyses a module (already accepted by WebAssembly.compile) and writes its recyclable variant. */
export function analyseForRecycling(bytes: Uint8Array): RecycleAnalysis {
  try {
    return rewrite(bytes);
  } catch (error) {
    if (error instanceof NotRecyclable) return { recyclable: false, reason: error.message };
    if (error instanceof RangeError) return { recyclable: false, reason: `its code cannot be read by the host (${error.message})` };
    throw error;
  }
}

class NotRecyclable extends Error {}

function rewrite(bytes: Uint8Array): RecycleAnalysis {
  const sections: Section[] = [];
  const typeParams: number[] = [];
  const functionTypes: number[] = [];
  let importedFunctions = 0;
  let definedGlobals = 0;
  const mutableGlobals: number[] = [];
  let maximumPages = MAX_PAGES;
  let initialPages = 0;
  let hasMemory = false;

  const reader = new Reader(bytes, 8);
  while (reader.offset < bytes.length) {
    const id = reader.byte();
    const size = reader.u32();
    const section: Section = { id, start: reader.offset, end: reader.offset + size };
    sections.push(section);
    reader.offset = section.end;
    const c = new Reader(bytes.subarray(0, section.end), section.start);
    if (id === SECTION_TYPE) {
      for (let n = c.u32(); n > 0; n--) {
        if (c.byte() !== 0x60) throw new NotRecyclable('it has a type that is not a function type');
        const params = c.u32();
        c.skip(params);
        typeParams.push(params);
        c.skip(c.u32());
      }
    } else if (id === SECTION_IMPORT) {
      for (let n = c.u32(); n > 0; n--) {
        c.skip(c.u32());
        c.skip(c.u32());
        if (c.byte() !== KIND_FUNCTION) throw new NotRecyclable('it imports state (a table, memory or global)');
        c.u32();
        importedFunctions++;
      }
    } else if (id === SECTION_FUNCTION) {
      for (let n = c.u32(); n > 0; n--) functionTypes.push(c.u32());
    } else if (id === SECTION_MEMORY) {
      const count = c.u32();
      if (count > 1) throw new NotRecyclable('it has more than one memory');
      if (count === 1) {
        hasMemory = true;
        const flags = c.byte();
        if (flags & SHARED) throw new NotRecyclable('its memory is shared');
        initialPages = c.u32();
        if (flags & HAS_MAXIMUM) maximumPages = c.u32();
      }
    } else if (id === SECTION_GLOBAL) {
      for (let n = c.u32(); n > 0; n--, definedGlobals++) {
        const type = c.byte();
        const mutable = c.byte() === 1;
        const effects: CodeEffects = { mutatesTables: false, dropsSegments: false };
        do decodeInstruction(c, effects);
        while (last.op !== op.end);
        if (mutable && type === V128) throw new NotRecyclable('it has a mutable v128 global, which JavaScript cannot read back');
        if (mutable) mutableGlobals.push(definedGlobals);
      }
    }
  }
  if (!hasMemory) throw new NotRecyclable('it has no memory of its own');
  if (mutableGlobals.length > MAX_MUTABLE_GLOBALS) throw new NotRecyclable(`it has ${mutableGlobals.length} mutable globals, and putting back more than ${MAX_MUTABLE_GLOBALS} costs more than a new instance`);
  if (!sections.some((s) => s.id === SECTION_EXPORT)) throw new NotRecyclable('it exports nothing');

  const trackedPages = trackedPagesFor(initialPages, maximumPages);
  const blockBytes = blockBytesFor(trackedPages);
  const dirtyGlobals = Math.ceil((trackedPages * PAGE_BYTES) / blockBytes / BLOCKS_PER_GLOBAL);
  const lastTrackedBlock = dirtyGlobals * BLOCKS_PER_GLOBAL - 1;
  const definedFunctions = functionTypes.length;
  const typeMarkBlock = typeParams.length;
  const typeMark = typeParams.length + 1;
  const typeTake = typeParams.length + 2;
  const markBlock = importedFunctions + definedFunctions;
  const take = markBlock + 3;
  const globalExports = mutableGlobals.map((index) => `${GLOBAL_EXPORT_PREFIX}${index}`);

  const out = new Output(bytes.length + 65536);
  out.put(bytes.subarray(0, 8));
  /** A vector section with `extraCount` entries, which `extra` writes, appended after the original ones. */
  const extended = (id: number, section: Section | undefined, extraCount: number, extra: () => void) => {
    out.byte(id);
    const opened = out.openSize();
    if (section) {
      const c = new Reader(bytes.subarray(0, section.end), section.start);
      out.u32(c.u32() + extraCount);
      out.copy(bytes, c.offset, section.end);
    } else out.u32(extraCount);
    extra();
    out.closeSize(opened);
  };
  const globalSection = sections.find((s) => s.id === SECTION_GLOBAL);
  const lastGlobal = definedGlobals + dirtyGlobals;
  const bitsGlobal = lastGlobal + 1;
  const marking = new Marking(markBlock + 1, markBlock + 2, lastGlobal, blockBytes);
  const addedGlobals = dirtyGlobals + 2;
  const newGlobals = () => {
    for (let k = 0; k < dirtyGlobals; k++) out.put([I32, 0x01, op.i32Const, 0x00, op.end]);
    out.put([I32, 0x01, op.i32Const]);
    out.s32(noBlockMarked(blockBytes));
    out.byte(op.end);
    out.put([I32, 0x01, op.i32Const, 0x00, op.end]);
  };
  const globalExport = (exportName: string, index: number) => {
    out.name(exportName);
    out.op(KIND_GLOBAL, index);
  };

  for (const section of sections) {
    if (section.id === SECTION_TYPE) extended(SECTION_TYPE, section, 3, () => out.put([0x60, 1, I32, 0, 0x60, 2, I32, I32, 0, 0x60, 1, I32, 1, I32]));
    else if (section.id === SECTION_FUNCTION) extended(SECTION_FUNCTION, section, 4, () => [typeMarkBlock, typeMarkBlock, typeMark, typeTake].forEach((type) => out.u32(type)));
    else if (section.id === SECTION_GLOBAL) extended(SECTION_GLOBAL, section, addedGlobals, newGlobals);
    else if (section.id === SECTION_EXPORT) {
      // Without a global section of its own, the module gets one just before its exports.
      if (!globalSection) extended(SECTION_GLOBAL, undefined, addedGlobals, newGlobals);
      extended(SECTION_EXPORT, section, mutableGlobals.length + 3, () => {
        mutableGlobals.forEach((index, k) => globalExport(globalExports[k], index));
        globalExport(LAST_BLOCK_EXPORT, lastGlobal);
        globalExport(TAKEN_BITS_EXPORT, bitsGlobal);
        out.name(TAKE_EXPORT);
        out.op(KIND_FUNCTION, take);
      });
    } else if (section.id === SECTION_CODE) {
      const code = new Output(65536);
      const c = new Reader(bytes.subarray(0, section.end), section.start);
      const count = c.u32();
      if (count !== definedFunctions) throw new NotRecyclable('its code and function sections disagree');
      out.byte(SECTION_CODE);
      const opened = out.openSize();
      out.u32(count + 4);
      for (let index = 0; index < count; index++) {
        const sizeAt = c.offset;
        const size = c.u32();
        const end = c.offset + size;
        // Checked as it goes, so that code of nothing but stores is refused within its first MiB.
        const room = MAX_CODE_GROWTH * (end - section.start) + CODE_GROWTH_SLACK - (out.length - opened);
        if (!instrumentBody(out, code, room, bytes, c.offset, end, typeParams[functionTypes[index]], marking)) out.copy(bytes, sizeAt, end);
        c.offset = end;
      }
      markBlockBody(out, definedGlobals, dirtyGlobals);
      for (const body of [markBody(markBlock, lastGlobal, blockBytes), markRangeBody(markBlock, lastTrackedBlock, blockBytes)]) {
        out.u32(body.length);
        out.put(body);
      }
      takeBody(out, definedGlobals, dirtyGlobals, bitsGlobal);
      out.closeSize(opened);
    } else {
      out.byte(section.id);
      out.u32(section.end - section.start);
      out.copy(bytes, section.start, section.end);
    }
  }
  if (!sections.some((s) => s.id === SECTION_CODE)) throw new NotRecyclable('it has no code');
  return { recyclable: true, bytes: out.bytes(), globalExports, dirtyGlobals, blockBytes, trackedBytes: trackedBytesOf({ dirtyGlobals, blockBytes }) };
}

/**
 * Puts one function body, with its size prefix, into `out`, marking its writes; false, with
 * nothing put, when it writes no memory (it stays as is). `code` is scratch space, reused for
 * every body. Refuses the module when the marked body would take more than `room` bytes.
 */
function instrumentBody(out: Output, code: Output, room: number, bytes: Uint8Array, start: number, end: number, params: number, marking: Marking): boolean {
  const c = new Reader(bytes.subarray(0, end), start);
  const groups = c.u32();
  const groupsStart = c.offset;
  let locals = 0;
  for (let n = 0; n < groups; n++) {
    locals += c.u32();
    c.byte();
  }
  const localsEnd = c.offset;
  const scratch = new Scratch(params + locals);
  code.reset();
  onEntry(code, scratch, marking.lastGlobal);
  let copied = localsEnd;
  let writes = 0;
  const effects: CodeEffects = { mutatesTables: false, dropsSegments: false };
  while (c.offset < end) {
    const at = c.offset;
    const write = decodeInstruction(c, effects);
    if (!write) continue;
    writes++;
    code.copy(bytes, copied, at);
    beforeWrite(code, write, scratch, marking);
    copied = at;
    if (code.length > room) throw new NotRecyclable(`its code writes memory so densely that marking the writes would make it more than ${MAX_CODE_GROWTH} times larger`);
  }
  if (c.offset !== end) throw new RangeError('an instruction runs past the end of its function');
  if (effects.mutatesTables) throw new NotRecyclable('its code can change a table');
  if (effects.dropsSegments) throw new NotRecyclable('its code can drop a segment');
  if (writes === 0) return false;
  code.copy(bytes, copied, end);
  const groupCount = u32(groups + SCRATCH_LOCALS.length);
  out.u32(groupCount.length + (localsEnd - groupsStart) + SCRATCH_DECLARATIONS.length + code.length);
  out.put(groupCount);
  out.copy(bytes, groupsStart, localsEnd);
  out.put(SCRATCH_DECLARATIONS);
  out.put(code.view());
  return true;
}
