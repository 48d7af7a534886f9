/** Host services plugins reach through `env` imports: HTTP and timers, and the broker between them and the sandbox. */
export {
  /** The names of the host functions plugins import from `env`. */
  HOST_FUNCTIONS,
  /** Serves host calls from the sandbox with the services below. */
  createHostBroker,
} from './host-broker';
export type { HostServices } from './host-broker';
export {
  /** Performs plugins' HTTP requests under their permissions and the operator's limits. */
  HttpService,
  /** Checks a manifest's `permissions.http` (patterns, methods); throws `bad_manifest`. */
  compileHttpPolicy,
} from './http';
export type { HttpPermission } from './http';
export {
  /** Plugins' timers, persisted across restarts. */
  TimerService,
} from './timer';
export {
  /** The one place a plugin's per-plugin state (timers) is released, on refresh and remove. */
  PluginState,
  /** Releases a plugin's persisted state with no sidecar running (CLI `plugin remove`). */
  releasePersistedPluginState,
  /** `<DataFolder>/timers.json`. */
  timersFile,
} from './plugin-state';
export type { PluginStateHolder, ReleasedRecords, StatefulServices } from './plugin-state';
