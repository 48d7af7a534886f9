import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { NdpError } from '../errors';
import { capModule, checkAbiExports, checkImports, hostFunctionImports, type ModuleRules } from './check-module';
import type { WorkerModule } from './protocol';
import { analyseForRecycling } from './recyclable-module';
import { readModuleLayout, type ModuleLayout, type Signature } from './wasm-sections';

/** A module compiled from one content hash, with what the loader checks about it. */
export interface CompiledModule {
  readonly hash: string;
  /** What the workers run: the recyclable variant when there is one (recyclable-module.ts). */
  readonly module: WorkerModule;
  /** Exported function name -> signature, e.g. `(i32, i32) -> i64`. */
  readonly functions: ReadonlyMap<string, Signature>;
  /** The host functions (`env.<name>` among the rules' host functions) it imports. */
  readonly hostImports: readonly string[];
  /** Why instances of this module cannot be recycled (each call then gets a new instance). */
  readonly notRecyclable?: string;
}

/**
 * Compiles each distinct module once, keyed by the SHA-256 of its bytes, and keeps it for every
 * plugin (and refresh) that has the same bytes. Kept in memory: Node 20 cannot persist a
 * compiled module across processes (v8.deserialize throws on it, field-notes.md).
 */
export class ModuleCache {
  private readonly compiled = new Map<string, Promise<CompiledModule>>();

  constructor(
    private readonly rules: ModuleRules,
    /** Told how long each compile took, in seconds. */
    private readonly onCompiled?: (pluginId: string, seconds: number) => void,
    private readonly prepare: ModulePreparation = prepareModule,
  ) {}

  /** Compiles and checks the module, or returns the one compiled before from the same bytes. */
  compile(bytes: Uint8Array<ArrayBuffer>, pluginId: string): Promise<CompiledModule> {
    const hash = contentHash(bytes);
    let entry = this.compiled.get(hash);
    if (!entry) {
      const started = performance.now();
      entry = compileModule(bytes, pluginId, this.rules, hash, this.prepare);
      const onCompiled = this.onCompiled;
      if (onCompiled) entry.then(() => onCompiled(pluginId, (performance.now() - started) / 1000), () => undefined);
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

/**
 * What loading makes of a module's bytes: checked, rewritten and compiled. A Go-sized module
 * takes 33-100 ms of synchronous checks and rewrites and 5-10 ms of compiling on the thread that
 * asks, so the sidecar prepares modules in a thread of its own (module-preparer.ts) and receives
 * the compiled module, which threads of one process share.
 */
export interface PreparedModule {
  /** What the workers run: the recyclable variant when there is one (recyclable-module.ts). */
  readonly module: WorkerModule;
  readonly functions: ReadonlyMap<string, Signature>;
  /** Why instances of this module cannot be recycled. */
  readonly notRecyclable?: string;
}

/** Checks the module as given, writes its capped and recyclable variants and compiles one; throws `bad_module`. */
export async function prepareModule(bytes: Uint8Array<ArrayBuffer>, pluginId: string, rules: ModuleRules): Promise<PreparedModule> {
  // What runs is a rewrite (capped maxima; the recyclable variant's added locals and functions),
  // in which code reaching one past the module's own locals or functions, or a maximum below its
  // minimum, is valid: the module as given is held to the spec first, as Navidrome's wazero holds
  // it. A full validation without code generation, ~1 ms per MB of module at load.
  if (!WebAssembly.validate(bytes)) await compileOrRefuse(bytes, pluginId);
  let layout: ModuleLayout;
  try {
    layout = readModuleLayout(bytes);
  } catch (unreadable) {
    // Bytes the section reader cannot follow are usually not a module, and the compiler says
    // why. If they compile all the same, the caps cannot be applied: refuse rather than run it uncapped.
    await compileOrRefuse(bytes, pluginId);
    throw new NdpError('bad_module', `plugin ${pluginId}: plugin.wasm uses a form the sandbox cannot check: ${(unreadable as Error).message}`, { pluginId, cause: unreadable });
  }
  const capped = capModule(bytes, layout, pluginId, rules);
  const analysis = analyseForRecycling(capped);
  let notRecyclable = analysis.recyclable ? undefined : analysis.reason;
  let module: WorkerModule | undefined;
  if (analysis.recyclable) {
    // The module as given is valid (above), so a variant that does not compile is past one of
    // the engine's limits that the added locals and marking code reach first (V8: 50,000 locals,
    // 7,654,321 bytes of code per function); the module as given still runs, fresh for each call.
    module = await WebAssembly.compile(analysis.bytes).then(
      (compiled) => ({ module: compiled, recycle: { globalExports: analysis.globalExports, dirtyGlobals: analysis.dirtyGlobals, blockBytes: analysis.blockBytes } }),
      (error: Error) => {
        notRecyclable = `its rewritten code is past the engine's limits (${error.message})`;
        return undefined;
      },
    );
  }
  module ??= { module: await compileOrRefuse(capped, pluginId) };
  return { module, functions: layout.functionSignatures, notRecyclable };
}

/** Prepares modules (prepareModule, or the same in another thread). */
export type ModulePreparation = (bytes: Uint8Array<ArrayBuffer>, pluginId: string, rules: ModuleRules) => Promise<PreparedModule>;

/** Prepares a module under the sandbox's rules and checks its imports and ABI exports, keeping it nowhere. */
export async function compileModule(bytes: Uint8Array<ArrayBuffer>, pluginId: string, rules: ModuleRules, hash = contentHash(bytes), prepare: ModulePreparation = prepareModule): Promise<CompiledModule> {
  const { module, functions, notRecyclable } = await prepare(bytes, pluginId, rules);
  checkImports(module.module, pluginId, rules);
  checkAbiExports(functions, pluginId);
  return { hash, module, functions, hostImports: hostFunctionImports(module.module, rules), notRecyclable };
}

async function compileOrRefuse(bytes: Uint8Array<ArrayBuffer>, pluginId: string): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes);
  } catch (error) {
    throw new NdpError('bad_module', `plugin ${pluginId}: plugin.wasm does not compile: ${(error as Error).message}`, { pluginId, cause: error });
  }
}

function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
