// Guest-side glue for the ndphost / Navidrome protobuf plugin ABI (shared/spec/abi.md).
//
// Every AssemblyScript plugin imports this one module instead of repeating the pointer
// arithmetic, so the ABI lives in one place (the host-side twin is src/runtime). A plugin:
//
//   export { malloc, free } from "../../sdk/assembly";
//   export function metadata_agent_api_version(): i64 { return API_VERSION; }
//   export function metadata_agent_get_artist_biography(ptr: usize, len: i32): u64 {
//     const req = decodeRequest<ArtistBiographyRequest>(ptr, len, ArtistBiographyRequest.decode);
//     if (req.name == "") return fail(NOT_FOUND);
//     return respond<ArtistBiographyResponse>(new ArtistBiographyResponse("..."), ArtistBiographyResponse.encode);
//   }
//
// Host services (HTTP, timers, the plugin's config) are plain synchronous calls:
//
//   const config = getPluginConfig(); // Map.get aborts on a missing key: ask has() first
//   if (!config.has("base_url")) return fail("my-plugin: base_url is not set");
//   const res = httpGet(new HttpRequest(config.get("base_url") + "/x"));
//   if (res.error != "") return fail("my-plugin: " + res.error);
//
// Build with `--runtime stub` (scripts/build-plugins.js does): the host creates a fresh
// instance per call and throws it away, so a bump allocator that never frees is both the
// smallest and the fastest choice, and nothing handed to the host can be collected under it.

import { Protobuf, Reader, Writer } from "as-proto/assembly";
import { GetPluginConfigRequest } from "../../../generated/as/config/GetPluginConfigRequest";
import { GetPluginConfigResponse } from "../../../generated/as/config/GetPluginConfigResponse";
import { HttpRequest } from "../../../generated/as/http/HttpRequest";
import { HttpResponse } from "../../../generated/as/http/HttpResponse";
import { CancelTimerRequest } from "../../../generated/as/timer/CancelTimerRequest";
import { CancelTimerResponse } from "../../../generated/as/timer/CancelTimerResponse";
import { TimerRequest } from "../../../generated/as/timer/TimerRequest";
import { TimerResponse } from "../../../generated/as/timer/TimerResponse";

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

// ---- Host services, plugin -> host (abi.md) ------------------------------------------------
//
// Each host function is an `env` import named snake(Method) taking the encoded request and
// returning the encoded response as `(ptr << 32) | len`, written through our own `malloc`
// (0 = the all-default response). There is no error bit in this direction: a failure
// (network, permission, limits) comes back in the response's `error` field, so check it.
// asc emits an import only when a wrapper that uses it is compiled, so a plugin that never
// calls the host keeps importing nothing but env.abort.

@external("env", "get") declare function hostGet(ptr: usize, len: i32): u64;
@external("env", "post") declare function hostPost(ptr: usize, len: i32): u64;
@external("env", "put") declare function hostPut(ptr: usize, len: i32): u64;
@external("env", "delete") declare function hostDelete(ptr: usize, len: i32): u64;
@external("env", "patch") declare function hostPatch(ptr: usize, len: i32): u64;
@external("env", "head") declare function hostHead(ptr: usize, len: i32): u64;
@external("env", "options") declare function hostOptions(ptr: usize, len: i32): u64;
@external("env", "register_timer") declare function hostRegisterTimer(ptr: usize, len: i32): u64;
@external("env", "cancel_timer") declare function hostCancelTimer(ptr: usize, len: i32): u64;
@external("env", "get_plugin_config") declare function hostGetPluginConfig(ptr: usize, len: i32): u64;

/** HttpService.Get: blocks until the host answers. Failures are in `error`, with status 0. */
export function httpGet(request: HttpRequest): HttpResponse {
  return callHost<HttpRequest, HttpResponse>(hostGet, request, HttpRequest.encode, HttpResponse.decode);
}

/** HttpService.Post: sends `request.body`. */
export function httpPost(request: HttpRequest): HttpResponse {
  return callHost<HttpRequest, HttpResponse>(hostPost, request, HttpRequest.encode, HttpResponse.decode);
}

/** HttpService.Put: sends `request.body`. */
export function httpPut(request: HttpRequest): HttpResponse {
  return callHost<HttpRequest, HttpResponse>(hostPut, request, HttpRequest.encode, HttpResponse.decode);
}

/** HttpService.Delete. */
export function httpDelete(request: HttpRequest): HttpResponse {
  return callHost<HttpRequest, HttpResponse>(hostDelete, request, HttpRequest.encode, HttpResponse.decode);
}

/** HttpService.Patch: sends `request.body`. */
export function httpPatch(request: HttpRequest): HttpResponse {
  return callHost<HttpRequest, HttpResponse>(hostPatch, request, HttpRequest.encode, HttpResponse.decode);
}

/** HttpService.Head: the response has headers and no body. */
export function httpHead(request: HttpRequest): HttpResponse {
  return callHost<HttpRequest, HttpResponse>(hostHead, request, HttpRequest.encode, HttpResponse.decode);
}

/** HttpService.Options. */
export function httpOptions(request: HttpRequest): HttpResponse {
  return callHost<HttpRequest, HttpResponse>(hostOptions, request, HttpRequest.encode, HttpResponse.decode);
}

/**
 * TimerService.RegisterTimer: fires once, `delay` seconds from now, into this plugin's
 * OnTimerCallback with the same timer id and payload. Re-registering an id replaces that timer;
 * an empty id gets a generated one (returned in `timerId`). Ids are this plugin's own.
 */
export function registerTimer(request: TimerRequest): TimerResponse {
  return callHost<TimerRequest, TimerResponse>(hostRegisterTimer, request, TimerRequest.encode, TimerResponse.decode);
}

/** TimerService.CancelTimer: `success` is false (with `error`) when this plugin has no such timer. */
export function cancelTimer(request: CancelTimerRequest): CancelTimerResponse {
  return callHost<CancelTimerRequest, CancelTimerResponse>(hostCancelTimer, request, CancelTimerRequest.encode, CancelTimerResponse.decode);
}

/**
 * ConfigService.GetPluginConfig: this plugin's `[PluginConfig.<id>]` settings, the same map
 * OnInit receives. Plugins are stateless, so an rpc that needs a setting asks for it here.
 * A key set to "" reads as missing: the host leaves empty values out of map entries and the
 * generated decoder keeps only entries that carry both key and value.
 */
export function getPluginConfig(): Map<string, string> {
  return callHost<GetPluginConfigRequest, GetPluginConfigResponse>(
    hostGetPluginConfig,
    new GetPluginConfigRequest(),
    GetPluginConfigRequest.encode,
    GetPluginConfigResponse.decode
  ).config;
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
function callHost<Req, Res>(
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
