import path from 'node:path';
import { releaseOwnerInFile, type RecordCodec } from './persist';
import { SCHEDULE_CODEC, SCHEDULES_FILE, type SchedulerService } from './scheduler';
import type { CacheService } from './cache';
import { TIMER_CODEC, TIMERS_FILE, type TimerService } from './timer';
import type { WebSocketService } from './websocket';

/**
 * A host service that keeps state per plugin id (timers, schedules, cache entries, sockets).
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
  readonly scheduler: Pick<SchedulerService, 'hold'>;
  readonly cache: Pick<CacheService, 'hold'>;
  readonly websockets: Pick<WebSocketService, 'hold'>;
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
    // Picked by name, not Object.values: `services` may be every host service (HostServices), most
    // of which hold nothing. The mapped type makes a key added above a compile error until it is here.
    const { timers, scheduler, cache, websockets } = services;
    const holders: { readonly [K in keyof StatefulServices]: PluginStateHolder } = { timers, scheduler, cache, websockets };
    this.holders = Object.values(holders);
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
const PERSISTED: readonly { readonly file: string; readonly codec: RecordCodec<unknown> }[] = [
  { file: TIMERS_FILE, codec: TIMER_CODEC },
  { file: SCHEDULES_FILE, codec: SCHEDULE_CODEC },
];

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

/** `<DataFolder>/schedules.json`. */
export function schedulesFile(dataFolder: string): string {
  return path.join(dataFolder, SCHEDULES_FILE);
}
