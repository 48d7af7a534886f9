/**
 * The persisted timer file, `<DataFolder>/timers.json`. Version 1:
 *
 *   { "version": 1,
 *     "timers": [ { "pluginId": "wikibio", "timerId": "refresh", "dueAt": 1767225600000,
 *                   "payload": "<base64>" } ] }
 *
 * `dueAt` is wall-clock ms since the epoch, so time spent with the sidecar down counts.
 */
import { isObject, type RecordCodec } from '../persist';

/** The file's name in the data folder. */
export const TIMERS_FILE = 'timers.json';

/** One timer as it is kept across restarts; its plugin and timer id are the record's owner and id. */
export interface TimerRecord {
  /** ms since the epoch */
  readonly dueAt: number;
  readonly payload: Uint8Array;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** How a timer is written in the file, and read back. */
export const TIMER_CODEC: RecordCodec<TimerRecord> = {
  list: 'timers',
  version: 1,
  encode: ({ owner, id, value }) => ({
    pluginId: owner,
    timerId: id,
    dueAt: value.dueAt,
    payload: Buffer.from(value.payload.buffer, value.payload.byteOffset, value.payload.byteLength).toString('base64'),
  }),
  decode(entry) {
    if (!isObject(entry)) return { problem: 'is not an object' };
    const { pluginId, timerId, dueAt, payload } = entry;
    if (typeof pluginId !== 'string' || pluginId === '') return { problem: 'needs a non-empty string pluginId' };
    if (typeof timerId !== 'string' || timerId === '') return { problem: 'needs a non-empty string timerId' };
    if (typeof dueAt !== 'number' || !Number.isFinite(dueAt)) return { problem: 'needs a numeric dueAt (ms since the epoch)' };
    if (typeof payload !== 'string' || !BASE64.test(payload)) return { problem: 'needs a base64 payload' };
    return { owner: pluginId, id: timerId, value: { dueAt, payload: Buffer.from(payload, 'base64') } };
  },
};
