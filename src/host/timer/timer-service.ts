import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CancelTimerRequest, CancelTimerResponse, TimerRequest, TimerResponse } from '../../../generated/ts/host/timer/timer';
import { ArmedRecords } from './armed-records';
import { TIMER_CODEC, type TimerRecord } from './timer-file';

export const DEFAULT_MAX_TIMERS_PER_PLUGIN = 1000;
export const DEFAULT_MAX_TIMER_PAYLOAD_BYTES = 64 * 1024;
export const DEFAULT_MAX_TIMER_PAYLOAD_BYTES_PER_PLUGIN = 1024 * 1024;

/** What one plugin's timers may hold (Plugins.MaxTimers, MaxTimerPayloadBytes, MaxTimerPayloadBytesPerPlugin). */
export interface TimerLimits {
  /** Live timers one plugin may hold. */
  readonly maxTimers: number;
  /** Payload bytes of one timer. */
  readonly maxPayloadBytes: number;
  /** Payload bytes of all of one plugin's live timers together. */
  readonly maxPayloadBytesPerPlugin: number;
}

export interface TimerServiceOptions {
  /** The JSON file in the data folder that keeps timers across restarts. */
  readonly file: string;
  /** Caps per plugin; each defaults to its DEFAULT_ constant. */
  readonly limits?: Partial<TimerLimits>;
  /** Runs the owning plugin's OnTimerCallback; a rejection is logged, never retried. */
  readonly fire: (pluginId: string, timerId: string, payload: Uint8Array) => Promise<void>;
  readonly log: Logger;
}

/**
 * The timer host service: plugins register and cancel timers, each firing once into the owning
 * plugin's OnTimerCallback. The calling plugin's id is always given by the host, never read from
 * the request, so ids are per plugin and one plugin cannot touch another's timers.
 *
 * A register or cancel is answered only once the timer file holding it is on disk; if it cannot
 * be written (a full disk), the plugin gets the reason in `error` and nothing changed. So every
 * acknowledged timer survives a restart, and none that was refused appears after one.
 */
export class TimerService {
  private readonly records: ArmedRecords<TimerRecord>;

  constructor(private readonly options: TimerServiceOptions) {
    this.records = new ArmedRecords({
      file: options.file,
      codec: TIMER_CODEC,
      limits: {
        maxRecords: options.limits?.maxTimers ?? DEFAULT_MAX_TIMERS_PER_PLUGIN,
        maxPayloadBytes: options.limits?.maxPayloadBytes ?? DEFAULT_MAX_TIMER_PAYLOAD_BYTES,
        maxPayloadBytesPerPlugin: options.limits?.maxPayloadBytesPerPlugin ?? DEFAULT_MAX_TIMER_PAYLOAD_BYTES_PER_PLUGIN,
      },
      words: { one: 'timer', many: 'timers', maxKey: 'Plugins.MaxTimers' },
      log: options.log,
      nextDue: (value) => value.dueAt,
      onDue: (pluginId, timerId, value) => {
        this.records.forget(pluginId, timerId);
        void this.dispatch(pluginId, timerId, value.payload);
      },
    });
  }

  /**
   * Restores persisted timers: ones that came due while the sidecar was down fire once on the
   * next turn of the event loop, the rest wait out their remaining time.
   */
  async start(): Promise<void> {
    const restored = await this.records.start('TimerService');
    if (restored > 0) this.options.log.info({ timers: restored }, 'timers restored');
  }

  /** RegisterTimer for `pluginId`: arms (or replaces) the timer once it is persisted. */
  async register(pluginId: string, request: TimerRequest): Promise<TimerResponse> {
    if (!this.records.accepting('TimerService')) return refused('timer service is shutting down');
    const { delay } = request;
    if (!Number.isInteger(delay) || delay < 0) return refused(`delay must be a whole number of seconds, 0 or more; got ${delay}`);
    const timerId = request.timerId === '' ? randomUUID() : request.timerId;
    const problem = this.records.overLimit(pluginId, timerId, request.payload.byteLength);
    if (problem) return refused(problem);
    // Copied because the request's bytes may be a view of a buffer the caller reuses.
    const result = await this.records.write(pluginId, timerId, { dueAt: Date.now() + delay * 1000, payload: new Uint8Array(request.payload) });
    if (!result.ok) return refused(`timer ${timerId} was not registered: the timer file could not be written (${result.error})`);
    return { timerId, error: '' };
  }

  /** CancelTimer for `pluginId`: only that plugin's timers are found. */
  async cancel(pluginId: string, { timerId }: CancelTimerRequest): Promise<CancelTimerResponse> {
    if (!this.records.accepting('TimerService')) return { success: false, error: 'timer service is shutting down' };
    if (!this.records.has(pluginId, timerId)) return { success: false, error: `no timer ${timerId}` };
    const result = await this.records.cancel(pluginId, timerId);
    if (result.ok) return { success: true, error: '' };
    return { success: false, error: `timer ${timerId} was not cancelled: the timer file could not be written (${result.error})` };
  }

  /**
   * What `pluginId` holds now, as a release of exactly that: timers registered afterwards (by a
   * refreshed version's OnInit) are spared. The release is in force at once and persisted with
   * the next write; a failed write is logged and retried.
   */
  hold(pluginId: string): () => Promise<void> {
    return this.records.hold(pluginId);
  }

  /** Live timers of every plugin together (for metrics). */
  get total(): number {
    return this.records.total;
  }

  /** Live timer count for a plugin (for tests/health). */
  count(pluginId: string): number {
    return this.records.count(pluginId);
  }

  /** Stops every timeout and waits for pending writes; persisted timers stay for the next start. */
  close(): Promise<void> {
    return this.records.close();
  }

  private async dispatch(pluginId: string, timerId: string, payload: Uint8Array): Promise<void> {
    this.options.log.debug({ pluginId, timerId }, 'timer fired');
    try {
      await this.options.fire(pluginId, timerId, payload);
    } catch (error) {
      this.options.log.error({ pluginId, timerId, err: error }, 'timer callback failed');
    }
  }
}

function refused(error: string): TimerResponse {
  return { timerId: '', error };
}
