import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { API_VERSION, apiVersionExport, RPCS, rpcExports, type ServiceName } from '../contract';
import { NdpError } from '../errors';
import { loadManifest, type Manifest } from './manifest';
import { Plugin } from './plugin';
import { checkHostImports, grantFor, type PluginModule, type PluginSandbox } from './plugin-grant';
import type { Quarantine } from './quarantine';
import type { PluginFolder } from './scan-plugins';

/** What loading needs besides the folder. */
export interface LoadContext {
  readonly sandbox: PluginSandbox;
  /** Time limit of each load-time call (version checks, OnInit), from when a worker starts it. */
  readonly initTimeoutMs: number;
  /** `[PluginConfig.<id>]` of each plugin, for OnInit. */
  readonly pluginConfig: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly quarantine: Quarantine;
}

/**
 * Loads one plugin: validates its manifest, compiles plugin.wasm (once per content hash),
 * proves each declared service is served (its version export returns 1 and its rpc exports
 * exist; only declared services are checked, Go-built plugins export every one), then runs
 * OnInit with the plugin's config when it declares LifecycleManagement.
 */
export async function loadPlugin(location: PluginFolder, context: LoadContext): Promise<Plugin> {
  const { id, folder } = location;
  const { sandbox, initTimeoutMs } = context;
  if (location.problem) throw folderProblem(location);
  const manifest = await loadManifest(folder, id);
  const grant = grantFor(manifest, context.pluginConfig[id] ?? {}, id);
  const wasmFile = path.join(folder, 'plugin.wasm');
  const bytes = await readFile(wasmFile).catch((error: NodeJS.ErrnoException) => {
    const reason = error.code === 'ENOENT' ? 'is missing' : `cannot be read: ${error.message}`;
    throw new NdpError('bad_module', `plugin ${id}: plugin.wasm ${reason}`, { pluginId: id, path: wasmFile });
  });
  // The grant goes with the module: OnInit's host calls, and every later call, use this
  // version's permissions and config, whatever happens to the folder meanwhile.
  const module = await sandbox.load(id, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) as Uint8Array<ArrayBuffer>, grant);
  try {
    checkHostImports(manifest, module.hostImports, id);
    await checkServices(manifest, module, sandbox, initTimeoutMs);
    // OnInit gets the config as the plugin reads it (its grant's), keys lower-cased for released plugins.
    if (manifest.services.includes('LifecycleManagement')) await initialize(module, sandbox, grant.config, initTimeoutMs);
  } catch (error) {
    sandbox.unload(module);
    throw error;
  }
  return new Plugin(location, manifest, module, sandbox, context.quarantine);
}

const VERSION_SIGNATURE = '() -> i64';
const RPC_SIGNATURE = '(i32, i32) -> i64';

/** Throws `bad_module` naming the first export a declared service lacks or has with the wrong signature. */
export function checkServiceExports(manifest: Manifest, functions: ReadonlyMap<string, string>, pluginId: string): void {
  for (const service of manifest.services) {
    const expected: [string, string][] = [[apiVersionExport(service), VERSION_SIGNATURE], ...rpcExports(service).map((name): [string, string] => [name, RPC_SIGNATURE])];
    for (const [name, signature] of expected) {
      const actual = functions.get(name);
      if (actual === undefined) throw notServed(pluginId, service, name, 'is not exported');
      if (actual !== signature) throw notServed(pluginId, service, name, `has signature ${actual}, expected ${signature}`);
    }
  }
}

/**
 * One check at a time: each is a fresh instance, well under a millisecond, so a plugin's load
 * holds at most one worker, and a plugin whose start function spins fails at its first check.
 */
async function checkServices(manifest: Manifest, module: PluginModule, sandbox: PluginSandbox, timeoutMs: number): Promise<void> {
  checkServiceExports(manifest, module.functions, module.pluginId);
  for (const service of manifest.services) {
    const exportName = apiVersionExport(service);
    const version = await sandbox.apiVersion(module, exportName, timeoutMs);
    if (version !== API_VERSION) throw notServed(module.pluginId, service, exportName, `returns ${version}, expected ${API_VERSION}`);
  }
}

/** Runs OnInit once; a non-empty `error` (or a trap) fails the load. */
async function initialize(module: PluginModule, sandbox: PluginSandbox, config: Readonly<Record<string, string>>, timeoutMs: number): Promise<void> {
  const rpc = RPCS.LifecycleManagement.onInit;
  const reply = await sandbox.call(module, rpc.exportName, rpc.request({ config: { ...config } }).bytes, { timeoutMs, loadTime: true });
  let error: string;
  try {
    error = rpc.decodeResponse(reply).error;
  } catch (cause) {
    throw new NdpError('bad_abi', `plugin ${module.pluginId}: OnInit returned bytes that are not an InitResponse`, { pluginId: module.pluginId, export: rpc.exportName, cause });
  }
  if (error) throw new NdpError('plugin_error', `plugin ${module.pluginId}: OnInit failed: ${error}`, { pluginId: module.pluginId, export: rpc.exportName });
}

/** A plugin entry the scanner could not use as it is (unreadable, a link to nothing, a bad name). */
export function folderProblem({ id, folder, problem }: PluginFolder): NdpError {
  return new NdpError('bad_package', `plugin ${id}: ${folder} ${problem}`, { pluginId: id, path: folder });
}

function notServed(pluginId: string, service: ServiceName, exportName: string, what: string): NdpError {
  return new NdpError('bad_module', `plugin ${pluginId} declares ${service}, but export ${exportName} ${what}`, { pluginId, export: exportName });
}
