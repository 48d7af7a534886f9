/**
 * Just enough of the WebAssembly binary format to check a module before it runs: the signature
 * of every exported function, the limits of the module's own memory, and a copy of the module
 * with that memory's maximum lowered to a cap. V8 enforces a memory's declared maximum (worker
 * resourceLimits do not limit wasm memory, field-notes.md), so setting it at load caps every
 * instance whatever the module declared.
 *
 * Binary layout (WebAssembly core spec, 5.5): `\0asm` version, then sections of
 * (id: u8, size: u32 LEB128, payload). Type section (1): func types `0x60 params results`.
 * Import section (2): imports count towards the function and memory index spaces. Function
 * section (3): a type index per defined function. Memory section (5): limits
 * `flags min [max]`. Export section (7): `name kind index`.
 *
 * Parsing runs on bytes WebAssembly.compile has already accepted, so the module is well formed;
 * every read is still bounds-checked, and a short read is reported, never trusted.
 */

const SECTION_TYPE = 1;
const SECTION_IMPORT = 2;
const SECTION_FUNCTION = 3;
const SECTION_MEMORY = 5;
const SECTION_EXPORT = 7;
const KIND_FUNCTION = 0;
const KIND_TABLE = 1;
const KIND_MEMORY = 2;
const KIND_GLOBAL = 3;
const KIND_TAG = 4;
const LIMITS_HAS_MAX = 0x01;

const VALUE_TYPES: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

/** A function signature as text, e.g. `(i32, i32) -> i64`. */
export type Signature = string;

/** The limits of the memory a module defines itself, in 64 KiB pages. */
export interface MemoryLimits {
  readonly initialPages: number;
  readonly maximumPages?: number;
  /** Byte range of the limits inside the module, for rewriting. */
  readonly start: number;
  readonly end: number;
  /** Byte range of the memory section (its size field and payload), for rewriting. */
  readonly sectionSizeStart: number;
  readonly sectionEnd: number;
}

export interface ModuleLayout {
  /** Export name -> signature, for exported functions. */
  readonly functionSignatures: ReadonlyMap<string, Signature>;
  /** The module's own memory; undefined when it imports its memory or has none. */
  readonly memory?: MemoryLimits;
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

  limits(): { min: number; max?: number } {
    const flags = this.byte();
    const min = this.u32();
    return { min, max: flags & LIMITS_HAS_MAX ? this.u32() : undefined };
  }
}

/** Reads export signatures and memory limits from a module's bytes. */
export function readModuleLayout(bytes: Uint8Array): ModuleLayout {
  const types: Signature[] = [];
  const functionTypes: number[] = [];
  const exports: [string, number][] = [];
  let memory: MemoryLimits | undefined;
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw new RangeError('not a WebAssembly module');
  const reader = new Reader(bytes, 8);
  while (reader.offset < bytes.length) {
    const id = reader.byte();
    const sectionSizeStart = reader.offset;
    const size = reader.u32();
    const end = reader.offset + size;
    const section = new Reader(bytes.subarray(0, end), reader.offset);
    if (id === SECTION_TYPE) readTypes(section, types);
    else if (id === SECTION_IMPORT) readImports(section, functionTypes);
    else if (id === SECTION_FUNCTION) for (let n = section.u32(); n > 0; n--) functionTypes.push(section.u32());
    else if (id === SECTION_MEMORY && section.u32() > 0) {
      const start = section.offset;
      const { min, max } = section.limits();
      memory = { initialPages: min, maximumPages: max, start, end: section.offset, sectionSizeStart, sectionEnd: end };
    } else if (id === SECTION_EXPORT) {
      for (let n = section.u32(); n > 0; n--) {
        const name = section.name();
        const kind = section.byte();
        const index = section.u32();
        if (kind === KIND_FUNCTION) exports.push([name, index]);
      }
    }
    reader.skip(size);
  }
  const functionSignatures = new Map(exports.map(([name, index]) => [name, types[functionTypes[index]] ?? '?']));
  return { functionSignatures, memory };
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

/** A copy of the module whose memory section declares `maximumPages` as its maximum. */
export function withMemoryMaximum(bytes: Uint8Array, memory: MemoryLimits, maximumPages: number): Uint8Array<ArrayBuffer> {
  const limits = [LIMITS_HAS_MAX, ...leb128(memory.initialPages), ...leb128(maximumPages)];
  const payload = [
    ...bytes.subarray(memory.start - 1, memory.start), // the count of memories (always 1 here: multi-memory is not enabled)
    ...limits,
    ...bytes.subarray(memory.end, memory.sectionEnd),
  ];
  const section = [...leb128(payload.length), ...payload];
  const out = new Uint8Array(bytes.length - (memory.sectionEnd - memory.sectionSizeStart) + section.length);
  out.set(bytes.subarray(0, memory.sectionSizeStart), 0);
  out.set(section, memory.sectionSizeStart);
  out.set(bytes.subarray(memory.sectionEnd), memory.sectionSizeStart + section.length);
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
