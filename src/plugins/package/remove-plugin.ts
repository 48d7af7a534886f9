import { readlink, unlink } from 'node:fs/promises';
import path from 'node:path';
import { NdpError } from '../../errors';
import { lstatOrUndefined, moveAside } from './place-entry';
import { checkPluginId } from './plugin-id';
import { discard } from './stage-entry';

/** What remove did. */
export interface RemoveResult {
  readonly id: string;
  /** The entry removed from the plugins folder. */
  readonly folder: string;
  /** For a dev link: the development folder it pointed to, which is kept. */
  readonly keptTarget?: string;
}

/**
 * Removes a plugin. A folder is renamed to a hidden name first, so the plugin disappears in one
 * step, then deleted; a dev link (plugin dev) is unlinked and its target left alone.
 */
export async function removePlugin(pluginsFolder: string, id: string): Promise<RemoveResult> {
  checkPluginId(id);
  const folder = path.join(pluginsFolder, id);
  const existing = await lstatOrUndefined(folder);
  if (!existing) throw new NdpError('unknown_plugin', `plugin ${id} is not installed`, { pluginId: id, path: folder });
  if (existing.isSymbolicLink()) {
    const keptTarget = await readlink(folder);
    await unlink(folder);
    return { id, folder, keptTarget };
  }
  if (!existing.isDirectory()) throw new NdpError('failed_precondition', `${folder} is not a plugin folder; left as it is`, { pluginId: id, path: folder });
  const aside = await moveAside(folder, 'del');
  if (aside) await discard(aside);
  return { id, folder };
}
