import type { Logger } from 'pino';
import { NdpError } from '../../errors';
import { PersistedRecords, type CommitResult, type RecordCodec } from '../persist';
import { LongTimeout } from './long-timeout';

/** Timer and schedule ids are the plugin's own strings; they are written to the file beside the payload. */
export const MAX_TIMER_ID_BYTES = 1024;

/** What one plugin's records of one service may hold. */
export interface RecordLimits {
  /** Live records one plugin may hold. */
  readonly maxRecords: number;
  /** Payload bytes of one record. */
  readonly maxPayloadBytes: number;
  /** Payload bytes of all of one plugin's live records together. */
  readonly maxPayloadBytesPerPlugin: number;
}

/** How a service's messages name its records: 'timer'/'timers' and the key that caps their count. */
export interface RecordWords {
  readonly one: string;
  readonly many: string;
  readonly maxKey: string;
}

export interface ArmedRecordsOptions<V> {
  /** The JSON file in the data folder that keeps the records across restarts. */
  readonly file: string;
  readonly codec: RecordCodec<V>;
  readonly limits: RecordLimits;
  readonly words: RecordWords;
  readonly log: Logger;
  /** When `value` falls due next after `from` (ms since the epoch); undefined when never again. */
  readonly nextDue: (value: V, from: number) => number | undefined;
  /** Runs when a record still in force falls due. */
  readonly onDue: (owner: string, id: string, value: V, dueAt: number) => void;
}

/**
 * Per-plugin records that fall due at a wall-clock time, kept on disk: what the timer and the
 * scheduler services share. Live timeouts follow the records in force (armed when one is
 * written, cleared when it goes), so what fires is always what the file holds; a change is
 * answered only once it is on disk.
 */
export class ArmedRecords<V extends { readonly payload: Uint8Array }> {
  private readonly store: PersistedRecords<V>;
  /** owner -> id -> the armed timeout of the record in force */
  private readonly armed = new Map<string, Map<string, LongTimeout>>();
  private state: 'new' | 'started' | 'closed' = 'new';

  constructor(private readonly options: ArmedRecordsOptions<V>) {
    this.store = new PersistedRecords({ file: options.file, codec: options.codec, log: options.log, onChange: (owner, id, value) => this.follow(owner, id, value, Date.now()) });
  }

  /** Loads the file and arms what it holds; how many records were restored. */
  async start(service: string): Promise<number> {
    if (this.state !== 'new') throw new NdpError('internal', `${service}.start() called when ${this.state}`);
    await this.store.load();
    // close() may have run while the file was read; arming now would leak timeouts.
    if (this.state !== 'new') return 0;
    this.state = 'started';
    let restored = 0;
    for (const { owner, id, value } of this.store.all()) {
      this.follow(owner, id, value, Date.now());
      restored++;
    }
    return restored;
  }

  /** False once closed; a use before start() is the host's own bug. */
  accepting(service: string): boolean {
    if (this.state === 'new') throw new NdpError('internal', `${service} used before start()`);
    return this.state === 'started';
  }

  /** Writes (or replaces) `owner`'s record `id`, armed once it is on disk. Check overLimit first. */
  write(owner: string, id: string, value: V): Promise<CommitResult> {
    return this.store.commit([{ owner, id, value }]);
  }

  /** Whether `owner` holds (or is about to hold) a record `id`. */
  has(owner: string, id: string): boolean {
    return this.store.pending(owner).has(id);
  }

  /** Removes `owner`'s record `id`, which cannot fire while the change is written; armed again if the write fails. */
  async cancel(owner: string, id: string): Promise<CommitResult> {
    const held = this.store.owned(owner).get(id);
    this.armed.get(owner)?.get(id)?.clear();
    const result = await this.store.commit([{ owner, id }]);
    // Not cancelled after all: the record in force (if it did not change meanwhile) is armed again.
    if (!result.ok && held !== undefined && this.store.owned(owner).get(id) === held) this.follow(owner, id, held, Date.now());
    return result;
  }

  /**
   * Forgets a record that has fired, before its callback runs: a crash during the callback loses
   * it rather than firing it twice, since "fires once" is what plugins are promised.
   */
  forget(owner: string, id: string): void {
    void this.store.apply([{ owner, id }]);
  }

  /** Arms `value` again for its next time after `from` (a recurring record that just fired). */
  rearm(owner: string, id: string, value: V, from: number): void {
    this.follow(owner, id, value, from);
  }

  /** Whether `value` is still the record in force for `owner`/`id`. */
  inForce(owner: string, id: string, value: V): boolean {
    return this.store.owned(owner).get(id) === value;
  }

  /**
   * What `owner` holds now, as a release of exactly that: records written afterwards (by a
   * refreshed version's OnInit) are spared. In force at once, persisted with the next write.
   */
  hold(owner: string): () => Promise<void> {
    const release = this.store.hold(owner);
    return async () => {
      if (this.state !== 'closed') await release();
    };
  }

  /** Live records of every owner together. */
  get total(): number {
    return this.store.size;
  }

  /** Live records of one owner. */
  count(owner: string): number {
    return this.store.owned(owner).size;
  }

  /** Stops every timeout and waits for pending writes; the records stay for the next start. */
  async close(): Promise<void> {
    this.state = 'closed';
    for (const own of this.armed.values()) for (const timeout of own.values()) timeout.clear();
    this.armed.clear();
    await this.store.flush();
  }

  /** Why writing a record `id` with this much payload would take the owner past a cap, or undefined. */
  overLimit(owner: string, id: string, payloadBytes: number): string | undefined {
    const { maxRecords, maxPayloadBytes, maxPayloadBytesPerPlugin } = this.options.limits;
    const { one, many, maxKey } = this.options.words;
    const idBytes = Buffer.byteLength(id);
    if (idBytes > MAX_TIMER_ID_BYTES) return `${one} id is ${idBytes} bytes, over the ${MAX_TIMER_ID_BYTES}-byte cap`;
    if (payloadBytes > maxPayloadBytes) return `payload is ${payloadBytes} bytes, over the ${maxPayloadBytes}-byte cap for one ${one} (Plugins.MaxTimerPayloadBytes)`;
    // Counted against what the owner will hold once the writes already asked for are done.
    const own = this.store.pending(owner);
    const replaced = own.get(id);
    // Replacing an id keeps the count, so only a new id can hit the cap.
    if (replaced === undefined && own.size >= maxRecords) return `plugin ${owner} already has ${maxRecords} ${many}, the most allowed (${maxKey})`;
    let total = payloadBytes - (replaced?.payload.byteLength ?? 0);
    for (const { payload } of own.values()) total += payload.byteLength;
    if (total > maxPayloadBytesPerPlugin) {
      return `plugin ${owner}'s ${many} would hold ${total} bytes of payload, over the ${maxPayloadBytesPerPlugin}-byte cap per plugin (Plugins.MaxTimerPayloadBytesPerPlugin)`;
    }
    return undefined;
  }

  /** Keeps the armed timeouts in step with the records in force. */
  private follow(owner: string, id: string, value: V | undefined, from: number): void {
    let own = this.armed.get(owner);
    own?.get(id)?.clear();
    const dueAt = value === undefined || this.state === 'closed' ? undefined : this.options.nextDue(value, from);
    if (value === undefined || dueAt === undefined) {
      own?.delete(id);
      if (own?.size === 0) this.armed.delete(owner);
      return;
    }
    if (own === undefined) this.armed.set(owner, (own = new Map()));
    own.set(id, new LongTimeout(dueAt, () => {
      if (this.inForce(owner, id, value)) this.options.onDue(owner, id, value, dueAt);
    }));
  }
}
