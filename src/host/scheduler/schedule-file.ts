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
import { isObject, type RecordCodec } from '../persist';
import { parseCron, type CronExpression } from './cron-expression';

/** The file's name in the data folder. */
export const SCHEDULES_FILE = 'schedules.json';

/** One schedule; its plugin and schedule id are the record's owner and id. */
export type ScheduleRecord = { readonly payload: Uint8Array } & ({ readonly kind: 'once'; readonly dueAt: number } | { readonly kind: 'cron'; readonly cron: CronExpression });

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** How a schedule is written in the file, and read back (its cron expression parsed again). */
export const SCHEDULE_CODEC: RecordCodec<ScheduleRecord> = {
  list: 'schedules',
  version: 1,
  encode: ({ owner, id, value }) => ({
    pluginId: owner,
    scheduleId: id,
    kind: value.kind,
    ...(value.kind === 'once' ? { dueAt: value.dueAt } : { cron: value.cron.source }),
    payload: Buffer.from(value.payload.buffer, value.payload.byteOffset, value.payload.byteLength).toString('base64'),
  }),
  decode(entry) {
    if (!isObject(entry)) return { problem: 'is not an object' };
    const { pluginId, scheduleId, kind, dueAt, cron, payload } = entry;
    if (typeof pluginId !== 'string' || pluginId === '') return { problem: 'needs a non-empty string pluginId' };
    if (typeof scheduleId !== 'string' || scheduleId === '') return { problem: 'needs a non-empty string scheduleId' };
    if (typeof payload !== 'string' || !BASE64.test(payload)) return { problem: 'needs a base64 payload' };
    const bytes = Buffer.from(payload, 'base64');
    if (kind === 'once') {
      if (typeof dueAt !== 'number' || !Number.isFinite(dueAt)) return { problem: 'needs a numeric dueAt (ms since the epoch)' };
      return { owner: pluginId, id: scheduleId, value: { kind, dueAt, payload: bytes } };
    }
    if (kind !== 'cron' || typeof cron !== 'string') return { problem: 'needs kind "once" with a dueAt, or "cron" with a cron string' };
    const parsed = parseCron(cron);
    if ('problem' in parsed) return { problem: parsed.problem };
    return { owner: pluginId, id: scheduleId, value: { kind, cron: parsed, payload: bytes } };
  },
};
