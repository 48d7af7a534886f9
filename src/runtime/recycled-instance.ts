/**
 * An instance kept by a worker between calls and put back, before its next call, into the
 * state a fresh instance has: the blocks written since the restore point are copied back from its
 * image, mutable globals get their values back, and a memory that grew means a new instance
 * (memory cannot shrink). Tables and segments need nothing: the module was admitted only if its
 * code cannot change them (recyclable-module.ts).
 *
 * Which blocks were written: the guest's own stores set bits in the module's dirty globals; the
 * host's writes (the request, a host function's reply, the WASI shim's out-parameters) are
 * recorded by the import wrappers below from each import's arguments. An import whose writes
 * are not known here makes the next restore compare every block with the image instead.
 *
 * The restore point is the state right after instantiation, or right after the module's start
 * function (`_initialize`, or `_start` of a command module) when neither it nor the wasm start
 * section called an import: code that reads no clock, no random bytes and no host reaches the
 * same state every time, so restoring its result cannot be told apart from running it again.
 * When the start function calls imports (Go's runtime reads random bytes and the clock), it runs
 * again before every call, as in a fresh instance; when the wasm start section does, the module
 * is not recycled.
 */
import { MemoryImage } from './memory-image';
import type { RecycleExports } from './protocol';
import { BLOCKS_PER_GLOBAL, LAST_BLOCK_EXPORT, noBlockMarked, TAKE_EXPORT, TAKEN_BITS_EXPORT, trackedBytesOf } from './recyclable-module';

/** The guest-memory ranges each WASI function writes (its out-parameters), from its arguments. */
const WASI_WRITES: Readonly<Record<string, (args: readonly number[]) => ReadonlyArray<readonly [number, number]>>> = {
  args_get: () => [], // no arguments: nothing is written
  environ_get: () => [],
  args_sizes_get: ([count, size]) => [[count, 4], [size, 4]],
  environ_sizes_get: ([count, size]) => [[count, 4], [size, 4]],
  clock_res_get: ([, result]) => [[result, 8]],
  clock_time_get: ([, , result]) => [[result, 8]],
  fd_write: ([, , , written]) => [[written, 4]],
  fd_read: ([, , , read]) => [[read, 4]],
  fd_fdstat_get: ([, stat]) => [[stat, 24]],
  fd_prestat_get: () => [], // EBADF: there are no preopens
  random_get: ([buffer, length]) => [[buffer, length]],
  poll_oneoff: ([, out, count, events]) => [[out, count * 32], [events, 4]],
  sched_yield: () => [],
  proc_exit: () => [],
};

/**
 * What a start function may call when it runs ahead of a call, in the worker's idle time: imports
 * whose effects stay inside the instance. Anything else (output, sleeping, exiting, host
 * functions, which need the caller's identity) must happen during the call it belongs to.
 */
const AHEAD_OF_CALL = new Set(['args_get', 'environ_get', 'args_sizes_get', 'environ_sizes_get', 'clock_res_get', 'clock_time_get', 'random_get', 'fd_fdstat_get', 'fd_prestat_get', 'sched_yield']);

/** Thrown into a start function running ahead of a call when it reaches an import it may not call then. */
export class NotAhead {}

/** What the import wrappers learn during a call. */
export class CallTracker {
  constructor(
    /** The size of the blocks writes are recorded in (recyclable-module.ts, blockBytesFor). */
    readonly blockBytes: number,
  ) {}

  importCalls = 0;
  /** Blocks the host wrote into guest memory. */
  readonly hostBlocks = new Set<number>();
  /** An import whose writes are unknown was called: compare every block. */
  unknownWrites = false;
  /** A start function is running ahead of a call: only AHEAD_OF_CALL imports may run. */
  ahead = false;
  /**
   * An import was refused while running ahead. Kept apart from the exception, which the guest
   * can catch (`catch_all` takes JavaScript's exceptions too) and carry on without the import.
   */
  refused = false;

  /** What an import throws when it may not run now. */
  refuse(): NotAhead {
    this.refused = true;
    return new NotAhead();
  }

  wrote(ptr: number, length: number): void {
    if (length <= 0) return;
    const first = Math.floor((ptr >>> 0) / this.blockBytes);
    const last = Math.floor(((ptr >>> 0) + (length >>> 0) - 1) / this.blockBytes);
    for (let block = first; block <= last; block++) this.hostBlocks.add(block);
  }

  clear(): void {
    this.importCalls = 0;
    if (this.hostBlocks.size > 0) this.hostBlocks.clear();
    this.unknownWrites = false;
  }
}

/** The import object with every function wrapped to count its calls and record its writes, in a tracker of its own. */
export function trackingImports(imports: WebAssembly.Imports, blockBytes: number): { readonly imports: WebAssembly.Imports; readonly tracker: CallTracker } {
  const tracker = new CallTracker(blockBytes);
  const wrapped: WebAssembly.Imports = {};
  for (const [module, fields] of Object.entries(imports)) {
    wrapped[module] = Object.fromEntries(
      Object.entries(fields).map(([name, value]) => {
        if (typeof value !== 'function') return [name, value];
        const fn = value as (...args: unknown[]) => unknown;
        const writes = module === 'wasi_snapshot_preview1' ? WASI_WRITES[name] : undefined;
        const aheadOk = module === 'wasi_snapshot_preview1' && AHEAD_OF_CALL.has(name);
        if (writes) {
          return [name, (...args: number[]) => {
            if (tracker.ahead && !aheadOk) throw tracker.refuse();
            tracker.importCalls++;
            for (const [ptr, length] of writes(args)) tracker.wrote(ptr, length);
            return fn(...args);
          }];
        }
        // env: AssemblyScript's imports write nothing; host functions write through writeToGuest,
        // which tells the tracker itself (GuestContext.writes).
        if (module === 'env') {
          return [name, (...args: unknown[]) => {
            if (tracker.ahead) throw tracker.refuse();
            tracker.importCalls++;
            return fn(...args);
          }];
        }
        return [name, (...args: unknown[]) => {
          if (tracker.ahead) throw tracker.refuse();
          tracker.importCalls++;
          tracker.unknownWrites = true;
          return fn(...args);
        }];
      }),
    );
  }
  return { imports: wrapped, tracker };
}

export interface RecyclableModule extends RecycleExports {
  readonly module: WebAssembly.Module;
}

/** The marks of an instance of a recyclable module: which blocks its guest's stores wrote. */
export class Marks {
  private readonly take: (k: number) => number;
  private readonly taken: WebAssembly.Global;

  constructor(
    exports: WebAssembly.Exports,
    /** How many dirty-bit globals the module has. */
    private readonly globals: number,
  ) {
    this.take = exports[TAKE_EXPORT] as (k: number) => number;
    this.taken = exports[TAKEN_BITS_EXPORT] as WebAssembly.Global;
  }

  /**
   * Clears the marks of blocks below `blocks` and of the one just past them (marks are
   * conservative: a store marks every block the 16 bytes from its address reach, so one into the
   * memory's last 15 bytes marks the block after its end), passing the bits of each global that
   * held one to `each`, with its first block.
   */
  drain(blocks: number, each: (first: number, bits: number) => void): void {
    for (let k = Math.min(this.globals, Math.floor(blocks / BLOCKS_PER_GLOBAL) + 1) - 1; k >= 0; ) {
      const found = this.take(k);
      if (found === 0) return;
      k = found - 1;
      each(k * BLOCKS_PER_GLOBAL, this.taken.value as number);
      k--;
    }
  }
}

const ignore = (): void => undefined;

/** Calls `each` with every block whose bit is set in a dirty-bit global's 32, block `first` for the lowest. */
export function markedBlocks(first: number, bits: number, each: (block: number) => void): void {
  for (let rest = bits; rest !== 0; rest &= rest - 1) each(first + 31 - Math.clz32(rest & -rest));
}

export class RecycledInstance {
  private constructor(
    readonly exports: WebAssembly.Exports,
    private readonly memory: WebAssembly.Memory,
    private readonly image: MemoryImage,
    private readonly globals: readonly WebAssembly.Global[],
    private readonly values: readonly unknown[],
    private readonly marks: Marks,
    /** The first address of the block the guest's stores marked last: reset with the bits, or its next store there would go unmarked. */
    private readonly lastBlock: WebAssembly.Global,
    private readonly tracker: CallTracker,
    /** The start function runs before every call (it is not part of the restore point). */
    readonly startEachCall: boolean,
  ) {}

  /** The start function has already run for the next call (prepare). */
  private prepared = false;
  /** The memory as bytes, for as long as its buffer stays the same. */
  private view: Buffer | undefined;

  /** Copies back the blocks of one dirty-bit global's marks (Marks.drain), made once: a restore runs for every call. */
  private readonly copyMarked = (first: number, bits: number): void => markedBlocks(first, bits, this.copyBlock);

  /**
   * A block the guest's stores marked, unless the host's writes copied it already (the request
   * goes to the guest's heap, which the guest writes too), or it is the one past the memory's end.
   */
  private readonly copyBlock = (block: number): void => {
    if (block < this.image.blockCount && !this.tracker.hostBlocks.has(block)) this.image.copyBack(this.view as Buffer, block);
  };

  /** True once, after prepare(): the next call must not run the start function again. */
  takePrepared(): boolean {
    const prepared = this.prepared;
    this.prepared = false;
    return prepared;
  }

  /**
   * Runs the start function for the next call now, while the worker is idle. False when it may
   * not run ahead (it reached an import that must happen during a call, or failed): the instance
   * is back at its restore point and the call will run it itself. 'discard' when even that is
   * not possible (its memory grew).
   */
  prepare(runStart: (exports: WebAssembly.Exports) => void): boolean | 'discard' {
    this.tracker.ahead = true;
    this.tracker.refused = false;
    try {
      runStart(this.exports);
      if (!this.tracker.refused) {
        this.prepared = true;
        return true;
      }
    } catch {
      // Restored below, as when the guest caught the refusal.
    } finally {
      this.tracker.ahead = false;
    }
    return this.restore() ? false : 'discard';
  }

  /**
   * Instantiates and runs the module's start function (`_initialize`, or `_start` of a command
   * module) once through `runStart`, which handles an exit(0); 'not-recyclable' when the wasm
   * start section called an import, or when the memory at the restore point is larger than the
   * part whose writes the module tracks (recyclable-module.ts, trackedPagesFor).
   */
  static create(recyclable: RecyclableModule, imports: WebAssembly.Imports, tracker: CallTracker, runStart: ((exports: WebAssembly.Exports) => void) | undefined): RecycledInstance | 'not-recyclable' {
    tracker.clear();
    const { exports } = new WebAssembly.Instance(recyclable.module, imports);
    if (tracker.importCalls > 0) return 'not-recyclable';
    const memory = exports.memory as WebAssembly.Memory;
    const globals = recyclable.globalExports.map((name) => exports[name] as WebAssembly.Global);
    const marks = new Marks(exports, recyclable.dirtyGlobals);
    const lastBlock = exports[LAST_BLOCK_EXPORT] as WebAssembly.Global;
    const trackedBytes = trackedBytesOf(recyclable);
    const snapshot = (startEachCall: boolean): RecycledInstance | 'not-recyclable' => {
      if (memory.buffer.byteLength > trackedBytes) return 'not-recyclable';
      marks.drain(Infinity, ignore);
      lastBlock.value = noBlockMarked(recyclable.blockBytes);
      tracker.clear();
      return new RecycledInstance(exports, memory, MemoryImage.of(memory, recyclable.blockBytes), globals, globals.map((global) => global.value), marks, lastBlock, tracker, startEachCall);
    };
    if (!runStart) return snapshot(false);
    const beforeStart = snapshot(true);
    if (beforeStart === 'not-recyclable') return beforeStart;
    runStart(exports);
    return tracker.importCalls > 0 ? beforeStart : snapshot(false);
  }

  /** Puts the instance back at its restore point; false when it cannot be (its memory grew). */
  restore(): boolean {
    const buffer = this.memory.buffer;
    const { image } = this;
    if (buffer.byteLength !== image.byteLength) return false;
    // Made once per memory buffer (it changes only when the memory grows, and then this returns above).
    if (this.view?.buffer !== buffer) this.view = Buffer.from(buffer);
    const memory = this.view;
    const blocks = image.blockCount;
    const { hostBlocks, unknownWrites } = this.tracker;
    if (unknownWrites) {
      for (let block = 0; block < blocks; block++) if (image.differs(memory, block)) image.copyBack(memory, block);
    } else {
      for (const block of hostBlocks) if (block < blocks) image.copyBack(memory, block);
    }
    this.marks.drain(blocks, unknownWrites ? ignore : this.copyMarked);
    // Stores into the last block of a 4 GiB memory can go unmarked (noBlockMarked is its address).
    const lastOf4GiB = 2 ** 32 / image.blockBytes - 1;
    if (blocks === lastOf4GiB + 1) image.copyBack(memory, lastOf4GiB);
    this.lastBlock.value = noBlockMarked(image.blockBytes);
    for (let k = 0; k < this.globals.length; k++) this.globals[k].value = this.values[k];
    this.tracker.clear();
    return true;
  }
}
