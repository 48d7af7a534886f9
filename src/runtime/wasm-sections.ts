/**
 * Just enough of the WebAssembly binary format to check a module before it runs: the signature
 * of every exported function, the limits of the module's own memory and tables, and a copy of
 * the module with those maximums lowered to caps. V8 enforces a declared maximum on every
 * instance (worker resourceLimits limit neither wasm memory nor, safely, tables: RATIONALE.md),
 * so setting it at load caps every instance whatever the module declared.
 *
 * Binary layout (WebAssembly core spec, 5.5): `\0asm` version, then sections of
 * (id: u8, size: u32 LEB128, payload). Type section (1): func types `0x60 params results`.
 * Import section (2): imports count towards the function and memory index spaces. Function
 * section (3): a type index per defined function. Table section (4): `reftype limits` per
 * table. Memory section (5): limits. Export section (7): `name kind index`. Limits are
 * `flags min [max]`: bit 0 says a maximum follows, bit 1 marks a shared memory (threads).
 *
 * Parsing runs on bytes WebAssembly.compile has already accepted, so the module is well formed;
 * every read is still bounds-checked, and a short read or a form this reader does not know is
 * reported, never trusted.
 */

/** A wasm page, the unit of memory sizes (core spec 2.5.7). */
export const PAGE_BYTES = 65536;

const SECTION_TYPE = 1;
const SECTION_IMPORT = 2;
const SECTION_FUNCTION = 3;
const SECTION_TABLE = 4;
const SECTION_MEMORY = 5;
const SECTION_EXPORT = 7;
const KIND_FUNCTION = 0;
const KIND_TABLE = 1;
const KIND_MEMORY = 2;
const KIND_GLOBAL = 3;
const KIND_TAG = 4;
const LIMITS_HAS_MAX = 0x01;
const LIMITS_SHARED = 0x02;
const REF_TYPES = new Set([0x70, 0x6f]);

const VALUE_TYPES: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

/** A function signature as text, e.g. `(i32, i32) -> i64`. */
export type Signature = string;

/** The limits of a memory (in 64 KiB pages) or a table (in entries) the module defines itself. */
export interface Limits {
  readonly initial: number;
  readonly maximum?: number;
  /** Byte range of the limits inside the module, for rewriting. */
  readonly start: number;
  readonly end: number;
  /** The section holding them: its size field, its payload, its end. */
  readonly sectionSizeStart: number;
  readonly payloadStart: number;
  readonly sectionEnd: number;
}

export interface MemoryLimits extends Limits {
  /** Declared shared (the threads proposal). */
  readonly shared: boolean;
}

export interface ModuleLayout {
  /** Export name -> signature, for exported functions. */
  readonly functionSignatures: ReadonlyMap<string, Signature>;
  /** The module's own memory; undefined when it imports its memory or has none. */
  readonly memory?: MemoryLimits;
  /** The name the module's own memory is exported under, if any. */
  readonly memoryExport?: string;
  /** The tables the module defines itself, in index order. */
  readonly tables: readonly Limits[];
}

/** Reads a module's bytes from `offset`; every read is bounds-checked (a RangeError when short). */
export class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public offset: number,
  ) {}

  byte(): number {
    if (this.offset >= this.bytes.length) throw new RangeError('unexpected end of module');
    return this.bytes[this.offset++];
  }

  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.byte();
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new RangeError('LEB128 value too long');
  }

  /** Any LEB128 (s32, s33, s64), skipped: only its length matters. */
  skipLeb(): void {
    for (let n = 0; this.byte() & 0x80; n++) if (n > 10) throw new RangeError('LEB128 value too long');
  }

  skip(count: number): void {
    if (this.offset + count > this.bytes.length) throw new RangeError('unexpected end of module');
    this.offset += count;
  }

  name(): string {
    const length = this.u32();
    const start = this.offset;
    this.skip(length);
    return new TextDecoder().decode(this.bytes.subarray(start, start + length));
  }

  limits(): { flags: number; min: number; max?: number } {
    const flags = this.byte();
    if (flags & ~(LIMITS_HAS_MAX | LIMITS_SHARED)) throw new RangeError(`unsupported limits flags 0x${flags.toString(16)}`);
    const min = this.u32();
    return { flags, min, max: flags & LIMITS_HAS_MAX ? this.u32() : undefined };
  }
}

/** Reads export signatures and the limits of the module's own memory and tables from its bytes. */
export function readModuleLayout(bytes: Uint8Array): ModuleLayout {
  const types: Signature[] = [];
  const functionTypes: number[] = [];
  const exports: [string, number][] = [];
  const tables: Limits[] = [];
  let memory: MemoryLimits | undefined;
  let memoryExport: string | undefined;
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw new RangeError('not a WebAssembly module');
  const reader = new Reader(bytes, 8);
  while (reader.offset < bytes.length) {
    const id = reader.byte();
    const sectionSizeStart = reader.offset;
    const size = reader.u32();
    const section = { sectionSizeStart, payloadStart: reader.offset, sectionEnd: reader.offset + size };
    const payload = new Reader(bytes.subarray(0, section.sectionEnd), reader.offset);
    if (id === SECTION_TYPE) readTypes(payload, types);
    else if (id === SECTION_IMPORT) readImports(payload, functionTypes);
    else if (id === SECTION_FUNCTION) for (let n = payload.u32(); n > 0; n--) functionTypes.push(payload.u32());
    else if (id === SECTION_TABLE) {
      for (let n = payload.u32(); n > 0; n--) {
        // 0x40 starts a table with an initial value (function references), off by default in Node 20.
        if (!REF_TYPES.has(payload.byte())) throw new RangeError('unsupported table form');
        const start = payload.offset;
        const { min, max } = payload.limits();
        tables.push({ initial: min, maximum: max, start, end: payload.offset, ...section });
      }
    } else if (id === SECTION_MEMORY && payload.u32() > 0) {
      const start = payload.offset;
      const { flags, min, max } = payload.limits();
      memory = { initial: min, maximum: max, shared: (flags & LIMITS_SHARED) !== 0, start, end: payload.offset, ...section };
    } else if (id === SECTION_EXPORT) {
      for (let n = payload.u32(); n > 0; n--) {
        const name = payload.name();
        const kind = payload.byte();
        const index = payload.u32();
        if (kind === KIND_FUNCTION) exports.push([name, index]);
        else if (kind === KIND_MEMORY && index === 0) memoryExport ??= name;
      }
    }
    reader.skip(size);
  }
  const functionSignatures = new Map(exports.map(([name, index]) => [name, types[functionTypes[index]] ?? '?']));
  return { functionSignatures, memory, memoryExport, tables };
}

function readTypes(section: Reader, types: Signature[]): void {
  for (let n = section.u32(); n > 0; n--) {
    if (section.byte() !== 0x60) throw new RangeError('unsupported type form');
    const list = (): string[] => Array.from({ length: section.u32() }, () => VALUE_TYPES[section.byte()] ?? '?');
    const params = list();
    const results = list();
    types.push(`(${params.join(', ')}) -> ${results.length === 1 ? results[0] : `(${results.join(', ')})`}`);
  }
}

/** Imported functions come first in the function index space, so their types are needed too. */
function readImports(section: Reader, functionTypes: number[]): void {
  for (let n = section.u32(); n > 0; n--) {
    section.name();
    section.name();
    const kind = section.byte();
    if (kind === KIND_FUNCTION) functionTypes.push(section.u32());
    else if (kind === KIND_TABLE) (section.byte(), section.limits());
    else if (kind === KIND_MEMORY) section.limits();
    else if (kind === KIND_GLOBAL) section.skip(2);
    else if (kind === KIND_TAG) (section.byte(), section.u32());
  }
}

/** A new maximum for one memory's or table's limits. */
export interface LimitsEdit {
  readonly at: Limits;
  readonly maximum: number;
}

/**
 * A copy of the module with each edited limits declaring its new maximum (shared memories keep
 * their flag); every section holding an edit is re-encoded with its new size.
 */
export function withMaximums(bytes: Uint8Array, edits: readonly LimitsEdit[]): Uint8Array<ArrayBuffer> {
  const ordered = [...edits].sort((a, b) => a.at.start - b.at.start);
  const parts: Uint8Array[] = [];
  let copied = 0;
  for (let i = 0; i < ordered.length; ) {
    const section = ordered[i].at;
    parts.push(bytes.subarray(copied, section.sectionSizeStart));
    const payload: number[] = [];
    let from = section.payloadStart;
    for (; i < ordered.length && ordered[i].at.sectionSizeStart === section.sectionSizeStart; i++) {
      const { at, maximum } = ordered[i];
      const shared = bytes[at.start] & LIMITS_SHARED;
      payload.push(...bytes.subarray(from, at.start), LIMITS_HAS_MAX | shared, ...leb128(at.initial), ...leb128(maximum));
      from = at.end;
    }
    payload.push(...bytes.subarray(from, section.sectionEnd));
    parts.push(new Uint8Array([...leb128(payload.length), ...payload]));
    copied = section.sectionEnd;
  }
  parts.push(bytes.subarray(copied));
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  parts.reduce((offset, part) => (out.set(part, offset), offset + part.length), 0);
  return out;
}

/** Unsigned LEB128. */
export function leb128(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}
