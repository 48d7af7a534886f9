/**
 * The persisted timer file. Version 1:
 *
 *   { "version": 1,
 *     "timers": [ { "pluginId": "wikibio", "timerId": "refresh", "dueAt": 1767225600000,
 *                   "payload": "<base64>" } ] }
 *
 * `dueAt` is wall-clock ms since the epoch, so time spent with the sidecar down counts.
 */

/** One timer as it is kept across restarts. */
export interface StoredTimer {
  readonly pluginId: string;
  readonly timerId: string;
  /** ms since the epoch */
  readonly dueAt: number;
  readonly payload: Uint8Array;
}

const VERSION = 1;

/** The file's text for a set of timers. */
export function encodeTimerFile(timers: readonly StoredTimer[]): string {
  const entries = timers.map((t) => ({
    pluginId: t.pluginId,
    timerId: t.timerId,
    dueAt: t.dueAt,
    payload: Buffer.from(t.payload.buffer, t.payload.byteOffset, t.payload.byteLength).toString('base64'),
  }));
  return `${JSON.stringify({ version: VERSION, timers: entries }, null, 1)}\n`;
}

/** The timers in a file's text, or what is wrong with it (a fact, not an exception). */
export type DecodedTimerFile = { ok: true; timers: StoredTimer[] } | { ok: false; problem: string };

/**
 * Reads the file's text. Any bad entry makes the whole file bad: the file is written atomically by
 * this host, so a bad entry means outside damage, and the caller keeps the file aside intact.
 */
export function decodeTimerFile(text: string): DecodedTimerFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `not valid JSON (${(error as Error).message})` };
  }
  if (!isObject(parsed) || parsed.version !== VERSION || !Array.isArray(parsed.timers)) {
    return { ok: false, problem: `expected {"version": ${VERSION}, "timers": [...]}` };
  }
  const timers: StoredTimer[] = [];
  for (const [index, entry] of parsed.timers.entries()) {
    const timer = decodeEntry(entry);
    if (timer === undefined) {
      return { ok: false, problem: `timers[${index}] needs string pluginId and timerId, numeric dueAt and base64 payload` };
    }
    timers.push(timer);
  }
  return { ok: true, timers };
}

function decodeEntry(entry: unknown): StoredTimer | undefined {
  if (!isObject(entry)) return undefined;
  const { pluginId, timerId, dueAt, payload } = entry;
  if (typeof pluginId !== 'string' || pluginId === '' || typeof timerId !== 'string' || timerId === '') return undefined;
  if (typeof dueAt !== 'number' || !Number.isFinite(dueAt)) return undefined;
  if (typeof payload !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(payload)) return undefined;
  return { pluginId, timerId, dueAt, payload: Buffer.from(payload, 'base64') };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
