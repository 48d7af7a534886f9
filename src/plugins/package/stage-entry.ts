import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { PackageFileName } from './package-layout';

/**
 * Work in progress lives inside the plugins folder under a hidden name: the scanner skips hidden
 * names, and being on the same file system is what makes the final rename atomic.
 */
const STAGING_PREFIX = '.ndp-tmp-';
const ASIDE_PREFIX = '.ndp-old-';

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
export async function stageFiles(pluginsFolder: string, files: ReadonlyMap<PackageFileName, Buffer>): Promise<string> {
  const staged = await mkdtemp(path.join(pluginsFolder, STAGING_PREFIX));
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
export async function stageLink(pluginsFolder: string, target: string): Promise<string> {
  const staged = stagingName(pluginsFolder);
  await symlink(target, staged, 'dir');
  return staged;
}

/** A fresh hidden name in `folder` for an entry being built. */
export function stagingName(folder: string): string {
  return hiddenName(folder, STAGING_PREFIX);
}

/** A fresh hidden name in the plugins folder for an entry being replaced or removed. */
export function asideName(pluginsFolder: string): string {
  return hiddenName(pluginsFolder, ASIDE_PREFIX);
}

/** Deletes a staged or set-aside entry; a link is removed, never followed. */
export async function discard(entry: string): Promise<void> {
  await rm(entry, { recursive: true, force: true });
}

function hiddenName(pluginsFolder: string, prefix: string): string {
  return path.join(pluginsFolder, prefix + randomBytes(6).toString('hex'));
}
