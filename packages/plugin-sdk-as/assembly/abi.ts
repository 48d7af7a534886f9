// The ABI glue every plugin shares (abi.md): the malloc/free exports, decoding a request,
// packing a response or an error, and the one path of every host call.

import { Protobuf, Reader, Writer } from "as-proto/assembly";

/** Value every `<service>_api_version` export returns (abi.md: "must return 1"). */
export const API_VERSION: i64 = 1;

/** Well-known error string (contract.md): the requested resource does not exist. */
export const NOT_FOUND = "plugin:not_found";

/** Well-known error string (contract.md): the plugin does not implement this rpc. */
export const NOT_IMPLEMENTED = "plugin:not_implemented";

/** Bit 31 of the returned length marks the payload as a UTF-8 error string (abi.md step 3). */
const ERROR_BIT: u32 = 0x80000000;

/**
 * ABI export: memory for the host to write a request into (or, for host services, a
 * response). Re-export it from every plugin entry file.
 */
export function malloc(size: i32): usize {
  // abi.md allows 0 for size 0; the host never writes an empty request.
  if (size <= 0) return 0;
  return heap.alloc(<usize>size);
}

/**
 * ABI export: release memory. Deliberately a no-op. Navidrome's host frees both the request
 * pointer and the *response* pointer; response pointers point into AssemblyScript objects
 * (not `heap.alloc` blocks), and handing those to the stub's `heap.free` could rewind its bump
 * pointer over live data. The stub can only reclaim the most recent block anyway, and the
 * instance is discarded after the call, so skipping the free loses nothing.
 */
export function free(ptr: usize): void {}

/**
 * Decodes the request the host wrote at (ptr, len). A zero length means the request encoded
 * to nothing (abi.md step 1: ptr = 0, len = 0), which proto3 reads as the all-default message.
 * Pass the generated `Message.decode`.
 */
export function decodeRequest<T>(
  ptr: usize,
  len: i32,
  decoder: (reader: Reader, length: i32) => T
): T {
  return decodeAt<T>(ptr, len, decoder);
}

/** Decodes the message at (ptr, len), a request or a host reply; len 0 is the all-default one. */
function decodeAt<T>(ptr: usize, len: i32, decoder: (reader: Reader, length: i32) => T): T {
  const size = len > 0 ? len : 0;
  // as-proto reads from a Uint8Array; copying the bytes into one is cheaper than faking an
  // ArrayBuffer header around host-written memory, and requests are small.
  const bytes = new Uint8Array(size);
  if (size > 0) memory.copy(bytes.dataStart, ptr, <usize>size);
  return Protobuf.decode<T>(bytes, decoder);
}

/**
 * Encodes `message` with the generated `Message.encode` and returns it packed for the host as
 * `(ptr << 32) | len`, or 0 when the encoding is empty (abi.md step 4: 0 = all-default).
 * Note that as-proto writes default scalar fields too, so most messages are never empty: use
 * `respondEmpty()` when the answer is "nothing to say".
 */
export function respond<T>(message: T, encoder: (message: T, writer: Writer) => void): u64 {
  // Protobuf.encode allocates a fresh buffer per call; the stub runtime never frees it, so the
  // bytes stay valid until the host has copied them out and discarded the instance.
  const bytes = Protobuf.encode<T>(message, encoder);
  return pack(bytes.dataStart, <u32>bytes.byteLength);
}

/** The all-default response: 0, with no allocation (abi.md step 4). */
export function respondEmpty(): u64 {
  return 0;
}

/**
 * Fails the call with `message` (use NOT_FOUND, NOT_IMPLEMENTED or a plugin-specific text):
 * the UTF-8 bytes are returned with bit 31 of the length set (abi.md step 3).
 */
export function fail(message: string): u64 {
  const utf8 = String.UTF8.encode(message);
  // Keep the pointer even for an empty message: a bare error bit with ptr 0 is still an error.
  return (<u64>changetype<usize>(utf8) << 32) | <u64>(<u32>utf8.byteLength | ERROR_BIT);
}

function pack(ptr: usize, len: u32): u64 {
  if (len == 0) return 0;
  // A payload of 2 GiB or more would collide with the error bit; wasm32 memory cannot get
  // there in practice, but failing loudly beats the host reading it as an error string.
  assert(len < ERROR_BIT, "response too large for the plugin ABI");
  return (<u64>ptr << 32) | <u64>len;
}

/** UTF-8 bytes of `text`, for request bodies and timer payloads. */
export function utf8Bytes(text: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(text));
}

/** `bytes` read as UTF-8 text, for response bodies and timer payloads. */
export function utf8Text(bytes: Uint8Array): string {
  return String.UTF8.decodeUnsafe(bytes.dataStart, <usize>bytes.byteLength);
}

/**
 * The one path of every host call: encode, call the `env` import, decode what the host wrote
 * through `malloc` (abi.md "Host services" steps 1-2). The host traps the call itself when it
 * cannot answer at all, so there is nothing else to check here.
 */
export function callHost<Req, Res>(
  hostFunction: (ptr: usize, len: i32) => u64,
  request: Req,
  encoder: (message: Req, writer: Writer) => void,
  decoder: (reader: Reader, length: i32) => Res
): Res {
  const bytes = Protobuf.encode<Req>(request, encoder);
  const len = bytes.byteLength;
  // An empty request goes as (0, 0), as the host does for an empty rpc request (abi.md step 1).
  const reply = hostFunction(len > 0 ? bytes.dataStart : 0, len);
  return decodeAt<Res>(<usize>(reply >>> 32), <i32>(<u32>reply), decoder);
}
