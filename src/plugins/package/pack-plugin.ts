import { createWriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import type { Manifest } from '../manifest';
import { packageLimits } from './package-layout';
import { readPackage, type PackageEntry } from './read-package';
import { readPluginFolder } from './read-plugin-folder';
import { discard, workName } from './stage-entry';
import { validatePlugin, type ValidateOptions } from './validate-plugin';

/** Options for `plugin pack`. */
export interface PackOptions extends ValidateOptions {
  /** The package to write; defaults to `<folder name>.ndp` in the current directory. Replaced if it exists. */
  readonly output?: string;
}

/** What pack wrote. */
export interface PackResult {
  readonly file: string;
  /** Size of the package file in bytes. */
  readonly size: number;
  readonly manifest: Manifest;
  readonly entries: readonly PackageEntry[];
}

/**
 * Builds a `.ndp` package from a plugin folder: manifest.json and plugin.wasm, plus README.md and
 * LICENSE when present; nothing else in the folder goes in. The folder is validated as install
 * validates a package, and the written package is read back through readPackage before it
 * replaces `output`, so pack never produces a package install would refuse for its structure.
 */
export async function packPlugin(folder: string, options: PackOptions = {}): Promise<PackResult> {
  const source = path.resolve(folder);
  const id = path.basename(source);
  const limits = packageLimits(options.limits);
  const { files, entries } = await readPluginFolder(source, id, limits);
  const { manifest } = await validatePlugin(files, id, source, options.moduleRules);
  const output = path.resolve(options.output ?? `${id}.ndp`);
  // Written under a hidden name beside the output and renamed over it, so a failed pack never
  // leaves a truncated package where a good one was.
  const partial = workName(path.dirname(output), 'tmp', id);
  try {
    const zip = new yazl.ZipFile();
    for (const entry of entries) {
      const data = files.get(entry.name);
      if (data) zip.addBuffer(data, entry.name, { mtime: entry.modified, mode: 0o100644, compress: true });
    }
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(partial, { flags: 'wx', mode: 0o644 }));
    await readPackage(partial, limits);
    await rename(partial, output);
  } catch (error) {
    await discard(partial);
    throw error;
  }
  return { file: output, size: (await stat(output)).size, manifest, entries };
}
