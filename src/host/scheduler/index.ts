/** The scheduler host service: one-time and cron schedules into SchedulerCallback, kept across restarts. */
export {
  /** Plugins' schedules; start() before plugins load, hold(pluginId) for PluginState, close() at shutdown. */
  SchedulerService,
} from './scheduler-service';
export type { ScheduleLimits, SchedulerServiceOptions } from './scheduler-service';
export {
  /** schedules.json: its name in the data folder and how its entries are written. */
  SCHEDULES_FILE,
  SCHEDULE_CODEC,
} from './schedule-file';
export {
  /** Its `env` imports: schedule_one_time, schedule_recurring, cancel_schedule, time_now. */
  SCHEDULER_FUNCTIONS,
} from './scheduler-functions';
