import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NdpError } from '../errors';
import { compileHttpPolicy, compileWebSocketPolicy } from '../host';
import { parseCapabilitiesForm } from './manifest-capabilities-form';
import { manifestError } from './manifest-errors';
import { parseServicesForm } from './manifest-services-form';
import type { Manifest } from './manifest-shape';

export type { Manifest, ManifestDialect, Permissions } from './manifest-shape';

/** Reads and validates `<folder>/manifest.json`; a problem is a `bad_manifest` naming the plugin and field. */
export async function loadManifest(folder: string, pluginId: string): Promise<Manifest> {
  const file = path.join(folder, 'manifest.json');
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    const reason = error.code === 'ENOENT' ? 'is missing' : `cannot be read: ${error.message}`;
    throw new NdpError('bad_manifest', `plugin ${pluginId}: manifest.json ${reason}`, { pluginId, path: file });
  });
  return parseManifest(text, pluginId, file);
}

/**
 * Parses and validates manifest.json text (from a folder or a package) in either form, into one
 * shape: `services` (ndphost's form) or `capabilities` + `permissions` (released Navidrome's).
 * `file` names it in errors.
 */
export function parseManifest(text: string, pluginId: string, file: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new NdpError('bad_manifest', `plugin ${pluginId}: manifest.json is not valid JSON: ${(error as Error).message}`, { pluginId, path: file });
  }
  const manifest = parseForm(json, pluginId, file);
  // URL patterns are checked here, at load, not on a plugin's first request.
  const { http, websocket } = manifest.permissions;
  if (http) compileHttpPolicy(http, pluginId);
  if (websocket) compileWebSocketPolicy(websocket, pluginId);
  return manifest;
}

function parseForm(json: unknown, pluginId: string, file: string): Manifest {
  const has = (key: string) => typeof json === 'object' && json !== null && !Array.isArray(json) && Object.hasOwn(json, key);
  if (has('services') && has('capabilities')) {
    throw manifestError(pluginId, file, 'capabilities', 'has both "services" (ndphost form) and "capabilities" (Navidrome v0.57+ form); keep one');
  }
  // A manifest with neither is checked as the services form, whose error names what is missing.
  return has('capabilities') ? parseCapabilitiesForm(json, pluginId, file) : parseServicesForm(json, pluginId, file);
}
