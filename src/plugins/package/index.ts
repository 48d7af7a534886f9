/**
 * `.ndp` packages (plugin-system.md, "Plugin Package Format" and "Plugin Management"): reading
 * them safely, and installing, updating, removing, linking and packing plugins. Every change to
 * the plugins folder is validated first and published by one rename, so a refusal leaves the
 * folder byte-for-byte as it was.
 *
 * @example
 * const info = await readPackageInfo('wikibio.ndp');          // look first
 * const { id } = await installPlugin(pluginsFolder, 'wikibio.ndp');
 * const { oldVersion, newVersion } = await updatePlugin(pluginsFolder, 'wikibio.ndp');
 * await removePlugin(pluginsFolder, id);
 */
export {
  /** Installs a package as a new plugin; an id in use is refused with a hint to use update. */
  installPlugin,
} from './install-plugin';
export type { InstallOptions, InstallResult } from './install-plugin';
export {
  /** Replaces an installed plugin with a package; the old folder survives any failure untouched. */
  updatePlugin,
} from './update-plugin';
export type { UpdateResult } from './update-plugin';
export {
  /** Removes a plugin folder, or only the link of a dev plugin. */
  removePlugin,
} from './remove-plugin';
export type { RemoveResult } from './remove-plugin';
export {
  /** The entry at a path itself (a link is not followed), or undefined when there is none. */
  lstatOrUndefined,
} from './place-entry';
export {
  /** Finishes or undoes the changes a crash cut short in the plugins folder. */
  recoverLeftovers,
  /** What recoverLeftovers would do, changing nothing. */
  describeLeftovers,
} from './leftovers';
export type { Recovery } from './leftovers';
export {
  /** Links a validated development folder into the plugins folder (`plugin dev`). */
  linkDevPlugin,
} from './link-dev-plugin';
export type { DevOptions, DevResult } from './link-dev-plugin';
export {
  /** Builds a `.ndp` package from a plugin folder, validated as install validates. */
  packPlugin,
} from './pack-plugin';
export type { PackOptions, PackResult } from './pack-plugin';
export {
  /** Describes a package (manifest, hash, files, permissions) without installing it. */
  readPackageInfo,
  /** A manifest's permissions as a flat list, one per host service. */
  permissionRequests,
} from './package-info';
export type { PackageInfo, PermissionRequest } from './package-info';
export {
  /** Reads a package's four files into memory, refusing anything unsafe; for callers that only need the bytes. */
  readPackage,
} from './read-package';
export type { PackageContents, PackageEntry } from './read-package';
export {
  /** Reads a plugin folder's package files under the same caps as a package (for dev, pack, list). */
  readPluginFolder,
} from './read-plugin-folder';
export {
  /** The manifest, wasm and service-export checks shared by install, update, dev and pack. */
  validatePlugin,
} from './validate-plugin';
export type { ModuleRules, ValidatedPlugin, ValidateOptions } from './validate-plugin';
export {
  /** Throws `invalid_argument` unless a string is safe to use as a plugin id (a folder name). */
  checkPluginId,
  /** What makes a string unusable as a plugin id, as a fact for callers that raise their own error. */
  pluginIdProblem,
  /** An id quoted for a message, cut when long. */
  quotePluginId,
  /** The id a package installs as: its file name without `.ndp`. */
  pluginIdFromPackage,
} from './plugin-id';
export {
  /** The caps (per file, per package, entries) used when none are given. */
  DEFAULT_PACKAGE_LIMITS,
  /** The four names a package may hold. */
  PACKAGE_FILES,
  /** The default caps with some overridden. */
  packageLimits,
} from './package-layout';
export type { PackageFileName, PackageLimits } from './package-layout';
