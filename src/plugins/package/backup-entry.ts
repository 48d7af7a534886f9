import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { NdpError } from '../../errors';

/**
 * Copies an installed plugin folder to `<backupsFolder>/<id>-<UTC time>` before something
 * replaces it, and resolves to the copy's path. A copy, not a rename: the backups folder may be
 * on another file system, and the original stays in place until the replacement has succeeded,
 * so a failure anywhere leaves the plugin as it was. Never overwrites an earlier backup.
 */
export async function backupEntry(entry: string, backupsFolder: string, id: string): Promise<string> {
  // Colons and dots out of the ISO time keep the name portable and sortable.
  const backup = path.join(backupsFolder, `${id}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  try {
    // 0700 like the plugins folder: a plugin folder is nobody else's to read.
    await mkdir(backupsFolder, { recursive: true, mode: 0o700 });
    await cp(entry, backup, { recursive: true, errorOnExist: true, force: false, verbatimSymlinks: true, preserveTimestamps: true });
  } catch (error) {
    throw new NdpError('internal', `could not back up ${entry} to ${backup} (${(error as Error).message}); nothing was replaced`, { pluginId: id, path: backup, cause: error });
  }
  return backup;
}
