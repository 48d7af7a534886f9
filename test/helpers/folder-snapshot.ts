import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/**
 * Every entry under `root` (and root itself) as `path type mode content`, where content is a
 * file's SHA-256 or a link's target. Links are not followed. Two equal snapshots mean the tree
 * is byte-for-byte the same, modes included.
 */
export function snapshotFolder(root: string): string[] {
  const lines: string[] = [];
  const visit = (relative: string): void => {
    const file = path.join(root, relative);
    const info = lstatSync(file, { throwIfNoEntry: false });
    if (!info) {
      lines.push(`${relative} missing`);
      return;
    }
    const mode = (info.mode & 0o7777).toString(8);
    if (info.isSymbolicLink()) lines.push(`${relative} link ${mode} -> ${readlinkSync(file)}`);
    else if (info.isFile()) lines.push(`${relative} file ${mode} ${createHash('sha256').update(readFileSync(file)).digest('hex')}`);
    else if (info.isDirectory()) {
      lines.push(`${relative} dir ${mode}`);
      for (const name of readdirSync(file).sort()) visit(path.join(relative, name));
    } else lines.push(`${relative} other ${mode}`);
  };
  visit('.');
  return lines;
}
