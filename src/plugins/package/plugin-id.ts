import path from 'node:path';
import { NdpError } from '../../errors';

const MAX_LENGTH = 64;
const ALLOWED = /^[A-Za-z0-9._-]+$/;

/**
 * Throws `invalid_argument` unless `id` can safely be a folder name under the plugins folder.
 * The id becomes a path segment, so `/`, `\`, `..` and hidden names (which the scanner skips and
 * which our temporary folders use) must never get through.
 */
export function checkPluginId(id: string, hint = ''): string {
  const problem = idProblem(id);
  if (problem) throw new NdpError('invalid_argument', `plugin id "${id}" ${problem}${hint}`, { pluginId: id });
  return id;
}

/** The id a package installs as: its file name without `.ndp` (contract.md, manifest.json). */
export function pluginIdFromPackage(file: string): string {
  const name = path.basename(file);
  if (!/\.ndp$/i.test(name)) {
    throw new NdpError('invalid_argument', `package ${file}: the file name must end in .ndp, or give the plugin id explicitly`, { path: file });
  }
  return checkPluginId(name.slice(0, -'.ndp'.length), ' (it comes from the package file name; rename the file or give the id explicitly)');
}

function idProblem(id: string): string | undefined {
  if (id === '') return 'is empty';
  if (id.startsWith('.')) return 'must not start with "."';
  if (id.length > MAX_LENGTH) return `is longer than ${MAX_LENGTH} characters`;
  if (!ALLOWED.test(id)) return 'may only hold letters, digits, ".", "_" and "-"';
  return undefined;
}
