/** The scheduler host service: one-time and cron schedules into SchedulerCallback, kept across restarts. */
export {
  /** Plugins' schedules; start() before plugins load, release(pluginId) when one goes, close() at shutdown. */
  SchedulerService,
} from './scheduler-service';
export type { SchedulerServiceOptions } from './scheduler-service';
export {
  /** Its `env` imports: schedule_one_time, schedule_recurring, cancel_schedule, time_now. */
  SCHEDULER_FUNCTIONS,
} from './scheduler-functions';
