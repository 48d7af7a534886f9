import { validateServicesForm as validate } from '../../generated/validators/manifest-forms';
import { schemaError } from './manifest-errors';
import { SERVICES_FORM_HOST_SERVICES, type Manifest } from './manifest-shape';

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
