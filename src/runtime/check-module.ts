import { NdpError } from '../errors';
import { providedImports } from './host-imports';
import { PAGE_BYTES, withMaximums, type LimitsEdit, type ModuleLayout, type Signature } from './wasm-sections';

/** What the sandbox allows a module: host functions it may import, and caps on memory and tables. */
export interface ModuleRules {
  /** Host functions offered as `env.<name>` besides WASI and AssemblyScript's env. */
  readonly hostFunctions: readonly string[];
  /** The most linear memory one instance may have (Plugins.MaxMemoryMiB). */
  readonly maxMemoryMiB: number;
  /** The most entries one instance's tables may hold, all together (Plugins.MaxTableEntries). */
  readonly maxTableEntries: number;
}

/** Every module's ABI exports and their signatures (abi.md, "What a plugin exports"). */
const ABI_EXPORTS: ReadonlyArray<readonly [string, Signature, boolean]> = [
  ['malloc', '(i32) -> i32', true],
  ['free', '(i32) -> ()', true],
  ['_initialize', '() -> ()', false],
  ['_start', '() -> ()', false],
];

export const DEFAULT_MAX_MEMORY_MIB = 128;
/**
 * A Go-built plugin has about 20,000 table entries (one table, fixed size); five times that
 * leaves room. An entry costs about 45 bytes of worker memory (1M entries: 44 MiB RSS), so the
 * default bounds an instance's tables near 4.5 MiB.
 */
export const DEFAULT_MAX_TABLE_ENTRIES = 100_000;
/**
 * Toolchains emit one table; reference types allow more. Each costs instantiation time and
 * memory even when empty (100,000 empty tables: 290 ms and 42 MiB per instance), so a few
 * dozen is plenty.
 */
export const MAX_TABLES = 100;

/**
 * Fits the module's own memory and tables under the caps: a copy with lowered maximums is
 * returned, so V8 enforces them on every instance. A shared memory, an initial size over a cap,
 * or too many tables is `bad_module`.
 */
export function capModule(bytes: Uint8Array<ArrayBuffer>, layout: ModuleLayout, pluginId: string, rules: ModuleRules): Uint8Array<ArrayBuffer> {
  const edits = [...memoryEdits(layout, pluginId, rules), ...tableEdits(layout, pluginId, rules)];
  return edits.length === 0 ? bytes : withMaximums(bytes, edits);
}

function memoryEdits({ memory, memoryExport }: ModuleLayout, pluginId: string, rules: ModuleRules): LimitsEdit[] {
  if (!memory) return [];
  const name = memoryExport === undefined ? 'its memory' : `its memory "${memoryExport}"`;
  // A shared memory's buffer is a SharedArrayBuffer, which cannot be handed back to the main
  // thread as a reply; plugins run single-threaded in a fresh instance per call anyway (issue 8, item 12).
  if (memory.shared) throw new NdpError('bad_module', `plugin ${pluginId}: declares ${name} as shared (threads); plugins run one thread per call, so shared memory is refused`, { pluginId, export: memoryExport });
  const capPages = Math.floor((rules.maxMemoryMiB * 1024 * 1024) / PAGE_BYTES);
  if (memory.initial > capPages) {
    const mib = (memory.initial * PAGE_BYTES) / (1024 * 1024);
    throw new NdpError('bad_module', `plugin ${pluginId}: declares ${mib} MiB of initial memory, over the cap of ${rules.maxMemoryMiB} MiB (Plugins.MaxMemoryMiB)`, {
      pluginId,
      export: 'memory',
    });
  }
  return memory.maximum !== undefined && memory.maximum <= capPages ? [] : [{ at: memory, maximum: capPages }];
}

/**
 * The cap holds for all tables together (issue 8, item 9: 8 tables grown to 10M entries took
 * 2 GiB): initial sizes over it are refused, and the room left for table.grow is shared out
 * equally, so whatever the guest grows, its tables never hold more than the cap.
 */
function tableEdits({ tables }: ModuleLayout, pluginId: string, rules: ModuleRules): LimitsEdit[] {
  if (tables.length === 0) return [];
  if (tables.length > MAX_TABLES) throw new NdpError('bad_module', `plugin ${pluginId}: defines ${tables.length} tables; at most ${MAX_TABLES} are allowed`, { pluginId });
  const cap = rules.maxTableEntries;
  const initial = tables.reduce((total, table) => total + table.initial, 0);
  if (initial > cap) {
    const what = tables.length === 1 ? `table 0 with ${initial} initial entries` : `${initial} initial table entries (${tables.map((table, index) => `table ${index}: ${table.initial}`).join(', ')})`;
    throw new NdpError('bad_module', `plugin ${pluginId}: declares ${what}, over the cap of ${cap} (Plugins.MaxTableEntries)`, { pluginId });
  }
  const room = Math.floor((cap - initial) / tables.length);
  return tables.flatMap((table) => {
    const maximum = table.initial + room;
    return table.maximum !== undefined && table.maximum <= maximum ? [] : [{ at: table, maximum }];
  });
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

/** The host functions among the module's `env` imports, for per-plugin checks above the runtime. */
export function hostFunctionImports(module: WebAssembly.Module, rules: ModuleRules): string[] {
  const offered = new Set(rules.hostFunctions);
  return WebAssembly.Module.imports(module).flatMap(({ module: from, name }) => (from === 'env' && offered.has(name) ? [name] : []));
}

/** The error for an export whose signature is not the ABI's. */
export function wrongSignature(pluginId: string, name: string, actual: Signature, expected: Signature): NdpError {
  return new NdpError('bad_module', `plugin ${pluginId}: export ${name} has signature ${actual}, expected ${expected}`, { pluginId, export: name });
}
