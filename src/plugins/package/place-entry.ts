import { lstat, rename } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { NdpError } from '../../errors';
import { discard, workName } from './stage-entry';

/** The entry at `file` itself (a link is not followed), or undefined when there is none. */
export async function lstatOrUndefined(file: string): Promise<Stats | undefined> {
  return lstat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

/**
 * Renames a staged entry to `target` unless something is already there; false when it is.
 * rename(2) would quietly replace an empty folder and Node offers no RENAME_NOREPLACE, so we look
 * first; the gap between look and rename is only open to another local ndphost command.
 */
export async function placeNew(staged: string, target: string): Promise<boolean> {
  if (await lstatOrUndefined(target)) return false;
  try {
    await rename(staged, target);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTEMPTY' || code === 'ENOTDIR' || code === 'EISDIR') return false;
    throw error;
  }
}

/**
 * Replaces `target` with a staged entry. The old entry is renamed aside (same inode, contents
 * untouched) and renamed back if the new one cannot be put in place, so a failure leaves it
 * exactly as it was. Node has no RENAME_EXCHANGE, so between the two renames the id is briefly
 * absent: a scan in that instant misses the plugin; it never sees a half-written one.
 */
export async function placeOver(staged: string, target: string): Promise<void> {
  const aside = await moveAside(target, 'old');
  try {
    await rename(staged, target);
  } catch (error) {
    if (aside) await restore(aside, target, error);
    throw error;
  }
  if (aside) await discard(aside);
}

/** Puts a set-aside entry back; if even that fails, says where it is rather than losing it. */
async function restore(aside: string, target: string, cause: unknown): Promise<void> {
  try {
    await rename(aside, target);
  } catch (error) {
    throw new NdpError('internal', `could not put ${target} back after a failed replace (${(cause as Error).message}); it is kept, unchanged, at ${aside}: ${(error as Error).message}`, {
      path: aside,
      cause,
    });
  }
}

/**
 * Renames an entry to a hidden name beside it, so it leaves the plugin list in one step and a
 * crash while deleting leaves only a hidden entry the scanner skips; `old` while it is replaced,
 * `del` when it is being removed. Undefined if nothing was there.
 */
export async function moveAside(target: string, kind: 'old' | 'del'): Promise<string | undefined> {
  const aside = workName(path.dirname(target), kind, path.basename(target));
  try {
    await rename(target, aside);
    return aside;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
