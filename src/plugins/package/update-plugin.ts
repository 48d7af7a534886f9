import path from 'node:path';
import { NdpError } from '../../errors';
import { loadManifest, type Manifest } from '../manifest';
import type { InstallOptions } from './install-plugin';
import { lstatOrUndefined, placeOver } from './place-entry';
import { checkPluginId, pluginIdFromPackage } from './plugin-id';
import { discard, securePluginsFolder, stageFiles } from './stage-entry';
import { validatePackage } from './validate-plugin';

/** What update did. */
export interface UpdateResult {
  readonly id: string;
  readonly folder: string;
  readonly manifest: Manifest;
  /** The version the replaced manifest declared; undefined if it was missing or invalid. */
  readonly oldVersion: string | undefined;
  readonly newVersion: string;
}

/**
 * Replaces an installed plugin with a `.ndp` package, validated as install does. The new files
 * are staged beside the old folder and swapped in; if anything fails the old folder stays exactly
 * as it was. A dev link is refused: its files belong to the development folder.
 */
export async function updatePlugin(pluginsFolder: string, packageFile: string, options: InstallOptions = {}): Promise<UpdateResult> {
  const id = options.id === undefined ? pluginIdFromPackage(packageFile) : checkPluginId(options.id);
  const folder = path.join(pluginsFolder, id);
  const existing = await lstatOrUndefined(folder);
  if (!existing) throw new NdpError('unknown_plugin', `plugin ${id} is not installed; use install to add it`, { pluginId: id, path: folder });
  if (existing.isSymbolicLink()) {
    throw new NdpError('failed_precondition', `plugin ${id} is a development link (plugin dev); rebuild it in its folder, or remove the link before installing a package`, { pluginId: id, path: folder });
  }
  if (!existing.isDirectory()) throw new NdpError('failed_precondition', `${folder} is not a plugin folder`, { pluginId: id, path: folder });
  const oldVersion = await loadManifest(folder, id).then((manifest) => manifest.version, () => undefined);
  const { files, manifest } = await validatePackage(packageFile, id, options);
  const staged = await stageFiles(pluginsFolder, id, files);
  try {
    await placeOver(staged, folder);
  } catch (error) {
    await discard(staged);
    throw error;
  }
  await securePluginsFolder(pluginsFolder);
  return { id, folder, manifest, oldVersion, newVersion: manifest.version };
}
