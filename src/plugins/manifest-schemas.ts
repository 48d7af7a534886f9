/**
 * The JSON Schemas of the two manifest forms, and the JSON each admits. Compiled by ajv at build
 * time, not at start-up (scripts/generate-manifest-validators.js writes
 * generated/validators/manifest-forms.ts): RATIONALE.md, "Why are the manifest schemas compiled
 * at build time?".
 */
import { REASON_ONLY_PERMISSION, RELEASED_HTTP_PERMISSION, SUBSONICAPI_PERMISSION, WEBSOCKET_PERMISSION } from './manifest-permissions';
import { CAPABILITY_NAMES, SERVICES_FORM_NAMES, type CapabilityName, type Manifest, type ServicesFormName } from './manifest-shape';

const text = { type: 'string', minLength: 1 } as const;

/**
 * ndphost's own form (contract.md, "manifest.json"): `services`, optional `permissions`. Unknown
 * top-level keys stay allowed (e.g. `$schema`).
 */
export const SERVICES_FORM_SCHEMA = {
  type: 'object',
  required: ['name', 'author', 'version', 'description', 'services'],
  properties: {
    name: text,
    author: text,
    version: text,
    description: { type: 'string' },
    services: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...SERVICES_FORM_NAMES] } },
    permissions: {
      type: 'object',
      properties: {
        http: {
          type: 'object',
          required: ['reason'],
          properties: {
            reason: text,
            allowedUrls: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 } },
            allowLocalNetwork: { type: 'boolean' },
          },
        },
        // Not offered to this form, but checked so `plugin info` can show them.
        websocket: WEBSOCKET_PERMISSION,
        subsonicapi: SUBSONICAPI_PERMISSION,
      },
      additionalProperties: REASON_ONLY_PERMISSION,
    },
  },
} as const;

export interface ServicesFormJson {
  name: string;
  author: string;
  version: string;
  description: string;
  services: ServicesFormName[];
  permissions?: Manifest['permissions'];
}

// Released Navidrome's loader unmarshalled into generated Go types without a schema validator:
// required keys must be present (null counts), JSON types and enums hold, capabilities is not
// empty, each present permission has a reason. Unknown keys, anywhere, are ignored.
const presentString = { type: ['string', 'null'] } as const;
const orNull = <T extends { type: string }>(schema: T) => ({ ...schema, type: [schema.type, 'null'] });

export const CAPABILITIES_FORM_SCHEMA = {
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

export interface CapabilitiesFormJson {
  name: string | null;
  author: string | null;
  version: string | null;
  description: string | null;
  website: string | null;
  capabilities: CapabilityName[] | null;
  permissions: { [key: string]: unknown } | null;
}
