import { copyFile, rename } from 'node:fs/promises';
import type { Logger } from 'pino';
import { messageOf, NdpError } from '../../errors';
import { readRecordFile, writeRecordFile, type RecordFormat } from './record-file';

/** One record: the plugin that owns it, its id within that plugin, and its value. */
export interface StoredRecord<T> {
  readonly owner: string;
  readonly id: string;
  readonly value: T;
}

/** How one service's records are written: the file's list and version, and each entry's shape. */
export interface RecordCodec<T> extends RecordFormat {
  encode(record: StoredRecord<T>): unknown;
  /** One entry back, or what is wrong with it (a fact, not an exception). */
  decode(entry: unknown): StoredRecord<T> | { readonly problem: string };
}

/** A change to one record: a value sets it, no value deletes it. */
export interface RecordEdit<T> {
  readonly owner: string;
  readonly id: string;
  readonly value?: T;
}

/** Whether a commit reached the disk. When it did not, none of its edits were applied. */
export type CommitResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

export interface PersistedRecordsOptions<T> {
  readonly file: string;
  readonly codec: RecordCodec<T>;
  readonly log: Logger;
  /** Told every change to the records in force, in order: the new value, or undefined when deleted. */
  readonly onChange?: (owner: string, id: string, value: T | undefined) => void;
}

interface Waiter<R> {
  readonly promise: Promise<R>;
  resolve(result: R): void;
}

interface Batch<T> {
  readonly edits: RecordEdit<T>[];
  readonly done: Waiter<CommitResult>;
}

const NONE: ReadonlyMap<string, never> = new Map<string, never>();

/** How much of a bad entry a log line shows. */
const PREVIEW_CHARS = 512;

/**
 * Records a host service keeps per plugin across restarts (timers; later schedules), in one
 * JSON file written whole and atomically. Two kinds of change:
 *
 * - `commit`: what a plugin asked for (register, cancel). Applied only once the file holding it
 *   is on disk; a failed write leaves the records as they were and says why, so the plugin is
 *   told and nothing it was not told about appears after a restart.
 * - `apply`: what the host decided (a timer fired, a plugin removed). In force at once, written
 *   with the next write; a failed write is logged and retried with the next one.
 *
 * Changes made in one turn share one write, one write runs at a time, and a write takes the
 * records as they are when it starts, so a burst of changes costs one more write, not one each.
 *
 * @example
 * const store = new PersistedRecords({ file, codec, log, onChange: arm });
 * await store.load();
 * const result = await store.commit([{ owner: 'wikibio', id: 'refresh', value }]);
 * if (!result.ok) return { error: result.error };
 */
export class PersistedRecords<T> {
  private readonly records = new Map<string, Map<string, T>>();
  /** Commits asked for since the current write started. */
  private queued?: Batch<T>;
  /** The commits the current write carries. */
  private writing?: Batch<T>;
  /** Applied changes the file does not hold yet. */
  private dirty = false;
  private applyWaiters: Waiter<void>[] = [];
  private running?: Promise<void>;

  constructor(private readonly options: PersistedRecordsOptions<T>) {}

  /**
   * Reads the file once, at start; none when it is missing. A file that is unusable as a whole is
   * logged and moved aside intact. Bad entries are logged one by one and skipped, the good ones
   * kept; the file is first copied aside as it was, then rewritten without them.
   */
  async load(): Promise<void> {
    const { file, codec, log } = this.options;
    const content = await readRecordFile(file, codec);
    if (content.kind === 'missing') return;
    if (content.kind === 'unusable') return this.moveAside(content.problem);
    const bad: { index: number; problem: string; entry: string }[] = [];
    for (const [index, entry] of content.entries.entries()) {
      const decoded = codec.decode(entry);
      // A later entry for the same owner and id replaces an earlier one, as a new commit would.
      if ('problem' in decoded) bad.push({ index, problem: decoded.problem, entry: preview(entry) });
      else this.ownedBy(decoded.owner).set(decoded.id, decoded.value);
    }
    if (bad.length === 0) return;
    const copy = `${file}.corrupt-${Date.now()}`;
    const kept = await copyFile(file, copy).then(
      () => copy,
      (error: unknown) => void log.error({ path: file, err: error }, `could not keep a copy of the ${codec.list} file before dropping its bad entries`),
    );
    for (const { index, problem, entry } of bad) {
      log.error({ path: file, keptAt: kept, index, problem, entry }, `${codec.list} file: entry ${index} is bad and was skipped; the good ones are kept`);
    }
    this.dirty = true;
    this.schedule();
  }

  /** Every owner's records together, e.g. for a gauge read at scrape time. */
  get size(): number {
    let size = 0;
    for (const own of this.records.values()) size += own.size;
    return size;
  }

  /** The records in force that `owner` holds. */
  owned(owner: string): ReadonlyMap<string, T> {
    return this.records.get(owner) ?? NONE;
  }

  /** Every record in force. */
  *all(): IterableIterator<StoredRecord<T>> {
    for (const [owner, own] of this.records) for (const [id, value] of own) yield { owner, id, value };
  }

  /** What `owner` will hold once every commit asked for so far is written: what caps count. */
  pending(owner: string): Map<string, T> {
    const result = new Map(this.owned(owner));
    for (const batch of [this.writing, this.queued]) {
      for (const edit of batch?.edits ?? []) {
        if (edit.owner !== owner) continue;
        if (edit.value === undefined) result.delete(edit.id);
        else result.set(edit.id, edit.value);
      }
    }
    return result;
  }

  /**
   * What `owner` holds now, as a release of exactly that: records set afterwards (a refreshed
   * version's OnInit) or replaced meanwhile are spared. The release is applied (in force at once,
   * persisted with the next write); see PluginState.
   */
  hold(owner: string): () => Promise<void> {
    const held = new Map(this.owned(owner));
    return async () => {
      const own = this.owned(owner);
      const edits = [...held].filter(([id, value]) => own.get(id) === value).map(([id]) => ({ owner, id }));
      if (edits.length > 0) await this.apply(edits);
    };
  }

  /** Applies the edits once a file holding them is on disk; never rejects. */
  commit(edits: readonly RecordEdit<T>[]): Promise<CommitResult> {
    this.queued ??= { edits: [], done: waiter() };
    this.queued.edits.push(...edits);
    this.schedule();
    return this.queued.done.promise;
  }

  /** Applies the edits now; resolves once the next write has been tried (a failure is logged). */
  apply(edits: readonly RecordEdit<T>[]): Promise<void> {
    for (const edit of edits) this.put(edit);
    this.dirty = true;
    const written = waiter<void>();
    this.applyWaiters.push(written);
    this.schedule();
    return written.promise;
  }

  /** Waits for every write asked for so far; applied changes a failed write left out get one more try. */
  async flush(): Promise<void> {
    if (this.dirty && this.running === undefined) this.schedule();
    await this.running;
  }

  private schedule(): void {
    // A turn later, so every change made in this turn rides the same write.
    this.running ??= Promise.resolve().then(() => this.drain());
  }

  private async drain(): Promise<void> {
    const { file, codec, log } = this.options;
    while (this.queued !== undefined || this.dirty) {
      const batch = (this.writing = this.queued);
      this.queued = undefined;
      const waiters = this.applyWaiters.splice(0);
      const wasDirty = this.dirty;
      this.dirty = false;
      let failure: unknown;
      try {
        await writeRecordFile(file, codec, this.entriesWith(batch?.edits ?? []));
      } catch (error) {
        failure = error;
      }
      this.writing = undefined;
      if (failure === undefined) {
        for (const edit of batch?.edits ?? []) this.put(edit);
        batch?.done.resolve({ ok: true });
      } else {
        this.dirty ||= wasDirty;
        log.error({ path: file, err: failure, refused: batch?.edits.length ?? 0 }, `could not write the ${codec.list} file; the changes asked for were refused, the host's own are kept in memory`);
        batch?.done.resolve({ ok: false, error: messageOf(failure) });
      }
      for (const written of waiters) written.resolve();
      // Applied changes alone are not retried at once after a failure: a broken disk would spin.
      // The next change, or flush at close, tries again.
      if (failure !== undefined && this.queued === undefined) break;
    }
    this.running = undefined;
  }

  /** The file's entries: the records in force with `edits` laid over them. */
  private entriesWith(edits: readonly RecordEdit<T>[]): unknown[] {
    const { codec } = this.options;
    const overlay = new Map<string, Map<string, RecordEdit<T>>>();
    for (const edit of edits) {
      let own = overlay.get(edit.owner);
      if (own === undefined) overlay.set(edit.owner, (own = new Map()));
      own.set(edit.id, edit);
    }
    const entries: unknown[] = [];
    for (const { owner, id, value } of this.all()) if (!overlay.get(owner)?.has(id)) entries.push(codec.encode({ owner, id, value }));
    for (const [owner, own] of overlay) for (const [id, { value }] of own) if (value !== undefined) entries.push(codec.encode({ owner, id, value }));
    return entries;
  }

  private put({ owner, id, value }: RecordEdit<T>): void {
    if (value === undefined) {
      const own = this.records.get(owner);
      if (!own?.delete(id)) return;
      if (own.size === 0) this.records.delete(owner);
    } else {
      this.ownedBy(owner).set(id, value);
    }
    this.options.onChange?.(owner, id, value);
  }

  private ownedBy(owner: string): Map<string, T> {
    let own = this.records.get(owner);
    if (own === undefined) this.records.set(owner, (own = new Map()));
    return own;
  }

  private async moveAside(problem: string): Promise<void> {
    const { file, codec, log } = this.options;
    const aside = `${file}.corrupt-${Date.now()}`;
    try {
      await rename(file, aside);
      log.error({ path: file, movedTo: aside, problem }, `${codec.list} file is unusable; moved aside, starting with none`);
    } catch (error) {
      log.error({ path: file, problem, err: error }, `${codec.list} file is unusable and could not be moved aside; starting with none`);
    }
  }
}

/**
 * With no service running (`ndphost plugin remove` and no sidecar): removes `owner`'s records
 * from the file and keeps every other entry as it is, bad ones included. Resolves how many went.
 */
export async function releaseOwnerInFile<T>(file: string, codec: RecordCodec<T>, owner: string): Promise<number> {
  const content = await readRecordFile(file, codec);
  if (content.kind === 'missing') return 0;
  if (content.kind === 'unusable') {
    throw new NdpError('failed_precondition', `${file} is ${content.problem}; the ${codec.list} of ${owner} in it were not removed`, { path: file, pluginId: owner });
  }
  const kept = content.entries.filter((entry) => {
    const decoded = codec.decode(entry);
    return 'problem' in decoded || decoded.owner !== owner;
  });
  const removed = content.entries.length - kept.length;
  if (removed === 0) return 0;
  try {
    await writeRecordFile(file, codec, kept);
  } catch (error) {
    throw new NdpError('internal', `could not remove the ${codec.list} of ${owner} from ${file}: ${messageOf(error)}`, { path: file, pluginId: owner, cause: error });
  }
  return removed;
}

function waiter<R>(): Waiter<R> {
  let resolve!: (result: R) => void;
  const promise = new Promise<R>((done) => (resolve = done));
  return { promise, resolve };
}

function preview(entry: unknown): string {
  const text = JSON.stringify(entry) ?? String(entry);
  return text.length <= PREVIEW_CHARS ? text : `${text.slice(0, PREVIEW_CHARS)}... (${text.length} characters)`;
}
