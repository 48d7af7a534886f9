import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type {
  CancelRequest,
  CancelResponse,
  ScheduleOneTimeRequest,
  ScheduleRecurringRequest,
  ScheduleResponse,
} from '../../../generated/ts/host/scheduler/scheduler';
import { NdpError } from '../../errors';
import { PersistedRecords } from '../persist';
import { DEFAULT_MAX_TIMER_PAYLOAD_BYTES, DEFAULT_MAX_TIMER_PAYLOAD_BYTES_PER_PLUGIN, LongTimeout, MAX_TIMER_ID_BYTES } from '../timer';
import { parseCron } from './cron-expression';
import { SCHEDULE_CODEC, type ScheduleRecord } from './schedule-file';

export const DEFAULT_MAX_SCHEDULES_PER_PLUGIN = 1000;

/** What one plugin's schedules may hold (Plugins.MaxSchedules, and the timers' payload caps). */
export interface ScheduleLimits {
  readonly maxSchedules: number;
  readonly maxPayloadBytes: number;
  readonly maxPayloadBytesPerPlugin: number;
}

export interface SchedulerServiceOptions {
  /** The JSON file in the data folder that keeps schedules across restarts. */
  readonly file: string;
  readonly limits?: Partial<ScheduleLimits>;
  /** Runs the owning plugin's OnSchedulerCallback; a rejection is logged, never retried. */
  readonly fire: (pluginId: string, scheduleId: string, payload: Uint8Array, isRecurring: boolean) => Promise<void>;
  readonly log: Logger;
}

/**
 * The scheduler host service of released Navidrome: one-time and recurring (cron) schedules that
 * call the owning plugin's OnSchedulerCallback with the schedule's id and payload and
 * `is_recurring`. Schedules are keyed by the plugin id the job carries, so a plugin can never see,
 * cancel or replace another's. Beyond the original: schedules survive a restart (a recurring one
 * resumes at its next fire time; a one-time one that fell due while the sidecar was down fires
 * once after start), and, as timers, a schedule is acknowledged only once it is on disk; a bad
 * cron expression is an `error` in the response instead of a trap; a recurring run still busy
 * when the next falls due skips that one; each plugin is capped in schedules and payload bytes.
 */
export class SchedulerService {
  private readonly store: PersistedRecords<ScheduleRecord>;
  private readonly limits: ScheduleLimits;
  /** plugin id -> schedule id -> the armed timeout of the record in force */
  private readonly armed = new Map<string, Map<string, LongTimeout>>();
  /** Recurring schedules whose callback is running. */
  private readonly running = new WeakSet<ScheduleRecord>();
  private state: 'new' | 'started' | 'closed' = 'new';

  constructor(private readonly options: SchedulerServiceOptions) {
    // Armed timeouts follow the records in force, as the timer service's do.
    this.store = new PersistedRecords({ file: options.file, codec: SCHEDULE_CODEC, log: options.log, onChange: (owner, id, value) => this.follow(owner, id, value, Date.now()) });
    this.limits = {
      maxSchedules: options.limits?.maxSchedules ?? DEFAULT_MAX_SCHEDULES_PER_PLUGIN,
      maxPayloadBytes: options.limits?.maxPayloadBytes ?? DEFAULT_MAX_TIMER_PAYLOAD_BYTES,
      maxPayloadBytesPerPlugin: options.limits?.maxPayloadBytesPerPlugin ?? DEFAULT_MAX_TIMER_PAYLOAD_BYTES_PER_PLUGIN,
    };
  }

  /** Restores persisted schedules. Call before plugins load: an OnInit may schedule. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new NdpError('internal', `SchedulerService.start() called when ${this.state}`);
    await this.store.load();
    if (this.state !== 'new') return;
    this.state = 'started';
    let restored = 0;
    for (const { owner, id, value } of this.store.all()) {
      this.follow(owner, id, value, Date.now());
      restored++;
    }
    if (restored > 0) this.options.log.info({ schedules: restored }, 'schedules restored');
  }

  /** ScheduleOneTime: fires once, `delay_seconds` from now (0 or less: at once). */
  scheduleOneTime(pluginId: string, request: ScheduleOneTimeRequest): Promise<ScheduleResponse> {
    const dueAt = Date.now() + Math.max(0, request.delaySeconds) * 1000;
    return this.add(pluginId, request.scheduleId, { kind: 'once', dueAt, payload: new Uint8Array(request.payload) });
  }

  /** ScheduleRecurring: a cron expression of released Navidrome's dialect; a bad one is an `error`. */
  async scheduleRecurring(pluginId: string, request: ScheduleRecurringRequest): Promise<ScheduleResponse> {
    const cron = parseCron(request.cronExpression);
    if ('problem' in cron) return refused(cron.problem);
    return this.add(pluginId, request.scheduleId, { kind: 'cron', cron, payload: new Uint8Array(request.payload) });
  }

  /** CancelSchedule: only the calling plugin's schedules are found. */
  async cancel(pluginId: string, { scheduleId }: CancelRequest): Promise<CancelResponse> {
    if (!this.accepting()) return { success: false, error: 'the scheduler is shutting down' };
    if (!this.store.pending(pluginId).has(scheduleId)) return { success: false, error: 'schedule not found' };
    // Held while the change is written, so a schedule cancelled cannot fire meanwhile.
    const held = this.store.owned(pluginId).get(scheduleId);
    this.armed.get(pluginId)?.get(scheduleId)?.clear();
    const result = await this.store.commit([{ owner: pluginId, id: scheduleId }]);
    if (result.ok) return { success: true, error: '' };
    if (held !== undefined && this.store.owned(pluginId).get(scheduleId) === held) this.follow(pluginId, scheduleId, held, Date.now());
    return { success: false, error: `schedule ${scheduleId} was not cancelled: the schedules file could not be written (${result.error})` };
  }

  /** What `pluginId` holds now, as a release of exactly that (see PluginState): a refreshed version's OnInit schedules are spared. */
  hold(pluginId: string): () => Promise<void> {
    const release = this.store.hold(pluginId);
    return async () => {
      if (this.state !== 'closed') await release();
    };
  }

  /** Live schedules of every plugin together (for metrics). */
  get total(): number {
    return this.store.size;
  }

  /** Live schedules of a plugin (for tests and health). */
  count(pluginId: string): number {
    return this.store.owned(pluginId).size;
  }

  /** Stops every timeout and waits for pending writes; persisted schedules stay for the next start. */
  async close(): Promise<void> {
    this.state = 'closed';
    for (const own of this.armed.values()) for (const timeout of own.values()) timeout.clear();
    this.armed.clear();
    await this.store.flush();
  }

  private async add(pluginId: string, requested: string, value: ScheduleRecord): Promise<ScheduleResponse> {
    if (!this.accepting()) return refused('the scheduler is shutting down');
    const scheduleId = requested === '' ? randomBytes(8).toString('base64url').slice(0, 10) : requested;
    const problem = this.overLimit(pluginId, scheduleId, value.payload.byteLength);
    if (problem) return refused(problem);
    // Reusing an id replaces the schedule of either kind.
    const result = await this.store.commit([{ owner: pluginId, id: scheduleId, value }]);
    if (!result.ok) return refused(`schedule ${scheduleId} was not made: the schedules file could not be written (${result.error})`);
    return { scheduleId, error: '' };
  }

  /** Why this schedule would take the plugin past a cap, or undefined. */
  private overLimit(pluginId: string, scheduleId: string, payloadBytes: number): string | undefined {
    const { maxSchedules, maxPayloadBytes, maxPayloadBytesPerPlugin } = this.limits;
    const idBytes = Buffer.byteLength(scheduleId);
    if (idBytes > MAX_TIMER_ID_BYTES) return `schedule id is ${idBytes} bytes, over the ${MAX_TIMER_ID_BYTES}-byte cap`;
    if (payloadBytes > maxPayloadBytes) return `payload is ${payloadBytes} bytes, over the ${maxPayloadBytes}-byte cap for one schedule (Plugins.MaxTimerPayloadBytes)`;
    const own = this.store.pending(pluginId);
    const replaced = own.get(scheduleId);
    // Replacing an id keeps the count, so only a new id can hit the cap.
    if (replaced === undefined && own.size >= maxSchedules) return `plugin ${pluginId} already has ${maxSchedules} schedules, the most allowed (Plugins.MaxSchedules)`;
    let total = payloadBytes - (replaced?.payload.byteLength ?? 0);
    for (const { payload } of own.values()) total += payload.byteLength;
    if (total > maxPayloadBytesPerPlugin) {
      return `plugin ${pluginId}'s schedules would hold ${total} bytes of payload, over the ${maxPayloadBytesPerPlugin}-byte cap per plugin (Plugins.MaxTimerPayloadBytesPerPlugin)`;
    }
    return undefined;
  }

  /** Keeps the armed timeouts in step with the records in force; a cron one armed for its next time after `from`. */
  private follow(pluginId: string, scheduleId: string, value: ScheduleRecord | undefined, from: number): void {
    let own = this.armed.get(pluginId);
    own?.get(scheduleId)?.clear();
    const dueAt = value === undefined || this.state === 'closed' ? undefined : value.kind === 'once' ? value.dueAt : value.cron.next(from);
    if (value === undefined || dueAt === undefined) {
      own?.delete(scheduleId);
      if (own?.size === 0) this.armed.delete(pluginId);
      return;
    }
    if (own === undefined) this.armed.set(pluginId, (own = new Map()));
    own.set(scheduleId, new LongTimeout(dueAt, () => this.onDue(pluginId, scheduleId, value, dueAt)));
  }

  private onDue(pluginId: string, scheduleId: string, value: ScheduleRecord, dueAt: number): void {
    if (this.store.owned(pluginId).get(scheduleId) !== value) return;
    if (value.kind === 'once') {
      // Forgotten before the callback runs: a crash during the callback loses it rather than
      // firing it twice.
      void this.store.apply([{ owner: pluginId, id: scheduleId }]);
      void this.dispatch(pluginId, scheduleId, value.payload, false);
      return;
    }
    // Runs never overlap: a run still busy when the next falls due skips that one.
    if (this.running.has(value)) {
      this.options.log.debug({ pluginId, scheduleId }, 'recurring schedule still running; this run is skipped');
    } else {
      this.running.add(value);
      void this.dispatch(pluginId, scheduleId, value.payload, true).finally(() => this.running.delete(value));
    }
    // Next after the later of now and this run's time, so a host that slept skips the runs it missed.
    this.follow(pluginId, scheduleId, value, Math.max(Date.now(), dueAt));
  }

  private async dispatch(pluginId: string, scheduleId: string, payload: Uint8Array, isRecurring: boolean): Promise<void> {
    this.options.log.debug({ pluginId, scheduleId, isRecurring }, 'schedule fired');
    try {
      await this.options.fire(pluginId, scheduleId, payload, isRecurring);
    } catch (error) {
      this.options.log.error({ pluginId, scheduleId, err: error }, 'scheduler callback failed');
    }
  }

  private accepting(): boolean {
    if (this.state === 'new') throw new NdpError('internal', 'SchedulerService used before start()');
    return this.state === 'started';
  }
}

function refused(error: string): ScheduleResponse {
  return { scheduleId: '', error };
}
