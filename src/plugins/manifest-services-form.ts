import Ajv from 'ajv';
import { schemaError } from './manifest-errors';
import { REASON_ONLY_PERMISSION, SUBSONICAPI_PERMISSION, WEBSOCKET_PERMISSION } from './manifest-permissions';
import { SERVICES_FORM_HOST_SERVICES, SERVICES_FORM_NAMES, type Manifest, type ServicesFormName } from './manifest-shape';

const text = { type: 'string', minLength: 1 } as const;

/**
 * ndphost's own form (contract.md, "manifest.json"): `services`, optional `permissions`. Unknown
 * top-level keys stay allowed (e.g. `$schema`).
 */
const schema = {
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

interface ServicesFormJson {
  name: string;
  author: string;
  version: string;
  description: string;
  services: ServicesFormName[];
  permissions?: Manifest['permissions'];
}

const validate = new Ajv({ allErrors: true }).compile<ServicesFormJson>(schema);

/** Validates and normalises a manifest in the `services` form; a problem is a `bad_manifest`. */
export function parseServicesForm(json: unknown, pluginId: string, file: string): Manifest {
  if (!validate(json)) throw schemaError(pluginId, file, validate.errors ?? []);
  const { name, author, version, description, services, permissions = {} } = json;
  return {
    dialect: 'services',
    name,
    author,
    version,
    description,
    services,
    permissions,
    // What this form has offered from the start, whatever its permissions list.
    hostServices: SERVICES_FORM_HOST_SERVICES,
    configKeys: 'as-written',
  };
}
