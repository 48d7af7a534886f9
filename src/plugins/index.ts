/** Plugin management: manifests, scanning, loading and the registry by service. */
export {
  /** Scans, loads and keeps the registry of plugins. */
  PluginManager,
} from './plugin-manager';
export type { PluginManagerOptions, PluginStatus, ReloadResult } from './plugin-manager';
export {
  /** Lists the plugin folders under the plugins folder (hidden entries skipped, links followed). */
  scanPlugins,
  /** The plugin folder of one id, by the same rules. */
  locatePlugin,
} from './scan-plugins';
export type { PluginFolder } from './scan-plugins';
export {
  /** Plugins.AutoReload: rescans when plugin files change. */
  watchPlugins,
} from './watch-plugins';
export type { PluginWatcher } from './watch-plugins';
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
  /** The error for a plugin entry the scanner could not use as it is. */
  folderProblem,
} from './load-plugin';
export type { Manifest } from './manifest';
export {
  /** Installs a `.ndp` package as a new plugin. */
  installPlugin,
  /** Replaces an installed plugin with a `.ndp` package, keeping the old one on any failure. */
  updatePlugin,
  /** Removes a plugin folder, or only the link of a dev plugin. */
  removePlugin,
  /** Links a development folder into the plugins folder (`plugin dev`). */
  linkDevPlugin,
  /** Builds a `.ndp` package from a plugin folder. */
  packPlugin,
  /** Describes a `.ndp` package without installing it. */
  readPackageInfo,
  /** Throws `invalid_argument` unless a string is a safe plugin id. */
  checkPluginId,
  /** What makes a string unusable as a plugin id; undefined when it is fine. */
  pluginIdProblem,
  /** An id quoted for a message, cut to 64 characters. */
  quotePluginId,
  /** The default caps on package sizes and entries. */
  DEFAULT_PACKAGE_LIMITS,
  /** The default caps with some overridden. */
  packageLimits,
  /** The manifest, wasm and service-export checks shared by install, update, dev and pack. */
  validatePlugin,
  /** Reads a plugin folder's package files under the package caps. */
  readPluginFolder,
  /** A manifest's permissions as a flat list, one per host service. */
  permissionRequests,
  /** The id a package installs as: its file name without `.ndp`. */
  pluginIdFromPackage,
  /** Finishes or undoes the changes a crash cut short in the plugins folder (`.ndp-old-*`, `.ndp-tmp-*`). */
  recoverLeftovers,
  /** What recoverLeftovers would do, changing nothing (for `plugin list`). */
  describeLeftovers,
  /** The entry at a path itself (a link is not followed), or undefined when there is none. */
  lstatOrUndefined,
} from './package';
export type {
  InstallOptions,
  InstallResult,
  UpdateResult,
  RemoveResult,
  DevOptions,
  DevResult,
  PackOptions,
  PackResult,
  PackageInfo,
  PackageEntry,
  PermissionRequest,
  PackageLimits,
  ModuleRules,
  Recovery,
} from './package';
