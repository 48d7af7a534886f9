import { SchedulerServiceService } from '../../../generated/ts/host/scheduler/scheduler';
import { hostFunction, type HostFunction } from '../host-function';
import { timeNow } from './time-now';

/** SchedulerService's `env` imports. Schedules are keyed by the plugin id the job carries. */
export const SCHEDULER_FUNCTIONS: readonly HostFunction[] = [
  hostFunction('scheduler', SchedulerServiceService.scheduleOneTime, ({ scheduler }, { pluginId }, request) => scheduler.scheduleOneTime(pluginId, request)),
  hostFunction('scheduler', SchedulerServiceService.scheduleRecurring, ({ scheduler }, { pluginId }, request) => scheduler.scheduleRecurring(pluginId, request)),
  hostFunction('scheduler', SchedulerServiceService.cancelSchedule, ({ scheduler }, { pluginId }, request) => scheduler.cancel(pluginId, request)),
  hostFunction('scheduler', SchedulerServiceService.timeNow, async () => timeNow()),
];
