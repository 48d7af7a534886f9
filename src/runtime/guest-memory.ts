/**
 * Bounds-checked reads of guest memory. They return facts, not exceptions: `undefined` for a
 * range outside the memory, so the caller raises one error naming the export (wazero's
 * api/wasm.go reads return an ok flag the same way).
 */

/** True when [ptr, ptr+len) lies inside the memory. */
export function inBounds(memory: WebAssembly.Memory, ptr: number, len: number): boolean {
  return ptr >= 0 && len >= 0 && ptr + len <= memory.buffer.byteLength;
}

/**
 * Guest bytes in place, or undefined when the range is out of bounds. A view, not a copy: valid
 * until the guest runs again or its memory grows, so whoever takes it copies it before either
 * (into a job slot or the host channel); a copy here cost a worker ~1 us per call (issue 10).
 */
export function guestBytes(memory: WebAssembly.Memory, ptr: number, len: number): Uint8Array<ArrayBuffer> | undefined {
  if (!inBounds(memory, ptr, len)) return undefined;
  return new Uint8Array(memory.buffer, ptr, len);
}

/** Guest bytes as UTF-8 text, or undefined when out of bounds or not valid UTF-8. */
export function readUtf8(memory: WebAssembly.Memory, ptr: number, len: number): string | undefined {
  if (!inBounds(memory, ptr, len)) return undefined;
  try {
    return strictUtf8.decode(new Uint8Array(memory.buffer, ptr, len));
  } catch {
    return undefined;
  }
}

/** An AssemblyScript string (UTF-16, byte length in the object header at ptr-4), or undefined. */
export function readAssemblyScriptString(memory: WebAssembly.Memory, ptr: number): string | undefined {
  if (ptr < 4 || !inBounds(memory, ptr - 4, 4)) return undefined;
  const byteLength = new DataView(memory.buffer).getUint32(ptr - 4, true);
  if (byteLength % 2 !== 0 || !inBounds(memory, ptr, byteLength)) return undefined;
  return utf16.decode(new Uint8Array(memory.buffer, ptr, byteLength));
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const utf16 = new TextDecoder('utf-16le');
