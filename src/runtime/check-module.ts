import { NdpError } from '../errors';
import { providedImports } from './host-imports';
import { withMemoryMaximum, type ModuleLayout, type Signature } from './wasm-sections';

/** What the sandbox allows a module: host functions it may import and a memory cap. */
export interface ModuleRules {
  /** Host functions offered as `env.<name>` besides WASI and AssemblyScript's env. */
  readonly hostFunctions: readonly string[];
  /** The most linear memory one instance may have (Plugins.MaxMemoryMiB). */
  readonly maxMemoryMiB: number;
}

/** Every module's ABI exports and their signatures (abi.md, "What a plugin exports"). */
const ABI_EXPORTS: ReadonlyArray<readonly [string, Signature, boolean]> = [
  ['malloc', '(i32) -> i32', true],
  ['free', '(i32) -> ()', true],
  ['_initialize', '() -> ()', false],
  ['_start', '() -> ()', false],
];

export const PAGE_BYTES = 64 * 1024;
export const DEFAULT_MAX_MEMORY_MIB = 128;

/**
 * Fits the module's own memory under the cap: a copy with the cap as its declared maximum is
 * returned, so V8 enforces it on every instance; an initial size over the cap is `bad_module`.
 */
export function capMemory(bytes: Uint8Array<ArrayBuffer>, layout: ModuleLayout, pluginId: string, rules: ModuleRules): Uint8Array<ArrayBuffer> {
  const capPages = Math.floor((rules.maxMemoryMiB * 1024 * 1024) / PAGE_BYTES);
  const memory = layout.memory;
  if (!memory) return bytes;
  if (memory.initialPages > capPages) {
    const mib = (memory.initialPages * PAGE_BYTES) / (1024 * 1024);
    throw new NdpError('bad_module', `plugin ${pluginId}: declares ${mib} MiB of initial memory, over the cap of ${rules.maxMemoryMiB} MiB (Plugins.MaxMemoryMiB)`, {
      pluginId,
      export: 'memory',
    });
  }
  if (memory.maximumPages !== undefined && memory.maximumPages <= capPages) return bytes;
  return withMemoryMaximum(bytes, memory, capPages);
}

/** Throws `bad_module` naming an ABI export that is missing or has the wrong signature. */
export function checkAbiExports(functions: ReadonlyMap<string, Signature>, pluginId: string): void {
  for (const [name, signature, required] of ABI_EXPORTS) {
    const actual = functions.get(name);
    if (actual === undefined && required) throw new NdpError('bad_module', `plugin ${pluginId}: does not export ${name}`, { pluginId, export: name });
    if (actual !== undefined && actual !== signature) throw wrongSignature(pluginId, name, actual, signature);
  }
}

/** Throws `bad_module` for an import the host does not provide. */
export function checkImports(module: WebAssembly.Module, pluginId: string, rules: ModuleRules): void {
  const provided = providedImports(rules.hostFunctions);
  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    if (kind !== 'function' || !provided.has(`${from}.${name}`)) {
      throw new NdpError('bad_module', `plugin ${pluginId}: imports ${kind} ${from}.${name}, which the host does not provide`, { pluginId });
    }
  }
  if (!WebAssembly.Module.exports(module).some((entry) => entry.name === 'memory' && entry.kind === 'memory')) {
    throw new NdpError('bad_module', `plugin ${pluginId}: does not export its memory as "memory"`, { pluginId, export: 'memory' });
  }
}

/** The error for an export whose signature is not the ABI's. */
export function wrongSignature(pluginId: string, name: string, actual: Signature, expected: Signature): NdpError {
  return new NdpError('bad_module', `plugin ${pluginId}: export ${name} has signature ${actual}, expected ${expected}`, { pluginId, export: name });
}
