import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { decodeTimerFile, encodeTimerFile, type StoredTimer } from './timer-file';

export interface TimerStoreOptions {
  /** The JSON file in the data folder. */
  readonly file: string;
  readonly log: Logger;
}

/**
 * Keeps the timer file: loads it once at start and rewrites it whole after changes, one write at
 * a time, each atomic (temp file in the same folder, then rename) so a crash leaves the old or the
 * new file, never half of one.
 */
export class TimerStore {
  private readonly file: string;
  private readonly log: Logger;
  /** The last write queued; every new write starts after it, so writes never interleave. */
  private tail: Promise<void> = Promise.resolve();
  /** A write queued but not started: later saves join it instead of queueing another. */
  private queued?: Promise<void>;
  private snapshot: () => readonly StoredTimer[] = () => [];

  constructor(options: TimerStoreOptions) {
    this.file = options.file;
    this.log = options.log;
  }

  /**
   * The persisted timers; none when the file is missing. A corrupt or unreadable file is logged
   * and moved aside, so a bad file costs its timers but never start-up.
   */
  async load(): Promise<StoredTimer[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      await this.moveAside(`unreadable (${(error as Error).message})`);
      return [];
    }
    const decoded = decodeTimerFile(text);
    if (decoded.ok) return decoded.timers;
    await this.moveAside(decoded.problem);
    return [];
  }

  /**
   * Writes the timers `snapshot` returns. It is called when the write starts, not now, so a burst
   * of changes while a write runs costs one more write, not one each. Resolves once a write that
   * includes this change has finished; never rejects (a failed write is logged, and the timers
   * stay live in memory).
   */
  save(snapshot: () => readonly StoredTimer[]): Promise<void> {
    this.snapshot = snapshot;
    if (this.queued === undefined) {
      const write = this.tail.then(() => {
        this.queued = undefined;
        return this.write();
      });
      this.queued = write;
      this.tail = write;
    }
    return this.queued;
  }

  /** Waits for every write queued so far. */
  flush(): Promise<void> {
    return this.tail;
  }

  private async write(): Promise<void> {
    const text = encodeTimerFile(this.snapshot());
    // Same folder as the file, so rename stays on one filesystem and is atomic. One fixed name is
    // enough because writes are serialized; a leftover from a crash is simply overwritten.
    const temp = `${this.file}.tmp`;
    try {
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const handle = await open(temp, 'w', 0o600);
      try {
        // The mode given to open applies only to a new file and passes through the umask; payloads
        // are plugin data, so the file is for the sidecar's user only.
        await handle.chmod(0o600);
        await handle.writeFile(text);
        // Without this, a power cut after the rename can leave an empty file on some filesystems.
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.file);
    } catch (error) {
      this.log.error({ path: this.file, err: error }, 'could not write the timer file; its timers stay live until the sidecar stops');
    }
  }

  private async moveAside(problem: string): Promise<void> {
    const aside = `${this.file}.corrupt-${Date.now()}`;
    try {
      await rename(this.file, aside);
      this.log.error({ path: this.file, movedTo: aside, problem }, 'timer file is corrupt; moved aside, starting with no timers');
    } catch (error) {
      this.log.error({ path: this.file, problem, err: error }, 'timer file is corrupt and could not be moved aside; starting with no timers');
    }
  }
}
