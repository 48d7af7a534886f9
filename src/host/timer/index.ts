/** The timer host service: per-plugin timers that fire into OnTimerCallback and survive restarts. */
export {
  /** Registers, cancels and fires plugins' timers, persisted in one JSON file. Call start() before use and close() at shutdown. */
  TimerService,
  /** The per-plugin caps used when none are configured. */
  DEFAULT_MAX_TIMERS_PER_PLUGIN,
  DEFAULT_MAX_TIMER_PAYLOAD_BYTES,
  DEFAULT_MAX_TIMER_PAYLOAD_BYTES_PER_PLUGIN,
} from './timer-service';
export {
  /** Per-plugin records due at a wall-clock time, on disk and armed: the timer and scheduler services' common part. */
  ArmedRecords,
  /** The longest timer or schedule id a plugin may register, in UTF-8 bytes. */
  MAX_TIMER_ID_BYTES,
} from './armed-records';
export type {
  /** The timer file, the per-plugin caps, the `fire` hook into OnTimerCallback and the logger. */
  TimerServiceOptions,
  TimerLimits,
} from './timer-service';
export type { ArmedRecordsOptions, RecordLimits, RecordWords } from './armed-records';
export {
  /** timers.json: its name in the data folder and how its entries are written. */
  TIMERS_FILE,
  TIMER_CODEC,
} from './timer-file';
export type { TimerRecord } from './timer-file';
export {
  /** A timeout at a wall-clock time however far away, not keeping the process alive. */
  LongTimeout,
} from './long-timeout';
