import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A digest of a plugin folder's manifest.json and plugin.wasm, so a rescan reloads only the
 * plugins whose files changed (a reload re-runs OnInit and drops the plugin's timers).
 * Unreadable files give a digest of what could be read: it differs, and loading reports why.
 */
export async function fingerprintOf(folder: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of ['manifest.json', 'plugin.wasm']) {
    const bytes = await readFile(path.join(folder, file)).catch(() => undefined);
    hash.update(`${file}:${bytes ? bytes.length : -1}:`);
    if (bytes) hash.update(bytes);
  }
  return hash.digest('hex');
}
