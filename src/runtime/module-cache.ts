import { createHash } from 'node:crypto';
import { NdpError } from '../errors';
import { providedImports } from './host-imports';


/** A module compiled from one content hash, with what the loader checks about it. */
export interface CompiledModule {
  readonly hash: string;
  readonly module: WebAssembly.Module;
  /** Names of the exported functions. */
  readonly functions: ReadonlySet<string>;
}

/** The exports the ABI needs from every plugin, whatever it serves (abi.md, "What a plugin exports"). */
const REQUIRED_FUNCTIONS = ['malloc', 'free'];

/**
 * Compiles each distinct module once, keyed by the SHA-256 of its bytes, and keeps it for every
 * plugin (and refresh) that has the same bytes. Kept in memory: Node 20 cannot persist a
 * compiled module across processes (v8.deserialize throws on it, field-notes.md).
 */
export class ModuleCache {
  private readonly compiled = new Map<string, Promise<CompiledModule>>();

  /** @param hostFunctions the host functions offered as `env.<name>` besides WASI and AssemblyScript's env. */
  constructor(private readonly hostFunctions: readonly string[]) {}

  /** Compiles and checks the module, or returns the one compiled before from the same bytes. */
  compile(bytes: Uint8Array<ArrayBuffer>, pluginId: string): Promise<CompiledModule> {
    const hash = contentHash(bytes);
    let entry = this.compiled.get(hash);
    if (!entry) {
      entry = compileModule(bytes, pluginId, this.hostFunctions, hash);
      this.compiled.set(hash, entry);
      entry.catch(() => this.compiled.delete(hash));
    }
    return entry;
  }

  /** Forgets a module no plugin uses any more. */
  forget(hash: string): void {
    this.compiled.delete(hash);
  }
}

/** Compiles a module and checks its imports (WASI, AssemblyScript env, `hostFunctions`) and ABI exports, keeping it nowhere. */
export async function compileModule(
  bytes: Uint8Array<ArrayBuffer>,
  pluginId: string,
  hostFunctions: readonly string[],
  hash = contentHash(bytes),
): Promise<CompiledModule> {
  const provided = providedImports(hostFunctions);
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (error) {
    throw new NdpError('bad_module', `plugin ${pluginId}: plugin.wasm does not compile: ${(error as Error).message}`, { pluginId, cause: error });
  }
  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    if (kind !== 'function' || !provided.has(`${from}.${name}`)) {
      throw new NdpError('bad_module', `plugin ${pluginId}: imports ${kind} ${from}.${name}, which the host does not provide`, { pluginId });
    }
  }
  const exports = WebAssembly.Module.exports(module);
  if (!exports.some((entry) => entry.name === 'memory' && entry.kind === 'memory')) {
    throw new NdpError('bad_module', `plugin ${pluginId}: does not export its memory as "memory"`, { pluginId, export: 'memory' });
  }
  const functions = new Set(exports.filter((entry) => entry.kind === 'function').map((entry) => entry.name));
  const missing = REQUIRED_FUNCTIONS.find((name) => !functions.has(name));
  if (missing) throw new NdpError('bad_module', `plugin ${pluginId}: does not export ${missing}`, { pluginId, export: missing });
  return { hash, module, functions };
}

function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
