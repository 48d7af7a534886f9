// CacheService (capabilities form, permissions.cache): typed values per plugin with a TTL.

import { callHost } from "./abi";
import { GetBytesResponse } from "./messages/cache/GetBytesResponse";
import { GetFloatResponse } from "./messages/cache/GetFloatResponse";
import { GetIntResponse } from "./messages/cache/GetIntResponse";
import { GetRequest } from "./messages/cache/GetRequest";
import { GetStringResponse } from "./messages/cache/GetStringResponse";
import { HasRequest } from "./messages/cache/HasRequest";
import { HasResponse } from "./messages/cache/HasResponse";
import { RemoveRequest } from "./messages/cache/RemoveRequest";
import { RemoveResponse } from "./messages/cache/RemoveResponse";
import { SetBytesRequest } from "./messages/cache/SetBytesRequest";
import { SetFloatRequest } from "./messages/cache/SetFloatRequest";
import { SetIntRequest } from "./messages/cache/SetIntRequest";
import { SetResponse } from "./messages/cache/SetResponse";
import { SetStringRequest } from "./messages/cache/SetStringRequest";

@external("env", "set_string") declare function hostSetString(ptr: usize, len: i32): u64;
@external("env", "get_string") declare function hostGetString(ptr: usize, len: i32): u64;
@external("env", "set_int") declare function hostSetInt(ptr: usize, len: i32): u64;
@external("env", "get_int") declare function hostGetInt(ptr: usize, len: i32): u64;
@external("env", "set_float") declare function hostSetFloat(ptr: usize, len: i32): u64;
@external("env", "get_float") declare function hostGetFloat(ptr: usize, len: i32): u64;
@external("env", "set_bytes") declare function hostSetBytes(ptr: usize, len: i32): u64;
@external("env", "get_bytes") declare function hostGetBytes(ptr: usize, len: i32): u64;
@external("env", "remove") declare function hostRemove(ptr: usize, len: i32): u64;
@external("env", "has") declare function hostHas(ptr: usize, len: i32): u64;

/** CacheService.SetString (permissions.cache): `ttlSeconds` 0 or less keeps it 24 hours. */
export function cacheSetString(request: SetStringRequest): SetResponse {
  return callHost<SetStringRequest, SetResponse>(hostSetString, request, SetStringRequest.encode, SetResponse.decode);
}

/** CacheService.GetString: `exists` is false for a missing key or a value of another type; a hit extends its TTL. */
export function cacheGetString(request: GetRequest): GetStringResponse {
  return callHost<GetRequest, GetStringResponse>(hostGetString, request, GetRequest.encode, GetStringResponse.decode);
}

/** CacheService.SetInt. */
export function cacheSetInt(request: SetIntRequest): SetResponse {
  return callHost<SetIntRequest, SetResponse>(hostSetInt, request, SetIntRequest.encode, SetResponse.decode);
}

/** CacheService.GetInt. */
export function cacheGetInt(request: GetRequest): GetIntResponse {
  return callHost<GetRequest, GetIntResponse>(hostGetInt, request, GetRequest.encode, GetIntResponse.decode);
}

/** CacheService.SetFloat. */
export function cacheSetFloat(request: SetFloatRequest): SetResponse {
  return callHost<SetFloatRequest, SetResponse>(hostSetFloat, request, SetFloatRequest.encode, SetResponse.decode);
}

/** CacheService.GetFloat. */
export function cacheGetFloat(request: GetRequest): GetFloatResponse {
  return callHost<GetRequest, GetFloatResponse>(hostGetFloat, request, GetRequest.encode, GetFloatResponse.decode);
}

/** CacheService.SetBytes. */
export function cacheSetBytes(request: SetBytesRequest): SetResponse {
  return callHost<SetBytesRequest, SetResponse>(hostSetBytes, request, SetBytesRequest.encode, SetResponse.decode);
}

/** CacheService.GetBytes. */
export function cacheGetBytes(request: GetRequest): GetBytesResponse {
  return callHost<GetRequest, GetBytesResponse>(hostGetBytes, request, GetRequest.encode, GetBytesResponse.decode);
}

/** CacheService.Remove. */
export function cacheRemove(request: RemoveRequest): RemoveResponse {
  return callHost<RemoveRequest, RemoveResponse>(hostRemove, request, RemoveRequest.encode, RemoveResponse.decode);
}

/** CacheService.Has: true for a value of any type; a hit extends its TTL. */
export function cacheHas(request: HasRequest): HasResponse {
  return callHost<HasRequest, HasResponse>(hostHas, request, HasRequest.encode, HasResponse.decode);
}
