// SubsonicAPIService (capabilities form, permissions.subsonicapi): the main server's Subsonic API
// as one of its users.

import { callHost } from "./abi";
import { CallRequest } from "./messages/subsonicapi/CallRequest";
import { CallResponse } from "./messages/subsonicapi/CallResponse";

@external("env", "call") declare function hostCall(ptr: usize, len: i32): u64;

/**
 * SubsonicAPIService.Call (permissions.subsonicapi): e.g. "/rest/ping?u=admin". The Subsonic
 * API's JSON answer is in `json`, as is; `error` says what the host refused or could not reach.
 */
export function subsonicCall(request: CallRequest): CallResponse {
  return callHost<CallRequest, CallResponse>(hostCall, request, CallRequest.encode, CallResponse.decode);
}
