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
 * step, then deleted; a dev link (plugin dev) is unlinked and its target left alone. Of two
 * removes at once, the one whose rename or unlink finds the entry gone is told it is not
 * installed, as if it had come a moment later: only one reports a removal (and goes on to drop
 * the plugin's timers and tell the sidecar).
 */
export async function removePlugin(pluginsFolder: string, id: string): Promise<RemoveResult> {
  checkPluginId(id);
  const folder = path.join(pluginsFolder, id);
  const notInstalled = () => new NdpError('unknown_plugin', `plugin ${id} is not installed`, { pluginId: id, path: folder });
  const existing = await lstatOrUndefined(folder);
  if (!existing) throw notInstalled();
  if (existing.isSymbolicLink()) {
    try {
      const keptTarget = await readlink(folder);
      await unlink(folder);
      return { id, folder, keptTarget };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notInstalled();
      throw error;
    }
  }
  if (!existing.isDirectory()) throw new NdpError('failed_precondition', `${folder} is not a plugin folder; left as it is`, { pluginId: id, path: folder });
  const aside = await moveAside(folder, 'del');
  if (!aside) throw notInstalled();
  await discard(aside);
  return { id, folder };
}
