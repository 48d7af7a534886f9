import { defer } from '../../helpers/defer';

export interface FiredTimer {
  pluginId: string;
  timerId: string;
  payload: string;
}

/** Stands in for the OnTimerCallback runner: records each fire and lets a test wait for the nth. */
export class FireRecorder {
  readonly fired: FiredTimer[] = [];
  private waiters: { done: (fired: readonly FiredTimer[]) => boolean; resolve: () => void }[] = [];

  /** Passed as TimerServiceOptions.fire; `result` decides what the callback "returns". */
  constructor(private readonly result: () => Promise<void> = () => Promise.resolve()) {}

  readonly fire = (pluginId: string, timerId: string, payload: Uint8Array): Promise<void> => {
    this.fired.push({ pluginId, timerId, payload: Buffer.from(payload).toString() });
    this.waiters = this.waiters.filter((w) => !(w.done(this.fired) && (w.resolve(), true)));
    return this.result();
  };

  /** Resolves once `count` timers have fired in all. */
  waitFor(count: number): Promise<void> {
    return this.waitUntil((fired) => fired.length >= count);
  }

  /** Resolves once `done` holds for the timers fired so far. */
  waitUntil(done: (fired: readonly FiredTimer[]) => boolean): Promise<void> {
    if (done(this.fired)) return Promise.resolve();
    const waiter = defer();
    this.waiters.push({ done, resolve: waiter.resolve });
    return waiter.promise;
  }
}
