// SchedulerService (capabilities form, permissions.scheduler): one-time and cron schedules that
// call OnSchedulerCallback, and the host clock.

import { callHost } from "./abi";
import { CancelRequest } from "./messages/scheduler/CancelRequest";
import { CancelResponse } from "./messages/scheduler/CancelResponse";
import { ScheduleOneTimeRequest } from "./messages/scheduler/ScheduleOneTimeRequest";
import { ScheduleRecurringRequest } from "./messages/scheduler/ScheduleRecurringRequest";
import { ScheduleResponse } from "./messages/scheduler/ScheduleResponse";
import { TimeNowRequest } from "./messages/scheduler/TimeNowRequest";
import { TimeNowResponse } from "./messages/scheduler/TimeNowResponse";

@external("env", "schedule_one_time") declare function hostScheduleOneTime(ptr: usize, len: i32): u64;
@external("env", "schedule_recurring") declare function hostScheduleRecurring(ptr: usize, len: i32): u64;
@external("env", "cancel_schedule") declare function hostCancelSchedule(ptr: usize, len: i32): u64;
@external("env", "time_now") declare function hostTimeNow(ptr: usize, len: i32): u64;

/**
 * SchedulerService.ScheduleOneTime (permissions.scheduler): calls this plugin's
 * OnSchedulerCallback once, `delaySeconds` from now (0 or less: at once), with `isRecurring`
 * false. An empty id gets a generated one; reusing an id replaces that schedule.
 */
export function scheduleOneTime(request: ScheduleOneTimeRequest): ScheduleResponse {
  return callHost<ScheduleOneTimeRequest, ScheduleResponse>(hostScheduleOneTime, request, ScheduleOneTimeRequest.encode, ScheduleResponse.decode);
}

/**
 * SchedulerService.ScheduleRecurring (permissions.scheduler): five cron fields, @hourly ...
 * @yearly or "@every 30s", with an optional "TZ=Europe/Berlin " prefix. A bad expression comes
 * back in `error` with an empty `scheduleId`.
 */
export function scheduleRecurring(request: ScheduleRecurringRequest): ScheduleResponse {
  return callHost<ScheduleRecurringRequest, ScheduleResponse>(hostScheduleRecurring, request, ScheduleRecurringRequest.encode, ScheduleResponse.decode);
}

/** SchedulerService.CancelSchedule: `success` false with "schedule not found" for an unknown id. */
export function cancelSchedule(request: CancelRequest): CancelResponse {
  return callHost<CancelRequest, CancelResponse>(hostCancelSchedule, request, CancelRequest.encode, CancelResponse.decode);
}

/** SchedulerService.TimeNow: the host's clock (RFC 3339, Unix ms, its time zone). */
export function timeNow(): TimeNowResponse {
  return callHost<TimeNowRequest, TimeNowResponse>(hostTimeNow, new TimeNowRequest(), TimeNowRequest.encode, TimeNowResponse.decode);
}
