/**
 * Per-plugin records kept across restarts in one JSON file per host service (timers; later
 * schedules): atomic writes, changes applied only once they are on disk, bad entries skipped
 * and reported while the good ones are kept.
 */
export {
  /** The records of one host service, loaded at start and written whole after each change. */
  PersistedRecords,
  /** Removes one plugin's records from a file, with no service running (CLI `plugin remove`). */
  releaseOwnerInFile,
} from './persisted-records';
export type { CommitResult, PersistedRecordsOptions, RecordCodec, RecordEdit, StoredRecord } from './persisted-records';
export {
  /** True for a plain JSON object, for codecs checking an entry. */
  isObject,
} from './record-file';
