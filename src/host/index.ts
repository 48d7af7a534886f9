/** Host services plugins reach through `env` imports, and the broker between them and the sandbox. */
export {
  /** The names of the host functions plugins import from `env`. */
  HOST_FUNCTIONS,
  /** Serves host calls from the sandbox with the services below, under each call's grant. */
  createHostBroker,
  /** The host service an `env` import belongs to (for load-time checks). */
  hostServiceOf,
} from './host-broker';
export type { HostServices } from './host-function';
export {
  /** Stops every host service at shutdown. */
  closeHostServices,
} from './close-host-services';
export {
  /** Every host service, as manifests name their permissions. */
  HOST_SERVICE_NAMES,
} from './host-grant';
export type { HostGrant, HostServiceName } from './host-grant';
export {
  /** Performs plugins' HTTP requests under their permissions and the operator's limits. */
  HttpService,
  /** Checks a manifest's `permissions.http` (patterns, methods); throws `bad_manifest`. */
  compileHttpPolicy,
} from './http';
export type { HttpOutcome, HttpPermission } from './http';
export {
  /** The main server's artwork share URLs. */
  ArtworkService,
} from './artwork';
export {
  /** Plugins' caches of typed values with a TTL. */
  CacheService,
} from './cache';
export {
  /** Plugins' timers, persisted across restarts. */
  TimerService,
} from './timer';
export {
  /** Plugins' WebSocket connections. */
  WebSocketService,
  /** Checks a manifest's `permissions.websocket` patterns; throws `bad_manifest`. */
  compileWebSocketPolicy,
} from './websocket';
export type { WebSocketEvent, WebSocketPermission, WebSocketPolicy } from './websocket';
export {
  /** Plugins' one-time and cron schedules, persisted across restarts. */
  SchedulerService,
} from './scheduler';
export {
  /** The main server's Subsonic API, for plugins. */
  SubsonicApiService,
} from './subsonicapi';
export type { SubsonicApiPermission } from './subsonicapi';
export {
  /** The one place a plugin's per-plugin state (timers, schedules, cache, sockets) is released, on refresh and remove. */
  PluginState,
  /** Releases a plugin's persisted state with no sidecar running (CLI `plugin remove`). */
  releasePersistedPluginState,
  /** `<DataFolder>/timers.json`. */
  timersFile,
  /** `<DataFolder>/schedules.json`. */
  schedulesFile,
} from './plugin-state';
export type { PluginStateHolder, ReleasedRecords, StatefulServices } from './plugin-state';
