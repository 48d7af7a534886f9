import { defer } from './defer';

export interface FiredTimer {
  pluginId: string;
  timerId: string;
  payload: string;
}

/** Stands in for the OnTimerCallback runner: records each fire and lets a test wait for the nth. */
export class FireRecorder {
  readonly fired: FiredTimer[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  /** Passed as TimerServiceOptions.fire; `result` decides what the callback "returns". */
  constructor(private readonly result: () => Promise<void> = () => Promise.resolve()) {}

  readonly fire = (pluginId: string, timerId: string, payload: Uint8Array): Promise<void> => {
    this.fired.push({ pluginId, timerId, payload: Buffer.from(payload).toString() });
    this.waiters = this.waiters.filter((w) => !(this.fired.length >= w.count && (w.resolve(), true)));
    return this.result();
  };

  /** Resolves once `count` timers have fired in all. */
  waitFor(count: number): Promise<void> {
    if (this.fired.length >= count) return Promise.resolve();
    const waiter = defer();
    this.waiters.push({ count, resolve: waiter.resolve });
    return waiter.promise;
  }
}
