import { readFileSync } from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { EXAMPLE_PLUGINS } from './paths';

/** The built wikibio example (a MetadataAgent), the valid plugin the package tests start from. */
export function wikibioFiles(): { manifest: Buffer; wasm: Buffer } {
  const folder = path.join(EXAMPLE_PLUGINS, 'wikibio');
  return { manifest: readFileSync(path.join(folder, 'manifest.json')), wasm: readFileSync(path.join(folder, 'plugin.wasm')) };
}

/** The built scrobble-check example's plugin.wasm: a Scrobbler, so it lacks MetadataAgent's exports. */
export function scrobblerWasm(): Buffer {
  return readFileSync(path.join(EXAMPLE_PLUGINS, 'scrobble-check', 'plugin.wasm'));
}

/** wikibio's manifest with some fields changed. */
export function wikibioManifest(changes: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({ ...JSON.parse(wikibioFiles().manifest.toString('utf8')), ...changes }, null, 2));
}

/** A ZIP written by yazl; a name ending in `/` becomes an empty folder entry. */
export async function yazlZip(entries: ReadonlyArray<readonly [string, Buffer | string]>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of entries) {
    if (name.endsWith('/')) zip.addEmptyDirectory(name);
    else zip.addBuffer(Buffer.from(data), name, { mtime: new Date('2024-05-01T10:00:00Z') });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A valid wikibio package, with README.md and LICENSE, optionally with a different manifest. */
export async function wikibioPackage(manifest: Buffer = wikibioFiles().manifest): Promise<Buffer> {
  const { wasm } = wikibioFiles();
  return yazlZip([
    ['manifest.json', manifest],
    ['plugin.wasm', wasm],
    ['README.md', '# Wiki Bio\n'],
    ['LICENSE', 'MIT\n'],
  ]);
}
