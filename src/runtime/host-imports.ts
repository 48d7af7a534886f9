import { assemblyScriptEnv } from './assemblyscript-env';
import { GuestContext } from './guest-context';
import { wasiImports } from './wasi-shim';

/** The import object every fresh instance in a worker is made with, built once per worker. */
export function hostImports(context: GuestContext): WebAssembly.Imports {
  return { wasi_snapshot_preview1: wasiImports(context), env: assemblyScriptEnv(context) };
}

/** `module.name` of every function the host provides, for checking a module at load. */
export const PROVIDED_IMPORTS: ReadonlySet<string> = new Set(
  Object.entries(hostImports(new GuestContext())).flatMap(([module, functions]) =>
    Object.keys(functions).map((name) => `${module}.${name}`),
  ),
);
