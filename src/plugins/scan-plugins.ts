import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { NdpError } from '../errors';
import { pluginIdProblem, quotePluginId } from './package';

/** A folder under the plugins folder that holds (or should hold) a plugin. */
export interface PluginFolder {
  /** The plugin id: the folder name. */
  readonly id: string;
  readonly folder: string;
  /** A symlink to a development folder (`plugin dev`). */
  readonly dev: boolean;
  /**
   * Why this entry cannot be loaded as it is, though it is (or was meant to be) a plugin: a folder
   * that cannot be read, a dev link to nothing, a name that is no plugin id. Loading reports it.
   */
  readonly problem?: string;
}

/**
 * Lists the plugin folders: every non-hidden subfolder (symlinks followed) that has a
 * manifest.json or a plugin.wasm. A folder with neither is not a plugin and is passed over;
 * one with only one of them is listed, so loading reports what is missing. Nothing that may be a
 * plugin is passed over silently: an entry that cannot be examined is listed with its problem.
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
  if (!link) return undefined;
  const dev = link.isSymbolicLink();
  const at = { id, folder, dev };
  const target = await stat(folder).then(
    (info) => ({ info }),
    (error: NodeJS.ErrnoException) => ({ error }),
  );
  if ('error' in target) {
    // A dev link whose development folder was deleted or moved is still the user's plugin.
    if (dev && target.error.code === 'ENOENT') return { ...at, problem: `is a link to ${await readlink(folder).catch(() => '?')}, which does not exist` };
    return { ...at, problem: `cannot be read: ${target.error.message}` };
  }
  if (!target.info.isDirectory()) return undefined;
  const [manifest, wasm] = await Promise.all([presence(path.join(folder, 'manifest.json')), presence(path.join(folder, 'plugin.wasm'))]);
  // Unreadable (a folder of mode 000 for a sidecar not running as root, a link loop): reported.
  const unreadable = [manifest, wasm].find((found) => typeof found !== 'boolean');
  if (unreadable) return { ...at, problem: `cannot be read: ${unreadable.error.message}` };
  if (!manifest && !wasm) return undefined;
  const idProblem = pluginIdProblem(id);
  return idProblem ? { ...at, problem: `is named ${quotePluginId(id)}, which is no plugin id: it ${idProblem}; rename the folder` } : at;
}

/** Whether a file is there; an error other than "no such file" comes back as a fact. */
async function presence(file: string): Promise<boolean | { readonly error: NodeJS.ErrnoException }> {
  return stat(file).then(
    () => true,
    (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' || error.code === 'ENOTDIR' ? false : { error }),
  );
}
