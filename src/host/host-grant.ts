import type { HttpPermission } from './http';
import type { SubsonicApiPermission } from './subsonicapi';
import type { WebSocketPolicy } from './websocket';

/** The host services, as manifests name their permissions. Each provides a set of `env` imports. */
export const HOST_SERVICE_NAMES = ['http', 'timer', 'config', 'scheduler', 'cache', 'websocket', 'artwork', 'subsonicapi'] as const;

/** One host service, e.g. `http` or `cache`. */
export type HostServiceName = (typeof HOST_SERVICE_NAMES)[number];

/**
 * What one plugin version may do through host functions, decided when it is loaded (from its
 * manifest and config) and bound to every call it makes. Nothing here says which manifest form
 * it came from: the plugins layer has already turned that into these facts.
 */
export interface HostGrant {
  /** The host services whose `env` imports this version may call. */
  readonly services: ReadonlySet<HostServiceName>;
  /** `permissions.http`; undefined means the operator's Plugins.DefaultHttp applies. */
  readonly http?: HttpPermission;
  /** `permissions.websocket`, compiled; without it no connection is allowed. */
  readonly websocket?: WebSocketPolicy;
  /** `permissions.subsonicapi`: the users it may act as. */
  readonly subsonicapi?: SubsonicApiPermission;
  /** The `[PluginConfig.<id>]` settings it reads, keys as it expects them. */
  readonly config: Readonly<Record<string, string>>;
}
