import path from 'node:path';
import { releaseOwnerInFile, type RecordCodec } from './persist';
import { TIMER_CODEC, TIMERS_FILE, type TimerService } from './timer';

/**
 * A host service that keeps state per plugin id (timers; later cache entries, schedules, sockets).
 */
export interface PluginStateHolder {
  /**
   * Marks what `pluginId` holds now and returns the release of exactly that, so what a refreshed
   * version sets up while it loads (its OnInit's timers) is spared.
   */
  hold(pluginId: string): () => Promise<void>;
}

/** The host services that keep per-plugin state, by name: a new one is one more key here. */
export interface StatefulServices {
  readonly timers: Pick<TimerService, 'hold'>;
}

/**
 * The one place a plugin's per-plugin state is released, in every host service that keeps some.
 *
 * @example
 * const release = state.mark(id);   // refresh: before the new version loads
 * await loadNewVersion();           // a failure: release is never called, the state stays
 * await release();                  // loaded: the old version's state goes
 * await state.mark(id)();           // remove: everything, at once
 */
export class PluginState {
  private readonly holders: readonly PluginStateHolder[];

  constructor(services: StatefulServices) {
    this.holders = Object.values(services);
  }

  /** What `pluginId` holds now in every service; the returned function releases exactly that. */
  mark(pluginId: string): () => Promise<void> {
    const releases = this.holders.map((holder) => holder.hold(pluginId));
    return async () => {
      await Promise.all(releases.map((release) => release()));
    };
  }
}

/** The data folder files that keep per-plugin records across restarts, one per host service. */
const PERSISTED: readonly { readonly file: string; readonly codec: RecordCodec<unknown> }[] = [{ file: TIMERS_FILE, codec: TIMER_CODEC }];

/** What was released from one persisted file. */
export interface ReleasedRecords {
  readonly file: string;
  /** What the records are, e.g. `timers`. */
  readonly what: string;
  readonly count: number;
}

/**
 * Releases a plugin's persisted state when no sidecar is running (`ndphost plugin remove`): its
 * records go from every file in PERSISTED, every other entry stays as it was. A running sidecar
 * must not be bypassed like this: it keeps the records in memory and would write them back.
 */
export async function releasePersistedPluginState(dataFolder: string, pluginId: string): Promise<ReleasedRecords[]> {
  return Promise.all(
    PERSISTED.map(async ({ file, codec }) => {
      const where = path.join(dataFolder, file);
      return { file: where, what: codec.list, count: await releaseOwnerInFile(where, codec, pluginId) };
    }),
  );
}

/** Where a host service's records live in the data folder. */
export function timersFile(dataFolder: string): string {
  return path.join(dataFolder, TIMERS_FILE);
}
