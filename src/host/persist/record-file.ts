import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * A JSON file of records that a host service keeps across restarts, such as `timers.json`:
 *
 *   { "version": 1,
 *     "timers": [ { "pluginId": "wikibio", "timerId": "refresh", ... }, ... ] }
 *
 * The list's name and the version are the service's; each entry's shape is its codec's.
 */
export interface RecordFormat {
  /** The name of the file's list, e.g. `timers`. */
  readonly list: string;
  readonly version: number;
}

/** What a record file holds, as a fact: missing, unusable as a whole, or a list of raw entries. */
export type RecordFileContent =
  | { readonly kind: 'missing' }
  | { readonly kind: 'unusable'; readonly problem: string }
  | { readonly kind: 'entries'; readonly entries: readonly unknown[] };

/** Reads a record file; only the outer shape is checked here, each entry is the codec's. */
export async function readRecordFile(file: string, format: RecordFormat): Promise<RecordFileContent> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unusable', problem: `unreadable (${(error as Error).message})` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { kind: 'unusable', problem: `not valid JSON (${(error as Error).message})` };
  }
  const entries = isObject(parsed) && parsed.version === format.version ? parsed[format.list] : undefined;
  if (!Array.isArray(entries)) return { kind: 'unusable', problem: `expected {"version": ${format.version}, "${format.list}": [...]}` };
  return { kind: 'entries', entries };
}

/**
 * Replaces the file with these entries, atomically: a temp file in the same folder, written,
 * flushed to disk, then renamed over the file, so a crash or a failure at any step leaves the old
 * file or the new one, never half of one. Rejects with the cause (ENOSPC, EACCES, a string too
 * long to build...); the old file is then untouched and no temp file is left behind.
 */
export async function writeRecordFile(file: string, format: RecordFormat, entries: readonly unknown[]): Promise<void> {
  // Same folder as the file, so the rename stays on one filesystem. One fixed name is enough:
  // writes to one file are serialized by its owner, and a crash's leftover is removed first.
  const temp = `${file}.tmp`;
  let written = false;
  try {
    // Encoded inside the try: JSON.stringify throws RangeError past V8's string limit.
    const text = `${JSON.stringify({ version: format.version, [format.list]: entries }, null, 1)}\n`;
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await rm(temp, { force: true });
    // `wx`: a link or anything else planted at the temp name is refused, never followed.
    const handle = await open(temp, 'wx', 0o600);
    try {
      // The mode given to open passes through the umask; records are plugin data, for the
      // sidecar's user only.
      await handle.chmod(0o600);
      await handle.writeFile(text);
      // Without this, a power cut after the rename can leave an empty file on some filesystems.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    written = true;
  } finally {
    // A partial temp file (ENOSPC) would hold the very space that ran out.
    if (!written) await rm(temp, { force: true }).catch(() => undefined);
  }
  await syncFolder(path.dirname(file));
}

/**
 * Flushes the folder entry so the rename itself survives a power cut. Best effort: the rename
 * has happened, and some filesystems refuse fsync on a folder.
 */
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Nothing to undo: the new file is in place either way.
  }
}

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
