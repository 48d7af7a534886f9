/** The timer host service: per-plugin timers that fire into OnTimerCallback and survive restarts. */
export {
  /** Registers, cancels and fires plugins' timers, persisted in one JSON file. Call start() before use and close() at shutdown. */
  TimerService,
  /** The per-plugin caps used when none are configured. */
  DEFAULT_MAX_TIMERS_PER_PLUGIN,
  DEFAULT_MAX_TIMER_PAYLOAD_BYTES,
  DEFAULT_MAX_TIMER_PAYLOAD_BYTES_PER_PLUGIN,
  /** The longest timer id a plugin may register, in UTF-8 bytes. */
  MAX_TIMER_ID_BYTES,
} from './timer-service';
export type {
  /** The timer file, the per-plugin caps, the `fire` hook into OnTimerCallback and the logger. */
  TimerServiceOptions,
  TimerLimits,
} from './timer-service';
export {
  /** timers.json: its name in the data folder and how its entries are written. */
  TIMERS_FILE,
  TIMER_CODEC,
} from './timer-file';
export type { TimerRecord } from './timer-file';
