import { SchedulerServiceService, SchedulerServiceDefinition } from '../../../generated/ts/host/scheduler/scheduler';
import { withReusedWriter } from '../../contract';
import { hostFunction, type HostFunction } from '../host-function';
import { timeNow } from './time-now';

/** Responses written by the thread's reused writer (contract/grpc-definition.ts). */
const SchedulerService = withReusedWriter({ grpc: SchedulerServiceService, generic: SchedulerServiceDefinition });

/** SchedulerService's `env` imports. Schedules are keyed by the plugin id the job carries. */
export const SCHEDULER_FUNCTIONS: readonly HostFunction[] = [
  hostFunction('scheduler', SchedulerService.scheduleOneTime, ({ scheduler }, { pluginId }, request) => scheduler.scheduleOneTime(pluginId, request)),
  hostFunction('scheduler', SchedulerService.scheduleRecurring, ({ scheduler }, { pluginId }, request) => scheduler.scheduleRecurring(pluginId, request)),
  hostFunction('scheduler', SchedulerService.cancelSchedule, ({ scheduler }, { pluginId }, request) => scheduler.cancel(pluginId, request)),
  hostFunction('scheduler', SchedulerService.timeNow, async () => timeNow()),
];
