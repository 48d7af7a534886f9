import type { HostGrant, HostServiceName } from '../host';
import type { LoadedModule, Sandbox } from '../runtime';
import type { Manifest } from './manifest';

/** The sandbox as plugins use it: every module carries the grant of its plugin version. */
export type PluginSandbox = Sandbox<HostGrant>;
/** A plugin version's module, with its grant. */
export type PluginModule = LoadedModule<HostGrant>;

// The host services of the `services` manifest form: what ndphost has offered from the start.
const SERVICES_FORM: ReadonlySet<HostServiceName> = new Set(['http', 'timer', 'config']);

/**
 * What a plugin version may do through host functions: decided once, at load, from its manifest
 * and `[PluginConfig.<id>]`, then bound to every call it makes (so a call queued before a refresh
 * or a removal keeps the permissions it started with).
 */
export function grantFor(manifest: Manifest, config: Readonly<Record<string, string>>): HostGrant {
  return { services: SERVICES_FORM, http: manifest.permissions?.http, config };
}
