import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PluginsFolder } from './plugins-folder';

/**
 * Copies a capabilities-form fixture under `id` with its permissions changed by `permissions`
 * (merged over the shipped ones), e.g. to point permissions.http at a local test server.
 */
export function copyReleased(plugins: PluginsFolder, source: string, id: string, permissions: Record<string, unknown>): void {
  plugins.copy(source, id);
  const file = path.join(plugins.folder, id, 'manifest.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { permissions: Record<string, unknown> };
  plugins.write(id, { manifest: { ...manifest, permissions: { ...manifest.permissions, ...permissions } } });
}

/** permissions.http letting a plugin POST to a local test server. */
export function reportPermission(origin: string): Record<string, unknown> {
  return { http: { reason: 'reports to the test server', allowedUrls: { [`${origin}/*`]: ['POST'] }, allowLocalNetwork: true } };
}
