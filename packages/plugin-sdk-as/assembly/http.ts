// HttpService (abi.md "Host services"): one env import per method. Failures (network,
// permission, limits) come back in `error`, with status 0.

import { callHost } from "./abi";
import { HttpRequest } from "./messages/http/HttpRequest";
import { HttpResponse } from "./messages/http/HttpResponse";

@external("env", "get") declare function hostGet(ptr: usize, len: i32): u64;
@external("env", "post") declare function hostPost(ptr: usize, len: i32): u64;
@external("env", "put") declare function hostPut(ptr: usize, len: i32): u64;
@external("env", "delete") declare function hostDelete(ptr: usize, len: i32): u64;
@external("env", "patch") declare function hostPatch(ptr: usize, len: i32): u64;
@external("env", "head") declare function hostHead(ptr: usize, len: i32): u64;
@external("env", "options") declare function hostOptions(ptr: usize, len: i32): u64;

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
