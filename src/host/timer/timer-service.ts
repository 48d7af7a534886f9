import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CancelTimerRequest, CancelTimerResponse, TimerRequest, TimerResponse } from '../../../generated/ts/host/timer/timer';
import { NdpError } from '../../errors';
import { LongTimeout } from './long-timeout';
import type { StoredTimer } from './timer-file';
import { TimerStore } from './timer-store';

export const DEFAULT_MAX_TIMERS_PER_PLUGIN = 1000;

export interface TimerServiceOptions {
  /** The JSON file in the data folder that keeps timers across restarts. */
  readonly file: string;
  /** Live timers one plugin may hold; registering beyond it is refused. Default 1000. */
  readonly maxTimersPerPlugin?: number;
  /** Runs the owning plugin's OnTimerCallback; a rejection is logged, never retried. */
  readonly fire: (pluginId: string, timerId: string, payload: Uint8Array) => Promise<void>;
  readonly log: Logger;
}

interface LiveTimer extends StoredTimer {
  readonly timeout: LongTimeout;
}

/**
 * The timer host service: plugins register and cancel timers, each firing once into the owning
 * plugin's OnTimerCallback. The calling plugin's id is always given by the host, never read from
 * the request, so ids are per plugin and one plugin cannot touch another's timers.
 */
export class TimerService {
  private readonly store: TimerStore;
  private readonly maxTimers: number;
  private readonly fire: TimerServiceOptions['fire'];
  private readonly log: Logger;
  /** plugin id -> timer id -> timer */
  private readonly timers = new Map<string, Map<string, LiveTimer>>();
  private state: 'new' | 'started' | 'closed' = 'new';

  constructor(options: TimerServiceOptions) {
    this.store = new TimerStore({ file: options.file, log: options.log });
    this.maxTimers = options.maxTimersPerPlugin ?? DEFAULT_MAX_TIMERS_PER_PLUGIN;
    this.fire = options.fire;
    this.log = options.log;
  }

  /**
   * Restores persisted timers: ones that came due while the sidecar was down fire once on the
   * next turn of the event loop, the rest wait out their remaining time.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new NdpError('internal', `TimerService.start() called when ${this.state}`);
    const stored = await this.store.load();
    // close() may have run while the file was read; arming now would leak timeouts.
    if (this.state !== 'new') return;
    this.state = 'started';
    // A later entry for the same plugin and id replaces an earlier one, as a re-register would.
    for (const timer of stored) this.arm(timer);
    if (stored.length > 0) this.log.info({ timers: stored.length }, 'timers restored');
  }

  /** RegisterTimer for `pluginId`: arms (or replaces) the timer and persists it. */
  async register(pluginId: string, request: TimerRequest): Promise<TimerResponse> {
    if (!this.accepting()) return { timerId: '', error: 'timer service is shutting down' };
    const { delay } = request;
    if (!Number.isInteger(delay) || delay < 0) {
      return { timerId: '', error: `delay must be a whole number of seconds, 0 or more; got ${delay}` };
    }
    const timerId = request.timerId === '' ? randomUUID() : request.timerId;
    const own = this.timers.get(pluginId);
    // Replacing an id keeps the count, so only a new id can hit the cap.
    if (!own?.has(timerId) && (own?.size ?? 0) >= this.maxTimers) {
      return { timerId: '', error: `plugin ${pluginId} already has ${this.maxTimers} timers, the most allowed` };
    }
    // Copied because the request's bytes may be a view of a buffer the caller reuses.
    const payload = new Uint8Array(request.payload);
    this.arm({ pluginId, timerId, dueAt: Date.now() + delay * 1000, payload });
    await this.persist();
    return { timerId, error: '' };
  }

  /** CancelTimer for `pluginId`: only that plugin's timers are found. */
  async cancel(pluginId: string, request: CancelTimerRequest): Promise<CancelTimerResponse> {
    if (!this.accepting()) return { success: false, error: 'timer service is shutting down' };
    const timer = this.timers.get(pluginId)?.get(request.timerId);
    if (timer === undefined) return { success: false, error: `no timer ${request.timerId}` };
    timer.timeout.clear();
    this.forget(timer);
    await this.persist();
    return { success: true, error: '' };
  }

  /** Cancels every timer of a plugin being removed or refreshed, and persists that. */
  async cancelAll(pluginId: string): Promise<void> {
    if (!this.accepting()) return;
    const own = this.timers.get(pluginId);
    if (own === undefined) return;
    for (const timer of own.values()) timer.timeout.clear();
    this.timers.delete(pluginId);
    await this.persist();
  }

  /** Live timer count for a plugin (for tests/health). */
  count(pluginId: string): number {
    return this.timers.get(pluginId)?.size ?? 0;
  }

  /** Stops every timeout and waits for pending writes; persisted timers stay for the next start. */
  async close(): Promise<void> {
    if (this.state === 'closed') return this.store.flush();
    this.state = 'closed';
    for (const own of this.timers.values()) for (const timer of own.values()) timer.timeout.clear();
    // Writes take their snapshot when they start, so the map is cleared only after the last one.
    await this.store.flush();
    this.timers.clear();
  }

  private accepting(): boolean {
    if (this.state === 'new') throw new NdpError('internal', 'TimerService used before start()');
    return this.state === 'started';
  }

  private arm(timer: StoredTimer): void {
    let own = this.timers.get(timer.pluginId);
    if (own === undefined) this.timers.set(timer.pluginId, (own = new Map()));
    own.get(timer.timerId)?.timeout.clear();
    const live: LiveTimer = { ...timer, timeout: new LongTimeout(timer.dueAt, () => this.onDue(live)) };
    own.set(timer.timerId, live);
  }

  private onDue(timer: LiveTimer): void {
    // Forgotten and persisted before the callback runs: a crash during the callback loses the
    // timer rather than firing it twice, since "fires once" is what plugins are promised.
    this.forget(timer);
    void this.persist();
    void this.dispatch(timer);
  }

  private async dispatch(timer: LiveTimer): Promise<void> {
    this.log.debug({ pluginId: timer.pluginId, timerId: timer.timerId }, 'timer fired');
    try {
      await this.fire(timer.pluginId, timer.timerId, timer.payload);
    } catch (error) {
      this.log.error({ pluginId: timer.pluginId, timerId: timer.timerId, err: error }, 'timer callback failed');
    }
  }

  private forget(timer: LiveTimer): void {
    const own = this.timers.get(timer.pluginId);
    // Only this exact timer: a replacement under the same id must survive.
    if (own?.get(timer.timerId) !== timer) return;
    own.delete(timer.timerId);
    if (own.size === 0) this.timers.delete(timer.pluginId);
  }

  private persist(): Promise<void> {
    return this.store.save(() => [...this.timers.values()].flatMap((own) => [...own.values()]));
  }
}
