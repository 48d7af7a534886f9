import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CancelTimerRequest, CancelTimerResponse, TimerRequest, TimerResponse } from '../../../generated/ts/host/timer/timer';
import { NdpError } from '../../errors';
import { PersistedRecords } from '../persist';
import { LongTimeout } from './long-timeout';
import { TIMER_CODEC, type TimerRecord } from './timer-file';

export const DEFAULT_MAX_TIMERS_PER_PLUGIN = 1000;
export const DEFAULT_MAX_TIMER_PAYLOAD_BYTES = 64 * 1024;
export const DEFAULT_MAX_TIMER_PAYLOAD_BYTES_PER_PLUGIN = 1024 * 1024;
/** Timer ids are the plugin's own strings; they are written to the file beside the payload. */
export const MAX_TIMER_ID_BYTES = 1024;

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
  private readonly store: PersistedRecords<TimerRecord>;
  private readonly limits: TimerLimits;
  private readonly fire: TimerServiceOptions['fire'];
  private readonly log: Logger;
  /** plugin id -> timer id -> the armed timeout of the record in force */
  private readonly armed = new Map<string, Map<string, LongTimeout>>();
  private state: 'new' | 'started' | 'closed' = 'new';

  constructor(options: TimerServiceOptions) {
    // Live timeouts follow the records in force: armed when a timer is written, cleared when it goes.
    this.store = new PersistedRecords({ file: options.file, codec: TIMER_CODEC, log: options.log, onChange: (owner, id, value) => this.follow(owner, id, value) });
    this.limits = {
      maxTimers: options.limits?.maxTimers ?? DEFAULT_MAX_TIMERS_PER_PLUGIN,
      maxPayloadBytes: options.limits?.maxPayloadBytes ?? DEFAULT_MAX_TIMER_PAYLOAD_BYTES,
      maxPayloadBytesPerPlugin: options.limits?.maxPayloadBytesPerPlugin ?? DEFAULT_MAX_TIMER_PAYLOAD_BYTES_PER_PLUGIN,
    };
    this.fire = options.fire;
    this.log = options.log;
  }

  /**
   * Restores persisted timers: ones that came due while the sidecar was down fire once on the
   * next turn of the event loop, the rest wait out their remaining time.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new NdpError('internal', `TimerService.start() called when ${this.state}`);
    await this.store.load();
    // close() may have run while the file was read; arming now would leak timeouts.
    if (this.state !== 'new') return;
    this.state = 'started';
    let restored = 0;
    for (const { owner, id, value } of this.store.all()) {
      this.follow(owner, id, value);
      restored++;
    }
    if (restored > 0) this.log.info({ timers: restored }, 'timers restored');
  }

  /** RegisterTimer for `pluginId`: arms (or replaces) the timer once it is persisted. */
  async register(pluginId: string, request: TimerRequest): Promise<TimerResponse> {
    if (!this.accepting()) return refused('timer service is shutting down');
    const { delay } = request;
    if (!Number.isInteger(delay) || delay < 0) return refused(`delay must be a whole number of seconds, 0 or more; got ${delay}`);
    const timerId = request.timerId === '' ? randomUUID() : request.timerId;
    const problem = this.overLimit(pluginId, timerId, request.payload.byteLength);
    if (problem) return refused(problem);
    // Copied because the request's bytes may be a view of a buffer the caller reuses.
    const value: TimerRecord = { dueAt: Date.now() + delay * 1000, payload: new Uint8Array(request.payload) };
    const result = await this.store.commit([{ owner: pluginId, id: timerId, value }]);
    if (!result.ok) return refused(`timer ${timerId} was not registered: the timer file could not be written (${result.error})`);
    return { timerId, error: '' };
  }

  /** CancelTimer for `pluginId`: only that plugin's timers are found. */
  async cancel(pluginId: string, request: CancelTimerRequest): Promise<CancelTimerResponse> {
    if (!this.accepting()) return { success: false, error: 'timer service is shutting down' };
    const { timerId } = request;
    if (!this.store.pending(pluginId).has(timerId)) return { success: false, error: `no timer ${timerId}` };
    // Held while the change is written, so a timer cancelled cannot fire meanwhile.
    const held = this.store.owned(pluginId).get(timerId);
    this.armed.get(pluginId)?.get(timerId)?.clear();
    const result = await this.store.commit([{ owner: pluginId, id: timerId }]);
    if (result.ok) return { success: true, error: '' };
    // Not cancelled after all: the timer in force (if it did not change meanwhile) is armed again.
    if (held !== undefined && this.store.owned(pluginId).get(timerId) === held) this.follow(pluginId, timerId, held);
    return { success: false, error: `timer ${timerId} was not cancelled: the timer file could not be written (${result.error})` };
  }

  /**
   * What `pluginId` holds now, as a release of exactly that: timers registered afterwards (by a
   * refreshed version's OnInit) are spared. The release is in force at once and persisted with
   * the next write; a failed write is logged and retried.
   */
  hold(pluginId: string): () => Promise<void> {
    const release = this.store.hold(pluginId);
    return async () => {
      if (this.state !== 'closed') await release();
    };
  }

  /** Live timers of every plugin together (for metrics). */
  get total(): number {
    return this.store.size;
  }

  /** Live timer count for a plugin (for tests/health). */
  count(pluginId: string): number {
    return this.store.owned(pluginId).size;
  }

  /** Stops every timeout and waits for pending writes; persisted timers stay for the next start. */
  async close(): Promise<void> {
    this.state = 'closed';
    for (const own of this.armed.values()) for (const timeout of own.values()) timeout.clear();
    this.armed.clear();
    await this.store.flush();
  }

  private accepting(): boolean {
    if (this.state === 'new') throw new NdpError('internal', 'TimerService used before start()');
    return this.state === 'started';
  }

  /** Why this registration would take the plugin past a cap, or undefined. */
  private overLimit(pluginId: string, timerId: string, payloadBytes: number): string | undefined {
    const { maxTimers, maxPayloadBytes, maxPayloadBytesPerPlugin } = this.limits;
    const idBytes = Buffer.byteLength(timerId);
    if (idBytes > MAX_TIMER_ID_BYTES) return `timer id is ${idBytes} bytes, over the ${MAX_TIMER_ID_BYTES}-byte cap`;
    if (payloadBytes > maxPayloadBytes) return `payload is ${payloadBytes} bytes, over the ${maxPayloadBytes}-byte cap for one timer (Plugins.MaxTimerPayloadBytes)`;
    // Counted against what the plugin will hold once the writes already asked for are done.
    const own = this.store.pending(pluginId);
    const replaced = own.get(timerId);
    // Replacing an id keeps the count, so only a new id can hit the cap.
    if (replaced === undefined && own.size >= maxTimers) return `plugin ${pluginId} already has ${maxTimers} timers, the most allowed (Plugins.MaxTimers)`;
    let total = payloadBytes - (replaced?.payload.byteLength ?? 0);
    for (const { payload } of own.values()) total += payload.byteLength;
    if (total > maxPayloadBytesPerPlugin) {
      return `plugin ${pluginId}'s timers would hold ${total} bytes of payload, over the ${maxPayloadBytesPerPlugin}-byte cap per plugin (Plugins.MaxTimerPayloadBytesPerPlugin)`;
    }
    return undefined;
  }

  /** Keeps the armed timeouts in step with the records in force. */
  private follow(pluginId: string, timerId: string, value: TimerRecord | undefined): void {
    let own = this.armed.get(pluginId);
    own?.get(timerId)?.clear();
    if (value === undefined || this.state === 'closed') {
      own?.delete(timerId);
      if (own?.size === 0) this.armed.delete(pluginId);
      return;
    }
    if (own === undefined) this.armed.set(pluginId, (own = new Map()));
    own.set(timerId, new LongTimeout(value.dueAt, () => this.onDue(pluginId, timerId, value)));
  }

  private onDue(pluginId: string, timerId: string, value: TimerRecord): void {
    if (this.store.owned(pluginId).get(timerId) !== value) return;
    // Forgotten before the callback runs: a crash during the callback loses the timer rather
    // than firing it twice, since "fires once" is what plugins are promised.
    void this.store.apply([{ owner: pluginId, id: timerId }]);
    void this.dispatch(pluginId, timerId, value.payload);
  }

  private async dispatch(pluginId: string, timerId: string, payload: Uint8Array): Promise<void> {
    this.log.debug({ pluginId, timerId }, 'timer fired');
    try {
      await this.fire(pluginId, timerId, payload);
    } catch (error) {
      this.log.error({ pluginId, timerId, err: error }, 'timer callback failed');
    }
  }
}

function refused(error: string): TimerResponse {
  return { timerId: '', error };
}
