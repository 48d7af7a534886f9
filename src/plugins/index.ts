/** Plugin management: manifests, scanning, loading and the registry by service. */
export {
  /** Scans, loads and keeps the registry of plugins. */
  PluginManager,
} from './plugin-manager';
export type { PluginManagerOptions, PluginStatus } from './plugin-manager';
export {
  /** A loaded plugin, callable by export name. */
  Plugin,
} from './plugin';
export {
  /** Reads and validates a plugin folder's manifest.json. */
  loadManifest,
  /** Validates manifest.json text, e.g. from a package. */
  parseManifest,
} from './manifest';
export {
  /** Checks that every declared service's exports exist. */
  checkServiceExports,
} from './load-plugin';
export type { Manifest, HttpPermission } from './manifest';
