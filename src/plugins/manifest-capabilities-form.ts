import Ajv from 'ajv';
import type { HostServiceName } from '../host';
import { manifestError, schemaError } from './manifest-errors';
import { REASON_ONLY_PERMISSION, RELEASED_HTTP_PERMISSION, SUBSONICAPI_PERMISSION, WEBSOCKET_PERMISSION } from './manifest-permissions';
import { CAPABILITY_NAMES, type CapabilityName, type Manifest, type Permissions } from './manifest-shape';

/**
 * The host services of the capabilities form, each offered only when its permission key is
 * present (secure by default, as released). No `timer`: released Navidrome never had one.
 */
const CAPABILITIES_FORM_HOST_SERVICES = ['config', 'scheduler', 'cache', 'artwork', 'http', 'websocket', 'subsonicapi'] as const satisfies readonly HostServiceName[];

// Released Navidrome's loader unmarshalled into generated Go types without a schema validator:
// required keys must be present (null counts), JSON types and enums hold, capabilities is not
// empty, each present permission has a reason. Unknown keys, anywhere, are ignored.
const presentString = { type: ['string', 'null'] } as const;
const orNull = <T extends { type: string }>(schema: T) => ({ ...schema, type: [schema.type, 'null'] });

const schema = {
  type: 'object',
  required: ['name', 'author', 'version', 'description', 'website', 'capabilities', 'permissions'],
  properties: {
    name: presentString,
    author: presentString,
    version: presentString,
    description: presentString,
    website: presentString,
    capabilities: { type: ['array', 'null'], minItems: 1, items: { type: 'string', enum: [...CAPABILITY_NAMES] } },
    permissions: {
      type: ['object', 'null'],
      properties: {
        http: orNull(RELEASED_HTTP_PERMISSION),
        websocket: orNull(WEBSOCKET_PERMISSION),
        subsonicapi: orNull(SUBSONICAPI_PERMISSION),
        config: orNull(REASON_ONLY_PERMISSION),
        scheduler: orNull(REASON_ONLY_PERMISSION),
        cache: orNull(REASON_ONLY_PERMISSION),
        artwork: orNull(REASON_ONLY_PERMISSION),
      },
    },
  },
} as const;

interface CapabilitiesFormJson {
  name: string | null;
  author: string | null;
  version: string | null;
  description: string | null;
  website: string | null;
  capabilities: CapabilityName[] | null;
  permissions: { [key: string]: unknown } | null;
}

const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile<CapabilitiesFormJson>(schema);

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
