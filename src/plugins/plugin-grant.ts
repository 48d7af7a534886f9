import { NdpError } from '../errors';
import { compileWebSocketPolicy, hostServiceOf, type HostGrant } from '../host';
import type { LoadedModule, Sandbox } from '../runtime';
import type { Manifest } from './manifest';

/** The sandbox as plugins use it: every module carries the grant of its plugin version. */
export type PluginSandbox = Sandbox<HostGrant>;
/** A plugin version's module, with its grant. */
export type PluginModule = LoadedModule<HostGrant>;

/**
 * What a plugin version may do through host functions: decided once, at load, from its manifest
 * and `[PluginConfig.<id>]`, then bound to every call it makes (so a call queued before a refresh
 * or a removal keeps the permissions it started with).
 */
export function grantFor(manifest: Manifest, config: Readonly<Record<string, string>>, pluginId: string): HostGrant {
  const { http, websocket, subsonicapi } = manifest.permissions;
  return {
    services: new Set(manifest.hostServices),
    http,
    websocket: websocket && compileWebSocketPolicy(websocket, pluginId),
    subsonicapi,
    config: manifest.configKeys === 'lower-case' ? lowerCaseKeys(config, pluginId) : config,
  };
}

/**
 * Released Navidrome read its config through viper, which lower-cases every key, so plugins
 * built for it read `clientid` for `ClientID`. Two keys that become one would leave the plugin
 * one of them at random there; here the plugin is refused with both names.
 */
function lowerCaseKeys(config: Readonly<Record<string, string>>, pluginId: string): Readonly<Record<string, string>> {
  const lowered: Record<string, string> = {};
  const from = new Map<string, string>();
  for (const [key, value] of Object.entries(config)) {
    const lower = key.toLowerCase();
    const earlier = from.get(lower);
    if (earlier !== undefined) {
      throw new NdpError('bad_config', `plugin ${pluginId}: [PluginConfig.${pluginId}] has both ${earlier} and ${key}, which this plugin (a Navidrome v0.57+ plugin) receives as the same key ${lower}`, {
        pluginId,
        key: `PluginConfig.${pluginId}.${key}`,
      });
    }
    from.set(lower, key);
    lowered[lower] = value;
  }
  return lowered;
}

/**
 * Throws `bad_module` for a host function the module imports but its manifest is not granted,
 * naming the import and the permission it needs. Released Navidrome compiled such a plugin and
 * then failed every call it made; refusing it at load says why, once.
 */
export function checkHostImports(manifest: Manifest, hostImports: readonly string[], pluginId: string): void {
  for (const name of hostImports) {
    const service = hostServiceOf(name);
    if (service === undefined || manifest.hostServices.includes(service)) continue;
    const needs =
      manifest.dialect === 'services'
        ? `which only plugins whose manifest.json uses the "capabilities" form are offered, with permissions.${service}`
        : service === 'timer'
          ? 'which only plugins whose manifest.json uses the "services" form are offered (released Navidrome had no timer service; use the scheduler)'
          : `which needs permissions.${service} (with a "reason") in its manifest.json`;
    throw new NdpError('bad_module', `plugin ${pluginId}: imports env.${name} of the ${service} host service, ${needs}`, { pluginId, field: `permissions.${service}` });
  }
}
