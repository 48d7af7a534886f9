import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { NdpError } from '../../errors';
import { DEFAULT_PACKAGE_LIMITS, PACKAGE_FILES, REQUIRED_FILES, type PackageFileName, type PackageLimits } from './package-layout';
import type { PackageContents, PackageEntry } from './read-package';

/**
 * Reads the four package files from a plugin folder (for `dev` and `pack`) under the same caps
 * as a package. Other files in the folder (sources, build scripts) are not part of the plugin
 * and are left alone. Links are followed, since a dev folder may link plugin.wasm from its build
 * output, but each file must end at a regular file. A missing manifest.json is a `bad_manifest`
 * and a missing plugin.wasm a `bad_module`, as when loading a plugin folder.
 */
export async function readPluginFolder(folder: string, pluginId: string, limits: PackageLimits = DEFAULT_PACKAGE_LIMITS): Promise<PackageContents> {
  const info = await stat(folder).catch((error: NodeJS.ErrnoException) => {
    throw new NdpError('invalid_argument', `plugin folder ${folder} cannot be read: ${error.code === 'ENOENT' ? 'no such folder' : error.message}`, { pluginId, path: folder, cause: error });
  });
  if (!info.isDirectory()) throw new NdpError('invalid_argument', `${folder} is not a folder`, { pluginId, path: folder });
  const files = new Map<PackageFileName, Buffer>();
  const entries: PackageEntry[] = [];
  let total = 0;
  for (const name of PACKAGE_FILES) {
    const file = path.join(folder, name);
    const found = await stat(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw new NdpError('bad_package', `plugin ${pluginId}: ${name} cannot be read: ${error.message}`, { pluginId, path: file, cause: error });
    });
    if (!found) {
      if ((REQUIRED_FILES as readonly string[]).includes(name)) throw missing(name, pluginId, file);
      continue;
    }
    if (!found.isFile()) throw new NdpError('bad_package', `plugin ${pluginId}: ${name} is not a regular file`, { pluginId, path: file });
    // Checked on stat first so a huge file is never read, then on the bytes read in case it grew.
    const data = found.size <= limits.maxFileBytes ? await readFile(file) : undefined;
    if (!data || data.length > limits.maxFileBytes) {
      throw new NdpError('bad_package', `plugin ${pluginId}: ${name} is over the ${limits.maxFileBytes}-byte cap for one file`, { pluginId, path: file });
    }
    total += data.length;
    if (total > limits.maxTotalBytes) {
      throw new NdpError('bad_package', `plugin ${pluginId}: its files come to more than the ${limits.maxTotalBytes}-byte cap for a whole package`, { pluginId, path: folder });
    }
    files.set(name, data);
    entries.push({ name, size: data.length, modified: found.mtime });
  }
  return { files, entries };
}

function missing(name: PackageFileName, pluginId: string, file: string): NdpError {
  const kind = name === 'manifest.json' ? 'bad_manifest' : 'bad_module';
  return new NdpError(kind, `plugin ${pluginId}: ${name} is missing`, { pluginId, path: file });
}
