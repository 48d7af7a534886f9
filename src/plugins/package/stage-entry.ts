import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { PackageFileName } from './package-layout';
import { pluginIdProblem } from './plugin-id';

/**
 * Work in progress lives inside the plugins folder under a hidden name: the scanner skips hidden
 * names, and being on the same file system is what makes the final rename atomic. The name says
 * what the entry is, for which plugin and which process, so the work a crash cut short can be
 * finished or undone later (leftovers.ts):
 *
 *   .ndp-<kind>-<pid>-<8 hex>-<plugin id>
 *
 * kind `tmp`: a new entry being staged, never yet published; `old`: an entry set aside while a
 * new one replaces it (update, dev); `del`: an entry set aside to be deleted (remove).
 */
export type WorkKind = 'tmp' | 'old' | 'del';

const WORK_NAME = /^\.ndp-(tmp|old|del)-(\d+)-[0-9a-f]{8}-(.+)$/;

/** A fresh hidden work name in `folder` for plugin `id`; `pid` is the process doing the work. */
export function workName(folder: string, kind: WorkKind, id: string, pid = process.pid): string {
  return path.join(folder, `.ndp-${kind}-${pid}-${randomBytes(4).toString('hex')}-${id}`);
}

/** What a work name says, or undefined when `name` is not one (or names no valid plugin id). */
export function parseWorkName(name: string): { readonly kind: WorkKind; readonly pid: number; readonly id: string } | undefined {
  const match = WORK_NAME.exec(name);
  if (match === null || pluginIdProblem(match[3]) !== undefined) return undefined;
  return { kind: match[1] as WorkKind, pid: Number(match[2]), id: match[3] };
}

/** Creates the plugins folder if missing, 0700 (plugin-system.md, "Plugin Security"). */
export async function preparePluginsFolder(pluginsFolder: string): Promise<void> {
  await mkdir(pluginsFolder, { recursive: true, mode: 0o700 });
}

/** Tightens the plugins folder to 0700; called only once a change has succeeded, so a refusal never touches it. */
export async function securePluginsFolder(pluginsFolder: string): Promise<void> {
  await chmod(pluginsFolder, 0o700);
}

/**
 * Writes the files into a new hidden folder (0700) inside the plugins folder, each 0600 and
 * flushed to disk, so the rename that publishes them never exposes a half-written plugin.
 * On failure the folder is removed and the plugins folder is as it was.
 */
export async function stageFiles(pluginsFolder: string, id: string, files: ReadonlyMap<PackageFileName, Buffer>): Promise<string> {
  const staged = workName(pluginsFolder, 'tmp', id);
  await mkdir(staged, { mode: 0o700 });
  try {
    await chmod(staged, 0o700);
    for (const [name, data] of files) {
      // `wx`: the name is one of four fixed names in a folder we just made; nothing may be there.
      const handle = await open(path.join(staged, name), 'wx', 0o600);
      try {
        await handle.writeFile(data);
        // The mode passed to open is masked by the umask; set it outright.
        await handle.chmod(0o600);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  } catch (error) {
    await discard(staged);
    throw error;
  }
  return staged;
}

/** Creates a hidden symlink to `target` inside the plugins folder, ready to be renamed into place. */
export async function stageLink(pluginsFolder: string, id: string, target: string): Promise<string> {
  const staged = workName(pluginsFolder, 'tmp', id);
  await symlink(target, staged, 'dir');
  return staged;
}

/** Deletes a staged or set-aside entry; a link is removed, never followed. */
export async function discard(entry: string): Promise<void> {
  await rm(entry, { recursive: true, force: true });
}
