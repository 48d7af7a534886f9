import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { NdpError } from '../errors';
import { parseManifest, type Manifest } from '../plugins';
import { DEFAULT_PACKAGE_LIMITS, validatePlugin, type ModuleRules, type PackageFileName } from '../plugins/package';

/** A plugin folder as the offline commands see it: checked as loading would check it, never run. */
export interface InstalledPlugin {
  /** The plugin id: the folder name. */
  readonly id: string;
  readonly folder: string;
  /** A symlink to a development folder (`plugin dev`). */
  readonly dev: boolean;
  /** For a dev link: the folder it points to. */
  readonly target?: string;
  /** `valid`: the manifest, module and service exports pass the load-time checks. */
  readonly state: 'valid' | 'failed';
  /** Present whenever manifest.json itself is valid, even if the module is not. */
  readonly manifest?: Manifest;
  /** SHA-256 of plugin.wasm, hex, for a valid plugin. */
  readonly wasmSha256?: string;
  /** Why it failed. */
  readonly error?: string;
}

const PLUGIN_FILES: readonly PackageFileName[] = ['manifest.json', 'plugin.wasm'];

/**
 * Every plugin folder under the plugins folder, by id, by the scanner's rules: hidden entries
 * skipped, links followed, a folder with neither manifest.json nor plugin.wasm is not a plugin.
 * A missing plugins folder has no plugins (and is not created: listing writes nothing).
 */
export async function readInstalledPlugins(pluginsFolder: string, rules: ModuleRules): Promise<InstalledPlugin[]> {
  const names = await readdir(pluginsFolder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw new NdpError('bad_config', `cannot read the plugins folder ${pluginsFolder}: ${error.message}`, { key: 'Plugins.Folder', path: pluginsFolder, cause: error });
  });
  const found = await Promise.all(names.filter((name) => !name.startsWith('.')).map((name) => readInstalledPlugin(pluginsFolder, name, rules)));
  return found.filter((plugin): plugin is InstalledPlugin => plugin !== undefined).sort((a, b) => a.id.localeCompare(b.id));
}

/** One plugin folder, checked; undefined when the plugins folder has no plugin by this id. */
export async function readInstalledPlugin(pluginsFolder: string, id: string, rules: ModuleRules): Promise<InstalledPlugin | undefined> {
  const folder = path.join(pluginsFolder, id);
  const link = await lstat(folder).catch(() => undefined);
  const isFolder = await stat(folder).then((info) => info.isDirectory(), () => false);
  if (!link || !isFolder) return undefined;
  const dev = link.isSymbolicLink();
  const where = { id, folder, dev, ...(dev ? { target: await readlink(folder) } : {}) };
  const files = new Map<PackageFileName, Buffer>();
  try {
    for (const name of PLUGIN_FILES) {
      const data = await readPluginFile(folder, name, id);
      if (data) files.set(name, data);
    }
  } catch (error) {
    return { ...where, state: 'failed', error: messageOf(error) };
  }
  if (files.size === 0) return undefined;
  let manifest: Manifest | undefined;
  try {
    // Parsed on its own first, so a plugin whose module is broken still shows its name and version.
    const text = files.get('manifest.json');
    if (text) manifest = parseManifest(text.toString('utf8'), id, folder);
    const { wasmHash } = await validatePlugin(files, id, folder, rules);
    return { ...where, state: 'valid', manifest, wasmSha256: wasmHash };
  } catch (error) {
    return { ...where, state: 'failed', ...(manifest ? { manifest } : {}), error: messageOf(error) };
  }
}

/** A plugin file's bytes, or undefined when it is missing; the size cap is a package's. */
async function readPluginFile(folder: string, name: PackageFileName, id: string): Promise<Buffer | undefined> {
  const file = path.join(folder, name);
  const info = await stat(file).catch(() => undefined);
  if (!info) return undefined;
  if (!info.isFile()) throw new NdpError('bad_package', `plugin ${id}: ${name} is not a regular file`, { pluginId: id, path: file });
  if (info.size > DEFAULT_PACKAGE_LIMITS.maxFileBytes) {
    throw new NdpError('bad_package', `plugin ${id}: ${name} is over the ${DEFAULT_PACKAGE_LIMITS.maxFileBytes}-byte cap for one file`, { pluginId: id, path: file });
  }
  return readFile(file);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
