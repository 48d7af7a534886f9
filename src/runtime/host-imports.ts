import { assemblyScriptEnv } from './assemblyscript-env';
import { GuestContext } from './guest-context';
import type { GuestChannel } from './host-channel';
import { hostFunctionImports } from './host-functions';
import { wasiImports } from './wasi-shim';

/** The import object every fresh instance in a worker is made with, built once per worker. */
export function hostImports(context: GuestContext, channel: GuestChannel | undefined, hostFunctions: readonly string[]): WebAssembly.Imports {
  const env = { ...assemblyScriptEnv(context), ...(channel ? hostFunctionImports(context, channel, hostFunctions) : {}) };
  return { wasi_snapshot_preview1: wasiImports(context), env };
}

/** `module.name` of every function the host provides, for checking a module at load. */
export function providedImports(hostFunctions: readonly string[]): ReadonlySet<string> {
  const imports = hostImports(new GuestContext(), undefined, []);
  const names = Object.entries(imports).flatMap(([module, functions]) => Object.keys(functions).map((name) => `${module}.${name}`));
  return new Set([...names, ...hostFunctions.map((name) => `env.${name}`)]);
}
