import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { API_VERSION, apiVersionExport, rpcExports, type ServiceName } from '../contract';
import { NdpError } from '../errors';
import type { LoadedModule, Sandbox } from '../runtime';
import { loadManifest, type Manifest } from './manifest';
import { Plugin } from './plugin';
import type { PluginFolder } from './scan-plugins';

/**
 * Loads one plugin: validates its manifest, compiles plugin.wasm (once per content hash), and
 * proves each declared service is served: its version export returns 1 and its rpc exports
 * exist. Only the declared services are checked; Go-built plugins export every service.
 */
export async function loadPlugin(location: PluginFolder, sandbox: Sandbox, checkTimeoutMs: number): Promise<Plugin> {
  const { id, folder } = location;
  const manifest = await loadManifest(folder, id);
  const wasmFile = path.join(folder, 'plugin.wasm');
  const bytes = await readFile(wasmFile).catch((error: NodeJS.ErrnoException) => {
    const reason = error.code === 'ENOENT' ? 'is missing' : `cannot be read: ${error.message}`;
    throw new NdpError('bad_module', `plugin ${id}: plugin.wasm ${reason}`, { pluginId: id, path: wasmFile });
  });
  const module = await sandbox.load(id, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) as Uint8Array<ArrayBuffer>);
  try {
    await checkServices(manifest, module, sandbox, Date.now() + checkTimeoutMs);
  } catch (error) {
    sandbox.unload(module);
    throw error;
  }
  return new Plugin(location, manifest, module, sandbox);
}

/** Throws `bad_module` naming the first export a declared service lacks. */
export function checkServiceExports(manifest: Manifest, functions: ReadonlySet<string>, pluginId: string): void {
  for (const service of manifest.services) {
    const missing = [apiVersionExport(service), ...rpcExports(service)].find((name) => !functions.has(name));
    if (missing) throw notServed(pluginId, service, missing, 'is not exported');
  }
}

async function checkServices(manifest: Manifest, module: LoadedModule, sandbox: Sandbox, deadline: number): Promise<void> {
  checkServiceExports(manifest, module.functions, module.pluginId);
  await Promise.all(
    manifest.services.map(async (service) => {
      const exportName = apiVersionExport(service);
      const version = await sandbox.apiVersion(module, exportName, deadline);
      if (version !== API_VERSION) throw notServed(module.pluginId, service, exportName, `returns ${version}, expected ${API_VERSION}`);
    }),
  );
}

function notServed(pluginId: string, service: ServiceName, exportName: string, what: string): NdpError {
  return new NdpError('bad_module', `plugin ${pluginId} declares ${service}, but export ${exportName} ${what}`, { pluginId, export: exportName });
}
