import type { GoalReport } from './goals';
import type { BenchOptions } from './options';
import type { BenchFolders } from './plugin-folders';

/** What every bench section gets. */
export interface BenchContext {
  readonly options: BenchOptions;
  readonly goals: GoalReport;
  readonly folders: BenchFolders;
  /** test/fixtures/plugins/fixture: the 17 KB AssemblyScript plugin every baseline uses. */
  readonly fixture: Uint8Array<ArrayBuffer>;
  /** A full run's call count, or a tenth of it (at least `floor`) in quick mode. */
  calls(full: number, floor?: number): number;
}

/** The export every bench call goes to, and the request it sends. */
export const EXPORT = 'metadata_agent_get_artist_biography';
