import { readlink } from 'node:fs/promises';
import { messageOf } from '../errors';
import { folderProblem, locatePlugin, parseManifest, readPluginFolder, scanPlugins, validatePlugin, type Manifest, type ModuleRules, type PluginFolder } from '../plugins';

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

/** Every plugin folder, by the scanner's rules; a missing plugins folder has none (listing writes nothing). */
export async function readInstalledPlugins(pluginsFolder: string, rules: ModuleRules): Promise<InstalledPlugin[]> {
  return Promise.all((await scanPlugins(pluginsFolder)).map((location) => checkPlugin(location, rules)));
}

/** One plugin folder, checked; undefined when the plugins folder has no plugin by this id. */
export async function readInstalledPlugin(pluginsFolder: string, id: string, rules: ModuleRules): Promise<InstalledPlugin | undefined> {
  const location = await locatePlugin(pluginsFolder, id);
  return location && checkPlugin(location, rules);
}

async function checkPlugin(location: PluginFolder, rules: ModuleRules): Promise<InstalledPlugin> {
  const { id, folder, dev } = location;
  const where = { id, folder, dev, ...(dev ? { target: await readlink(folder) } : {}) };
  let manifest: Manifest | undefined;
  try {
    if (location.problem) throw folderProblem(location);
    const { files } = await readPluginFolder(folder, id);
    // Parsed on its own first, so a plugin whose module is broken still shows its name and version.
    const text = files.get('manifest.json');
    if (text) manifest = parseManifest(text.toString('utf8'), id, folder);
    const { wasmHash } = await validatePlugin(files, id, folder, rules);
    return { ...where, state: 'valid', manifest, wasmSha256: wasmHash };
  } catch (error) {
    return { ...where, state: 'failed', ...(manifest ? { manifest } : {}), error: messageOf(error) };
  }
}
