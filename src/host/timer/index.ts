/** The timer host service: per-plugin timers that fire into OnTimerCallback and survive restarts. */
export {
  /** Registers, cancels and fires plugins' timers, persisted in one JSON file. Call start() before use and close() at shutdown. */
  TimerService,
} from './timer-service';
export type {
  /** The timer file, the per-plugin cap, the `fire` hook into OnTimerCallback and the logger. */
  TimerServiceOptions,
} from './timer-service';
export {
  /** A timeout at a wall-clock time however far away, not keeping the process alive (the scheduler uses it too). */
  LongTimeout,
} from './long-timeout';
