import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type {
  CancelRequest,
  CancelResponse,
  ScheduleOneTimeRequest,
  ScheduleRecurringRequest,
  ScheduleResponse,
} from '../../../generated/ts/host/scheduler/scheduler';
import { ArmedRecords, DEFAULT_MAX_TIMER_PAYLOAD_BYTES, DEFAULT_MAX_TIMER_PAYLOAD_BYTES_PER_PLUGIN } from '../timer';
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
  private readonly records: ArmedRecords<ScheduleRecord>;
  /** Recurring schedules whose callback is running. */
  private readonly running = new WeakSet<ScheduleRecord>();

  constructor(private readonly options: SchedulerServiceOptions) {
    this.records = new ArmedRecords({
      file: options.file,
      codec: SCHEDULE_CODEC,
      limits: {
        maxRecords: options.limits?.maxSchedules ?? DEFAULT_MAX_SCHEDULES_PER_PLUGIN,
        maxPayloadBytes: options.limits?.maxPayloadBytes ?? DEFAULT_MAX_TIMER_PAYLOAD_BYTES,
        maxPayloadBytesPerPlugin: options.limits?.maxPayloadBytesPerPlugin ?? DEFAULT_MAX_TIMER_PAYLOAD_BYTES_PER_PLUGIN,
      },
      words: { one: 'schedule', many: 'schedules', maxKey: 'Plugins.MaxSchedules' },
      log: options.log,
      nextDue: (value, from) => (value.kind === 'once' ? value.dueAt : value.cron.next(from)),
      onDue: (pluginId, scheduleId, value, dueAt) => this.onDue(pluginId, scheduleId, value, dueAt),
    });
  }

  /** Restores persisted schedules. Call before plugins load: an OnInit may schedule. */
  async start(): Promise<void> {
    const restored = await this.records.start('SchedulerService');
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
    if (!this.records.accepting('SchedulerService')) return { success: false, error: 'the scheduler is shutting down' };
    if (!this.records.has(pluginId, scheduleId)) return { success: false, error: 'schedule not found' };
    const result = await this.records.cancel(pluginId, scheduleId);
    if (result.ok) return { success: true, error: '' };
    return { success: false, error: `schedule ${scheduleId} was not cancelled: the schedules file could not be written (${result.error})` };
  }

  /** What `pluginId` holds now, as a release of exactly that (see PluginState): a refreshed version's OnInit schedules are spared. */
  hold(pluginId: string): () => Promise<void> {
    return this.records.hold(pluginId);
  }

  /** Live schedules of every plugin together (for metrics). */
  get total(): number {
    return this.records.total;
  }

  /** Live schedules of a plugin (for tests and health). */
  count(pluginId: string): number {
    return this.records.count(pluginId);
  }

  /** Stops every timeout and waits for pending writes; persisted schedules stay for the next start. */
  close(): Promise<void> {
    return this.records.close();
  }

  private async add(pluginId: string, requested: string, value: ScheduleRecord): Promise<ScheduleResponse> {
    if (!this.records.accepting('SchedulerService')) return refused('the scheduler is shutting down');
    const scheduleId = requested === '' ? randomBytes(8).toString('base64url').slice(0, 10) : requested;
    const problem = this.records.overLimit(pluginId, scheduleId, value.payload.byteLength);
    if (problem) return refused(problem);
    // Reusing an id replaces the schedule of either kind.
    const result = await this.records.write(pluginId, scheduleId, value);
    if (!result.ok) return refused(`schedule ${scheduleId} was not made: the schedules file could not be written (${result.error})`);
    return { scheduleId, error: '' };
  }

  private onDue(pluginId: string, scheduleId: string, value: ScheduleRecord, dueAt: number): void {
    if (value.kind === 'once') {
      this.records.forget(pluginId, scheduleId);
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
    this.records.rearm(pluginId, scheduleId, value, Math.max(Date.now(), dueAt));
  }

  private async dispatch(pluginId: string, scheduleId: string, payload: Uint8Array, isRecurring: boolean): Promise<void> {
    this.options.log.debug({ pluginId, scheduleId, isRecurring }, 'schedule fired');
    try {
      await this.options.fire(pluginId, scheduleId, payload, isRecurring);
    } catch (error) {
      this.options.log.error({ pluginId, scheduleId, err: error }, 'scheduler callback failed');
    }
  }
}

function refused(error: string): ScheduleResponse {
  return { scheduleId: '', error };
}
