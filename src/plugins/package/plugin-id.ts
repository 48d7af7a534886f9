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
  const problem = pluginIdProblem(id);
  if (problem) throw new NdpError('invalid_argument', `plugin id ${quotePluginId(id)} ${problem}${hint}`, { pluginId: id });
  return id;
}

/**
 * An id quoted for a message, cut to its first 64 characters: an id comes from outside (a
 * header, an admin request, a folder name), and a 200 KB one must not make a 200 KB message.
 */
export function quotePluginId(id: string): string {
  return id.length <= MAX_LENGTH ? JSON.stringify(id) : `${JSON.stringify(id.slice(0, MAX_LENGTH))}... (${id.length} characters)`;
}

/** The id a package installs as: its file name without `.ndp` (contract.md, manifest.json). */
export function pluginIdFromPackage(file: string): string {
  const name = path.basename(file);
  if (!/\.ndp$/i.test(name)) {
    throw new NdpError('invalid_argument', `package ${file}: the file name must end in .ndp, or give the plugin id explicitly`, { path: file });
  }
  return checkPluginId(name.slice(0, -'.ndp'.length), ' (it comes from the package file name; rename the file or give the id explicitly)');
}

/** What makes `id` unusable as a plugin id, or undefined when it is fine. */
export function pluginIdProblem(id: string): string | undefined {
  if (id === '') return 'is empty';
  if (id.startsWith('.')) return 'must not start with "."';
  if (id.length > MAX_LENGTH) return `is longer than ${MAX_LENGTH} characters`;
  if (!ALLOWED.test(id)) return 'may only hold letters, digits, ".", "_" and "-"';
  return undefined;
}
