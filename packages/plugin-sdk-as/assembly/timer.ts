// TimerService (services form only): one-time timers that fire into OnTimerCallback.

import { callHost } from "./abi";
import { CancelTimerRequest } from "./messages/timer/CancelTimerRequest";
import { CancelTimerResponse } from "./messages/timer/CancelTimerResponse";
import { TimerRequest } from "./messages/timer/TimerRequest";
import { TimerResponse } from "./messages/timer/TimerResponse";

@external("env", "register_timer") declare function hostRegisterTimer(ptr: usize, len: i32): u64;
@external("env", "cancel_timer") declare function hostCancelTimer(ptr: usize, len: i32): u64;

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
