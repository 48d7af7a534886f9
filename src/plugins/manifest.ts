import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Ajv, { type ErrorObject, type JSONSchemaType } from 'ajv';
import { SERVICE_NAMES, type ServiceName } from '../contract';
import { NdpError } from '../errors';
import { compileHttpPolicy, type HttpPermission } from '../host';

/** A validated manifest.json. */
export interface Manifest {
  name: string;
  author: string;
  version: string;
  description: string;
  services: ServiceName[];
  permissions?: { http?: HttpPermission; [hostService: string]: { reason: string } | undefined };
}

const text = { type: 'string', minLength: 1 } as const;

// Unknown top-level keys stay allowed (e.g. `$schema`), as contract.md says.
const schema: JSONSchemaType<Manifest> = {
  type: 'object',
  required: ['name', 'author', 'version', 'description', 'services'],
  properties: {
    name: text,
    author: text,
    version: text,
    description: { type: 'string' },
    services: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...SERVICE_NAMES] } },
    permissions: {
      type: 'object',
      nullable: true,
      required: [],
      properties: {
        http: {
          type: 'object',
          nullable: true,
          required: ['reason'],
          properties: {
            reason: text,
            allowedUrls: {
              type: 'object',
              nullable: true,
              required: [],
              additionalProperties: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
            },
            allowLocalNetwork: { type: 'boolean', nullable: true },
          },
        },
      },
      additionalProperties: { type: 'object', required: ['reason'], properties: { reason: text } },
    },
  },
} as unknown as JSONSchemaType<Manifest>;

const validate = new Ajv({ allErrors: true }).compile(schema);

/** Reads and validates `<folder>/manifest.json`; a problem is a `bad_manifest` naming the plugin and field. */
export async function loadManifest(folder: string, pluginId: string): Promise<Manifest> {
  const file = path.join(folder, 'manifest.json');
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    const reason = error.code === 'ENOENT' ? 'is missing' : `cannot be read: ${error.message}`;
    throw new NdpError('bad_manifest', `plugin ${pluginId}: manifest.json ${reason}`, { pluginId, path: file });
  });
  return parseManifest(text, pluginId, file);
}

/** Parses and validates manifest.json text (from a folder or a package); `file` names it in errors. */
export function parseManifest(text: string, pluginId: string, file: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new NdpError('bad_manifest', `plugin ${pluginId}: manifest.json is not valid JSON: ${(error as Error).message}`, { pluginId, path: file });
  }
  if (validate(json)) {
    // URL patterns and methods are checked here, at load, not on a plugin's first request.
    if (json.permissions?.http) compileHttpPolicy(json.permissions.http, pluginId);
    return json;
  }
  const [first] = validate.errors ?? [];
  const problems = (validate.errors ?? []).map(describe).join('; ');
  throw new NdpError('bad_manifest', `plugin ${pluginId}: manifest.json: ${problems}`, { pluginId, path: file, field: first && fieldOf(first) });
}

function describe(error: ErrorObject): string {
  const allowed = error.keyword === 'enum' ? ` (one of ${(error.params as { allowedValues: string[] }).allowedValues.join(', ')})` : '';
  return `field "${fieldOf(error)}" ${error.message ?? 'is invalid'}${allowed}`;
}

/** `services[0]`, `permissions.http.reason`: the field a person would look for. */
function fieldOf(error: ErrorObject): string {
  const parts = error.instancePath.split('/').slice(1);
  if (error.keyword === 'required') parts.push((error.params as { missingProperty: string }).missingProperty);
  return parts.reduce((field, part) => (/^\d+$/.test(part) ? `${field}[${part}]` : field ? `${field}.${part}` : part), '') || '(root)';
}
