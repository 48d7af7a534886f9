import type { ServiceName } from '../contract';
import type { HostServiceName, HttpPermission, SubsonicApiPermission, WebSocketPermission } from '../host';

/**
 * The form manifest.json was written in: `services` (ndphost's own, from the early design of
 * Navidrome's plugin system) or `capabilities` (plugins built for released Navidrome v0.57-v0.59).
 * Shown by `plugin list` and `info`; nothing past loading asks it, since the manifest is turned
 * into the facts below.
 */
export type ManifestDialect = 'services' | 'capabilities';

/** The plugin services the `services` form may declare. */
export const SERVICES_FORM_NAMES = ['MetadataAgent', 'Scrobbler', 'TimerCallback', 'LifecycleManagement'] as const satisfies readonly ServiceName[];
export type ServicesFormName = (typeof SERVICES_FORM_NAMES)[number];

/** The capabilities of the released form (released-dialect.md, section 1). */
export const CAPABILITY_NAMES = ['MetadataAgent', 'Scrobbler', 'SchedulerCallback', 'LifecycleManagement', 'WebSocketCallback'] as const satisfies readonly ServiceName[];
export type CapabilityName = (typeof CAPABILITY_NAMES)[number];

/** The host services of the `services` form: HTTP (under permissions.http or Plugins.DefaultHttp), timers, its config. */
export const SERVICES_FORM_HOST_SERVICES: readonly HostServiceName[] = ['http', 'timer', 'config'];

/** A manifest's permissions, one entry per host service. */
export interface Permissions {
  readonly http?: HttpPermission;
  readonly websocket?: WebSocketPermission;
  readonly subsonicapi?: SubsonicApiPermission;
  readonly [hostService: string]: { readonly reason: string } | undefined;
}

/** A validated manifest.json, either form, as one shape. */
export interface Manifest {
  readonly dialect: ManifestDialect;
  readonly name: string;
  readonly author: string;
  readonly version: string;
  readonly description: string;
  /** The capabilities form requires it (presence only, as released). */
  readonly website?: string;
  /** The plugin services it serves: its `services`, or its `capabilities`, without repeats. */
  readonly services: readonly ServiceName[];
  readonly permissions: Permissions;
  /** The host services whose `env` imports it is offered. */
  readonly hostServices: readonly HostServiceName[];
  /**
   * How its `[PluginConfig.<id>]` keys reach it: as written, or lower-cased, as released
   * Navidrome's config loader (viper) delivered them (a plugin reads `clientid` for `ClientID`).
   */
  readonly configKeys: 'as-written' | 'lower-case';
}
