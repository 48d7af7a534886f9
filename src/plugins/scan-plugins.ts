import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { NdpError } from '../errors';

/** A folder under the plugins folder that holds (or should hold) a plugin. */
export interface PluginFolder {
  /** The plugin id: the folder name. */
  readonly id: string;
  readonly folder: string;
  /** A symlink to a development folder (`plugin dev`). */
  readonly dev: boolean;
}

/**
 * Lists the plugin folders: every non-hidden subfolder (symlinks followed) that has a
 * manifest.json or a plugin.wasm. A folder with neither is not a plugin and is passed over;
 * one with only one of them is listed, so loading reports what is missing.
 */
export async function scanPlugins(pluginsFolder: string): Promise<PluginFolder[]> {
  const names = await readdir(pluginsFolder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw new NdpError('bad_config', `cannot read the plugins folder ${pluginsFolder}: ${error.message}`, { key: 'Plugins.Folder', path: pluginsFolder, cause: error });
  });
  const found = await Promise.all(names.map((name) => locatePlugin(pluginsFolder, name)));
  return found.filter((entry): entry is PluginFolder => entry !== undefined).sort((a, b) => a.id.localeCompare(b.id));
}

/** The plugin folder of one id, by the same rules as scanPlugins; undefined when there is none. */
export async function locatePlugin(pluginsFolder: string, id: string): Promise<PluginFolder | undefined> {
  if (id.startsWith('.') || id.includes('/') || id.includes(path.sep)) return undefined;
  const folder = path.join(pluginsFolder, id);
  const link = await lstat(folder).catch(() => undefined);
  if (!link || !(await isDirectory(folder))) return undefined;
  const [manifest, wasm] = await Promise.all([exists(path.join(folder, 'manifest.json')), exists(path.join(folder, 'plugin.wasm'))]);
  return manifest || wasm ? { id, folder, dev: link.isSymbolicLink() } : undefined;
}

async function isDirectory(file: string): Promise<boolean> {
  return stat(file).then((info) => info.isDirectory(), () => false);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}
