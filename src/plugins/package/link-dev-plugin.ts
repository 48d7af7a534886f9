import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { NdpError } from '../../errors';
import { backupEntry } from './backup-entry';
import type { Manifest } from '../manifest';
import { packageLimits } from './package-layout';
import { lstatOrUndefined, placeNew, placeOver } from './place-entry';
import { checkPluginId } from './plugin-id';
import { readPluginFolder } from './read-plugin-folder';
import { discard, preparePluginsFolder, securePluginsFolder, stageLink } from './stage-entry';
import { validatePlugin, type ValidateOptions } from './validate-plugin';

/** Options for `plugin dev`. */
export interface DevOptions extends ValidateOptions {
  /** The plugin id; defaults to the development folder's name. */
  readonly id?: string;
  /** Replace an entry already in the plugins folder under the id. The CLI asks the user first. */
  readonly replace?: boolean;
  /**
   * Where an installed plugin folder that `replace` swaps out is copied first (as
   * `<id>-<UTC time>`): it is the plugin's only copy. Without it the folder is deleted.
   */
  readonly backupsFolder?: string;
}

/** What dev did. */
export interface DevResult {
  readonly id: string;
  /** The symlink created in the plugins folder. */
  readonly link: string;
  /** The development folder it points to (absolute). */
  readonly target: string;
  readonly manifest: Manifest;
  /** What the link replaced, when `replace` was given and something was there. */
  readonly replaced?: 'folder' | 'link' | 'file';
  /** Where the replaced folder was copied to, when `backupsFolder` was given. */
  readonly backup?: string;
}

/**
 * Links a plugin development folder into the plugins folder (plugin-system.md, "Development
 * Workflow"), after validating its manifest.json and plugin.wasm as install would. An existing
 * entry under the id is refused unless `replace` is set; then it is swapped out in one step.
 */
export async function linkDevPlugin(pluginsFolder: string, devFolder: string, options: DevOptions = {}): Promise<DevResult> {
  const target = path.resolve(devFolder);
  const id = checkPluginId(options.id ?? path.basename(target));
  const { files } = await readPluginFolder(target, id, packageLimits(options.limits));
  const { manifest } = await validatePlugin(files, id, target, options.moduleRules);
  await refuseInsidePluginsFolder(pluginsFolder, target, id);
  const link = path.join(pluginsFolder, id);
  const existing = await lstatOrUndefined(link);
  if (existing && !options.replace) throw taken(id, link);
  const backup = existing?.isDirectory() && options.backupsFolder !== undefined ? await backupEntry(link, options.backupsFolder, id) : undefined;
  await preparePluginsFolder(pluginsFolder);
  const staged = await stageLink(pluginsFolder, id, target);
  try {
    if (existing) await placeOver(staged, link);
    else if (!(await placeNew(staged, link))) throw taken(id, link);
  } catch (error) {
    await discard(staged);
    throw error;
  }
  await securePluginsFolder(pluginsFolder);
  const replaced = existing && (existing.isSymbolicLink() ? 'link' : existing.isDirectory() ? 'folder' : 'file');
  return { id, link, target, manifest, ...(replaced ? { replaced } : {}), ...(backup ? { backup } : {}) };
}

/** A dev folder inside the plugins folder could end up linked to itself, and replace would delete it. */
async function refuseInsidePluginsFolder(pluginsFolder: string, target: string, id: string): Promise<void> {
  const plugins = await realpath(pluginsFolder).catch(() => path.resolve(pluginsFolder));
  const relative = path.relative(plugins, await realpath(target));
  const outside = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  if (!outside) {
    throw new NdpError('invalid_argument', `plugin ${id}: the development folder ${target} is inside the plugins folder; keep it elsewhere`, { pluginId: id, path: target });
  }
}

function taken(id: string, link: string): NdpError {
  return new NdpError('failed_precondition', `the plugins folder already has an entry named ${id} (${link}); ask to replace it, or pick another id`, { pluginId: id, path: link });
}
