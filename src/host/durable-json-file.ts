import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

/**
 * One JSON file of host state that must survive a restart (a service's entries for every plugin),
 * rewritten whole after changes: one write at a time, each atomic (a temp file in the same folder,
 * fsync, rename), so a crash leaves the old or the new file, never half of one. A burst of
 * changes during a write costs one more write, not one each. A failed write is reported to the
 * callers whose change it carried and never blocks the writes after it.
 */
export class DurableJsonFile {
  /** The last write queued; every new write starts after it (settled either way). */
  private tail: Promise<void> = Promise.resolve();
  /** A write queued but not started: later saves join it instead of queueing another. */
  private queued?: Promise<void>;
  private snapshot: () => unknown = () => undefined;

  constructor(
    private readonly file: string,
    private readonly log: Logger,
  ) {}

  /**
   * The file's JSON, or undefined when there is none. A file that cannot be read or parsed is
   * logged and moved aside (kept for a person to look at), so a bad file never stops start-up.
   */
  async load(): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      await this.moveAside(`unreadable (${(error as Error).message})`);
      return undefined;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      await this.moveAside(`not valid JSON (${(error as Error).message})`);
      return undefined;
    }
  }

  /**
   * Writes what `snapshot` returns when the write starts (not now). Resolves once a write that
   * includes this change is on disk; rejects when that write failed (the caller decides whether
   * the plugin hears of it), and the next save tries again with a fresh snapshot.
   */
  save(snapshot: () => unknown): Promise<void> {
    this.snapshot = snapshot;
    if (this.queued === undefined) {
      const write = this.tail.then(() => {
        this.queued = undefined;
        return this.write();
      });
      this.queued = write;
      this.tail = write.catch(() => undefined);
    }
    return this.queued;
  }

  /** Waits for every write queued so far (never rejects). */
  flush(): Promise<void> {
    return this.tail;
  }

  private async write(): Promise<void> {
    // Encoded inside the write, so an encoding failure is this write's failure like any other.
    const text = `${JSON.stringify(this.snapshot(), null, 1)}\n`;
    // Same folder as the file, so rename stays on one filesystem and is atomic. One fixed name is
    // enough because writes are serialized; a leftover from a crash is simply overwritten.
    const temp = `${this.file}.tmp`;
    try {
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const handle = await open(temp, 'w', 0o600);
      try {
        // The mode given to open applies only to a new file and passes through the umask; the
        // contents are plugin data, so the file is for the sidecar's user only.
        await handle.chmod(0o600);
        await handle.writeFile(text);
        // Without this, a power cut after the rename can leave an empty file on some filesystems.
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.file);
    } catch (error) {
      this.log.error({ path: this.file, err: error }, 'could not write a host state file; its entries stay live until the sidecar stops');
      throw error;
    }
  }

  private async moveAside(problem: string): Promise<void> {
    const aside = `${this.file}.corrupt-${Date.now()}`;
    try {
      await rename(this.file, aside);
      this.log.error({ path: this.file, movedTo: aside, problem }, 'host state file is corrupt; moved aside, starting without it');
    } catch (error) {
      this.log.error({ path: this.file, problem, err: error }, 'host state file is corrupt and could not be moved aside; starting without it');
    }
  }
}
