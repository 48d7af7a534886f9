/**
 * The persisted schedules file, `<DataFolder>/schedules.json`. Version 1:
 *
 *   { "version": 1,
 *     "schedules": [
 *       { "pluginId": "p", "scheduleId": "close-activity", "kind": "once", "dueAt": 1767225600000, "payload": "<base64>" },
 *       { "pluginId": "p", "scheduleId": "heartbeat", "kind": "cron", "cron": "@every 30s", "payload": "<base64>" } ] }
 *
 * A one-time schedule keeps its wall-clock `dueAt` (ms since the epoch), so time spent down counts;
 * a recurring one keeps its expression and resumes at its next fire time after a start.
 */

/** One schedule as it is kept across restarts. */
export type StoredSchedule = {
  readonly pluginId: string;
  readonly scheduleId: string;
  readonly payload: Uint8Array;
} & ({ readonly kind: 'once'; readonly dueAt: number } | { readonly kind: 'cron'; readonly cron: string });

const VERSION = 1;

/** The file's JSON for a set of schedules. */
export function encodeScheduleFile(schedules: readonly StoredSchedule[]): unknown {
  return {
    version: VERSION,
    schedules: schedules.map((schedule) => ({
      pluginId: schedule.pluginId,
      scheduleId: schedule.scheduleId,
      kind: schedule.kind,
      ...(schedule.kind === 'once' ? { dueAt: schedule.dueAt } : { cron: schedule.cron }),
      payload: Buffer.from(schedule.payload.buffer, schedule.payload.byteOffset, schedule.payload.byteLength).toString('base64'),
    })),
  };
}

/** The schedules in the file's JSON, and a sentence for each entry that could not be read (kept out, never the others). */
export function decodeScheduleFile(json: unknown): { schedules: StoredSchedule[]; problems: string[] } {
  if (!isObject(json) || json.version !== VERSION || !Array.isArray(json.schedules)) {
    return { schedules: [], problems: [`expected {"version": ${VERSION}, "schedules": [...]}`] };
  }
  const schedules: StoredSchedule[] = [];
  const problems: string[] = [];
  for (const [index, entry] of json.schedules.entries()) {
    const schedule = decodeEntry(entry);
    if (schedule === undefined) problems.push(`schedules[${index}] needs string pluginId and scheduleId, kind "once" with a numeric dueAt or "cron" with a cron string, and a base64 payload`);
    else schedules.push(schedule);
  }
  return { schedules, problems };
}

function decodeEntry(entry: unknown): StoredSchedule | undefined {
  if (!isObject(entry)) return undefined;
  const { pluginId, scheduleId, kind, dueAt, cron, payload } = entry;
  if (typeof pluginId !== 'string' || pluginId === '' || typeof scheduleId !== 'string') return undefined;
  if (typeof payload !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(payload)) return undefined;
  const bytes = Buffer.from(payload, 'base64');
  if (kind === 'once' && typeof dueAt === 'number' && Number.isFinite(dueAt)) return { pluginId, scheduleId, payload: bytes, kind, dueAt };
  if (kind === 'cron' && typeof cron === 'string') return { pluginId, scheduleId, payload: bytes, kind, cron };
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
