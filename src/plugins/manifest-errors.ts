import type { ErrorObject } from 'ajv';
import { NdpError } from '../errors';

/** A `bad_manifest` naming the plugin, the file and the field a person would look for. */
export function manifestError(pluginId: string, file: string, field: string | undefined, problem: string): NdpError {
  return new NdpError('bad_manifest', `plugin ${pluginId}: manifest.json: ${problem}`, { pluginId, path: file, field });
}

/** The schema's complaints as one `bad_manifest`, naming every field (the first in `field`). */
export function schemaError(pluginId: string, file: string, errors: readonly ErrorObject[]): NdpError {
  const [first] = errors;
  return manifestError(pluginId, file, first && fieldOf(first), errors.map(describe).join('; '));
}

function describe(error: ErrorObject): string {
  const allowed = error.keyword === 'enum' ? ` (one of ${(error.params as { allowedValues: string[] }).allowedValues.join(', ')})` : '';
  return `field "${fieldOf(error)}" ${error.message ?? 'is invalid'}${allowed}`;
}

/** `services[0]`, `permissions.http.reason`: the field a person would look for. */
function fieldOf(error: ErrorObject): string {
  const parts = error.instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') parts.push((error.params as { missingProperty: string }).missingProperty);
  return parts.reduce((field, part) => (/^\d+$/.test(part) ? `${field}[${part}]` : field ? `${field}.${part}` : part), '') || '(root)';
}
