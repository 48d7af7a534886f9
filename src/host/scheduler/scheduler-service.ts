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
import { DurableJsonFile } from '../durable-json-file';
import { LongTimeout } from '../timer';
import { parseCron, type CronExpression } from './cron-expression';
import { decodeScheduleFile, encodeScheduleFile, type StoredSchedule } from './schedule-file';

export const DEFAULT_MAX_SCHEDULES_PER_PLUGIN = 1000;
/** The largest payload one schedule may carry, and all of one plugin's together. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
export const MAX_PAYLOAD_BYTES_PER_PLUGIN = 16 * 1024 * 1024;

export interface SchedulerServiceOptions {
  /** The JSON file in the data folder that keeps schedules across restarts. */
  readonly file: string;
  /** Live schedules one plugin may hold (Plugins.MaxSchedules). */
  readonly maxPerPlugin?: number;
  /** Runs the owning plugin's OnSchedulerCallback; a rejection is logged, never retried. */
  readonly fire: (pluginId: string, scheduleId: string, payload: Uint8Array, isRecurring: boolean) => Promise<void>;
  readonly log: Logger;
}

type Live = {
  readonly pluginId: string;
  readonly scheduleId: string;
  readonly payload: Uint8Array;
  timeout?: LongTimeout;
} & ({ readonly kind: 'once'; readonly dueAt: number } | { readonly kind: 'cron'; readonly cron: CronExpression; running: boolean });

/**
 * The scheduler host service of released Navidrome: one-time and recurring (cron) schedules that
 * call the owning plugin's OnSchedulerCallback with the schedule's id and payload and
 * `is_recurring`. Schedules are keyed by the plugin id the job carries, so a plugin can never see,
 * cancel or replace another's. Beyond the original: schedules survive a restart (a recurring one
 * resumes at its next fire time; a one-time one that fell due while the sidecar was down fires
 * once after start), a bad cron expression is an `error` in the response instead of a trap, a
 * recurring run still busy when the next falls due skips that one, and each plugin is capped in
 * schedules and payload bytes.
 */
export class SchedulerService {
  private readonly file: DurableJsonFile;
  private readonly maxPerPlugin: number;
  /** plugin id -> schedule id -> schedule */
  private readonly schedules = new Map<string, Map<string, Live>>();
  private state: 'new' | 'started' | 'closed' = 'new';

  constructor(private readonly options: SchedulerServiceOptions) {
    this.file = new DurableJsonFile(options.file, options.log);
    this.maxPerPlugin = options.maxPerPlugin ?? DEFAULT_MAX_SCHEDULES_PER_PLUGIN;
  }

  /** Restores persisted schedules. Call before plugins load: an OnInit may schedule. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new NdpError('internal', `SchedulerService.start() called when ${this.state}`);
    const json = await this.file.load();
    if (this.state !== 'new') return;
    this.state = 'started';
    if (json === undefined) return;
    const { schedules, problems } = decodeScheduleFile(json);
    for (const problem of problems) this.options.log.error({ path: this.options.file, problem }, 'a stored schedule could not be read; it is dropped, the others are kept');
    for (const stored of schedules) this.restore(stored);
    if (schedules.length > 0) this.options.log.info({ schedules: schedules.length }, 'schedules restored');
  }

  /** ScheduleOneTime: fires once, `delay_seconds` from now (0 or less: at once). */
  async scheduleOneTime(pluginId: string, request: ScheduleOneTimeRequest): Promise<ScheduleResponse> {
    const { delaySeconds } = request;
    return this.add(pluginId, request.scheduleId, request.payload, () => ({ kind: 'once', dueAt: Date.now() + Math.max(0, delaySeconds) * 1000 }));
  }

  /** ScheduleRecurring: a cron expression of released Navidrome's dialect; a bad one is an `error`. */
  async scheduleRecurring(pluginId: string, request: ScheduleRecurringRequest): Promise<ScheduleResponse> {
    const cron = parseCron(request.cronExpression);
    if ('problem' in cron) return { scheduleId: '', error: cron.problem };
    return this.add(pluginId, request.scheduleId, request.payload, () => ({ kind: 'cron', cron, running: false }));
  }

  /** CancelSchedule: only the calling plugin's schedules are found. */
  async cancel(pluginId: string, { scheduleId }: CancelRequest): Promise<CancelResponse> {
    if (!this.accepting()) return { success: false, error: 'the scheduler is shutting down' };
    const schedule = this.schedules.get(pluginId)?.get(scheduleId);
    if (schedule === undefined) return { success: false, error: 'schedule not found' };
    this.forget(schedule);
    const unsaved = await this.persist();
    return { success: true, error: unsaved === undefined ? '' : `cancelled, but ${unsaved}` };
  }

  /** Live schedules of a plugin (for tests and health). */
  count(pluginId: string): number {
    return this.schedules.get(pluginId)?.size ?? 0;
  }

  /** Cancels every schedule of a plugin that is refreshed or removed, and persists that. */
  async release(pluginId: string): Promise<void> {
    if (!this.accepting()) return;
    const own = this.schedules.get(pluginId);
    if (own === undefined) return;
    for (const schedule of own.values()) schedule.timeout?.clear();
    this.schedules.delete(pluginId);
    await this.persist();
  }

  /** Stops every timeout and waits for pending writes; persisted schedules stay for the next start. */
  async close(): Promise<void> {
    this.state = 'closed';
    for (const own of this.schedules.values()) for (const schedule of own.values()) schedule.timeout?.clear();
    await this.file.flush();
  }

  private async add(pluginId: string, requested: string, requestPayload: Uint8Array, make: () => { kind: 'once'; dueAt: number } | { kind: 'cron'; cron: CronExpression; running: boolean }): Promise<ScheduleResponse> {
    if (!this.accepting()) return { scheduleId: '', error: 'the scheduler is shutting down' };
    const scheduleId = requested === '' ? randomBytes(8).toString('base64url').slice(0, 10) : requested;
    const own = this.schedules.get(pluginId);
    const replaced = own?.get(scheduleId);
    // Replacing an id keeps the count, so only a new id can hit the cap.
    if (replaced === undefined && (own?.size ?? 0) >= this.maxPerPlugin) return { scheduleId: '', error: `plugin ${pluginId} already has ${this.maxPerPlugin} schedules, the most allowed` };
    if (requestPayload.length > MAX_PAYLOAD_BYTES) return { scheduleId: '', error: `the payload is ${requestPayload.length} bytes, more than the ${MAX_PAYLOAD_BYTES} a schedule may carry` };
    const others = [...(own?.values() ?? [])].reduce((total, schedule) => total + (schedule === replaced ? 0 : schedule.payload.length), 0);
    if (others + requestPayload.length > MAX_PAYLOAD_BYTES_PER_PLUGIN) return { scheduleId: '', error: `plugin ${pluginId}'s schedules would carry more than ${MAX_PAYLOAD_BYTES_PER_PLUGIN} bytes of payload` };
    // Copied because the request's bytes may be a view of a buffer the caller reuses.
    const schedule: Live = { pluginId, scheduleId, payload: new Uint8Array(requestPayload), ...make() };
    // Reusing an id replaces the schedule of either kind.
    if (replaced) this.forget(replaced);
    this.arm(schedule, Date.now());
    const unsaved = await this.persist();
    return { scheduleId, error: unsaved === undefined ? '' : `the schedule is live, but ${unsaved}` };
  }

  private restore(stored: StoredSchedule): void {
    if (stored.kind === 'once') return this.arm({ ...stored }, Date.now());
    const cron = parseCron(stored.cron);
    if ('problem' in cron) {
      this.options.log.error({ pluginId: stored.pluginId, scheduleId: stored.scheduleId, problem: cron.problem }, 'a stored schedule no longer parses; dropped');
      return;
    }
    this.arm({ pluginId: stored.pluginId, scheduleId: stored.scheduleId, payload: stored.payload, kind: 'cron', cron, running: false }, Date.now());
  }

  /** Enters the schedule in the table and sets its timeout (a cron one at its next time after `from`). */
  private arm(schedule: Live, from: number): void {
    let own = this.schedules.get(schedule.pluginId);
    if (own === undefined) this.schedules.set(schedule.pluginId, (own = new Map()));
    own.set(schedule.scheduleId, schedule);
    const dueAt = schedule.kind === 'once' ? schedule.dueAt : schedule.cron.next(from);
    if (dueAt === undefined) return this.forget(schedule);
    schedule.timeout = new LongTimeout(dueAt, () => this.onDue(schedule, dueAt));
  }

  private onDue(schedule: Live, dueAt: number): void {
    if (schedule.kind === 'once') {
      // Forgotten and persisted before the callback runs: a crash during the callback loses it
      // rather than firing it twice.
      this.forget(schedule);
      void this.persist();
      void this.dispatch(schedule, false);
      return;
    }
    // Runs never overlap: a run still busy when the next falls due skips that one.
    if (!schedule.running) {
      schedule.running = true;
      void this.dispatch(schedule, true).finally(() => (schedule.running = false));
    } else {
      this.options.log.debug({ pluginId: schedule.pluginId, scheduleId: schedule.scheduleId }, 'recurring schedule still running; this run is skipped');
    }
    // Next after the later of now and this run's time, so a sleeping host skips missed runs.
    if (this.schedules.get(schedule.pluginId)?.get(schedule.scheduleId) === schedule) this.arm(schedule, Math.max(Date.now(), dueAt));
  }

  private async dispatch(schedule: Live, isRecurring: boolean): Promise<void> {
    const { pluginId, scheduleId } = schedule;
    this.options.log.debug({ pluginId, scheduleId, isRecurring }, 'schedule fired');
    try {
      await this.options.fire(pluginId, scheduleId, schedule.payload, isRecurring);
    } catch (error) {
      this.options.log.error({ pluginId, scheduleId, err: error }, 'scheduler callback failed');
    }
  }

  private forget(schedule: Live): void {
    schedule.timeout?.clear();
    const own = this.schedules.get(schedule.pluginId);
    // Only this exact schedule: a replacement under the same id must survive.
    if (own?.get(schedule.scheduleId) !== schedule) return;
    own.delete(schedule.scheduleId);
    if (own.size === 0) this.schedules.delete(schedule.pluginId);
  }

  /** Writes the schedules; undefined when saved, else a sentence for the plugin. */
  private async persist(): Promise<string | undefined> {
    try {
      await this.file.save(() => encodeScheduleFile(this.stored()));
      return undefined;
    } catch (error) {
      return `it could not be saved (${(error as Error).message}), so it will not survive a restart`;
    }
  }

  private stored(): StoredSchedule[] {
    return [...this.schedules.values()].flatMap((own) =>
      [...own.values()].map(({ pluginId, scheduleId, payload, ...rest }): StoredSchedule =>
        rest.kind === 'once' ? { pluginId, scheduleId, payload, kind: 'once', dueAt: rest.dueAt } : { pluginId, scheduleId, payload, kind: 'cron', cron: rest.cron.source },
      ),
    );
  }

  private accepting(): boolean {
    if (this.state === 'new') throw new NdpError('internal', 'SchedulerService used before start()');
    return this.state === 'started';
  }
}
