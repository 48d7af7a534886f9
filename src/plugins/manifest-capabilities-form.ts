import { validateCapabilitiesForm as validate } from '../../generated/validators/manifest-forms';
import type { HostServiceName } from '../host';
import { manifestError, schemaError } from './manifest-errors';
import type { Manifest, Permissions } from './manifest-shape';

/**
 * The host services of the capabilities form, each offered only when its permission key is
 * present (secure by default, as released). No `timer`: released Navidrome never had one.
 */
const CAPABILITIES_FORM_HOST_SERVICES = ['config', 'scheduler', 'cache', 'artwork', 'http', 'websocket', 'subsonicapi'] as const satisfies readonly HostServiceName[];

/** Validates and normalises a manifest in the capabilities form; a problem is a `bad_manifest`. */
export function parseCapabilitiesForm(json: unknown, pluginId: string, file: string): Manifest {
  if (!validate(json)) throw schemaError(pluginId, file, validate.errors ?? []);
  // Released Navidrome failed discovery with this message for `"capabilities": null`.
  if (json.capabilities === null) throw manifestError(pluginId, file, 'capabilities', 'field "capabilities": no capabilities found in manifest');
  const given = json.permissions ?? {};
  // A null permission is an absent one (a nil pointer in the released Go types).
  const present = CAPABILITIES_FORM_HOST_SERVICES.filter((key) => given[key] !== undefined && given[key] !== null);
  // Each entry has passed its permission's schema above.
  const permissions = Object.fromEntries(present.map((key) => [key, key === 'http' ? releasedHttp(given.http as HttpJson) : given[key]])) as Permissions;
  return {
    dialect: 'capabilities',
    name: json.name ?? '',
    author: json.author ?? '',
    version: json.version ?? '',
    description: json.description ?? '',
    website: json.website ?? '',
    // Duplicates were accepted and meant nothing more.
    services: [...new Set(json.capabilities)],
    permissions,
    hostServices: present,
    configKeys: 'lower-case',
  };
}

interface HttpJson {
  reason: string;
  allowedUrls: Record<string, string[]>;
  allowLocalNetwork?: boolean;
}

/**
 * Released Navidrome let a pattern with a `*` and an empty or `/` path match any path
 * (`https://*.wikimedia.org` reaches every page of those hosts); here an empty path means `/`
 * only, so such patterns get the `/*` they meant.
 */
function releasedHttp(http: HttpJson): HttpJson {
  const anyPath = (pattern: string) => pattern.includes('*') && /^[a-z][a-z0-9+.-]*:\/\/[^/]*\/?$/i.test(pattern);
  const allowedUrls = Object.fromEntries(Object.entries(http.allowedUrls).map(([pattern, methods]) => [anyPath(pattern) ? `${pattern.replace(/\/$/, '')}/*` : pattern, methods]));
  return { ...http, allowedUrls };
}
