import path from 'node:path';
import { NdpError } from '../../errors';
import type { Manifest } from '../manifest';
import { lstatOrUndefined, placeNew } from './place-entry';
import { checkPluginId, pluginIdFromPackage } from './plugin-id';
import { discard, preparePluginsFolder, securePluginsFolder, stageFiles } from './stage-entry';
import { validatePackage, type ValidateOptions } from './validate-plugin';

/** Options for install and update. */
export interface InstallOptions extends ValidateOptions {
  /** The plugin id; defaults to the package file name without `.ndp`. */
  readonly id?: string;
}

/** What install did. */
export interface InstallResult {
  readonly id: string;
  /** The new plugin folder. */
  readonly folder: string;
  readonly manifest: Manifest;
}

/**
 * Installs a `.ndp` package as a new plugin. Everything is validated before anything is written
 * (see validatePackage); the files then go to a hidden folder inside the plugins folder, which is
 * renamed into place in one step. An id already in use is refused with a hint to use update.
 */
export async function installPlugin(pluginsFolder: string, packageFile: string, options: InstallOptions = {}): Promise<InstallResult> {
  const id = options.id === undefined ? pluginIdFromPackage(packageFile) : checkPluginId(options.id);
  const folder = path.join(pluginsFolder, id);
  // Looked at first as well as at the rename, so the common mistake fails before a slow validation.
  if (await lstatOrUndefined(folder)) throw alreadyInstalled(id, folder);
  const { files, manifest } = await validatePackage(packageFile, id, options);
  await preparePluginsFolder(pluginsFolder);
  const staged = await stageFiles(pluginsFolder, id, files);
  let placed = false;
  try {
    placed = await placeNew(staged, folder);
  } finally {
    if (!placed) await discard(staged);
  }
  if (!placed) throw alreadyInstalled(id, folder);
  await securePluginsFolder(pluginsFolder);
  return { id, folder, manifest };
}

function alreadyInstalled(id: string, folder: string): NdpError {
  return new NdpError('failed_precondition', `plugin ${id} is already installed (${folder}); use update to replace it`, { pluginId: id, path: folder });
}
