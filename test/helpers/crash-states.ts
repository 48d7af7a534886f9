import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { workName } from '../../src/plugins/package/stage-entry';

/** The pid of a process that has exited: a crashed command's, as the names it left carry. */
export function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  if (pid === undefined) throw new Error('could not start a process to get a dead pid');
  return pid;
}

/** pid 1 always exists: a change "still in progress" in another process. */
export const LIVE_PID = 1;

/**
 * The plugins folder as a crash leaves it, built with the same names the commands use. Each
 * returns the leftover entries it made.
 */
export const crashStates = {
  /** `plugin update` killed between its two renames: the plugin is set aside, the new one staged. */
  updateBetweenRenames(pluginsFolder: string, id: string, newVersion: string, pid = deadPid()): { aside: string; staged: string } {
    const aside = workName(pluginsFolder, 'old', id, pid);
    const staged = workName(pluginsFolder, 'tmp', id, pid);
    cpSync(path.join(pluginsFolder, id), staged, { recursive: true });
    const manifest = path.join(staged, 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), version: newVersion }));
    renameSync(path.join(pluginsFolder, id), aside);
    return { aside, staged };
  },
  /** `plugin update` killed after its second rename, before deleting the old copy. */
  updateAfterRenames(pluginsFolder: string, id: string, pid = deadPid()): { aside: string } {
    const aside = workName(pluginsFolder, 'old', id, pid);
    cpSync(path.join(pluginsFolder, id), aside, { recursive: true });
    return { aside };
  },
  /** `plugin install` killed while staging: a half-written hidden folder. */
  installWhileStaging(pluginsFolder: string, id: string, pid = deadPid()): { staged: string } {
    const staged = workName(pluginsFolder, 'tmp', id, pid);
    mkdirSync(staged);
    writeFileSync(path.join(staged, 'manifest.json'), '{"name": "half');
    return { staged };
  },
  /** `plugin remove` killed while deleting: the folder set aside and half gone. */
  removeWhileDeleting(pluginsFolder: string, id: string, pid = deadPid()): { aside: string } {
    const aside = workName(pluginsFolder, 'del', id, pid);
    renameSync(path.join(pluginsFolder, id), aside);
    writeFileSync(path.join(aside, 'plugin.wasm'), '');
    return { aside };
  },
};
