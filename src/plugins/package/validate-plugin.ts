import { NdpError } from '../../errors';
import { HOST_FUNCTIONS } from '../../host';
import { compileModule, DEFAULT_MAX_MEMORY_MIB, DEFAULT_MAX_TABLE_ENTRIES, type ModuleRules } from '../../runtime';
import { checkServiceExports } from '../load-plugin';
import { parseManifest, type Manifest } from '../manifest';
import { packageLimits, type PackageFileName, type PackageLimits } from './package-layout';
import { readPackage, type PackageContents } from './read-package';

/** What a plugin's files proved on the way in. */
export interface ValidatedPlugin {
  readonly manifest: Manifest;
  /** SHA-256 of plugin.wasm, hex. */
  readonly wasmHash: string;
}

/** How install, update, dev and pack check a plugin. */
export interface ValidateOptions {
  /** Caps on the package's (or folder's) files; each one missing takes its DEFAULT_PACKAGE_LIMITS value. */
  readonly limits?: Partial<PackageLimits>;
  /**
   * What the sandbox will allow the module (host functions, memory cap). Pass the same rules the
   * Sandbox is built with, so install refuses exactly what loading would refuse later.
   */
  readonly moduleRules?: ModuleRules;
}

export type { ModuleRules };

/** The sidecar's defaults: the host functions it offers, and the default memory and table caps. */
const DEFAULT_MODULE_RULES: ModuleRules = { hostFunctions: HOST_FUNCTIONS, maxMemoryMiB: DEFAULT_MAX_MEMORY_MIB, maxTableEntries: DEFAULT_MAX_TABLE_ENTRIES };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The checks shared by install, update, dev and pack, in the loader's order: the manifest
 * schema (`bad_manifest`), then plugin.wasm compiles with only provided imports and the ABI
 * exports, then every declared service's exports exist (`bad_module`). Nothing is run.
 * `source` names the package or folder in errors.
 */
export async function validatePlugin(
  files: ReadonlyMap<PackageFileName, Buffer>,
  pluginId: string,
  source: string,
  moduleRules: ModuleRules = DEFAULT_MODULE_RULES,
): Promise<ValidatedPlugin> {
  const manifest = readManifest(files, pluginId, source);
  const wasm = requireFile(files, 'plugin.wasm', pluginId, source);
  // Copied into its own ArrayBuffer: a small Buffer is a view on Node's shared pool.
  const compiled = await compileModule(new Uint8Array(wasm), pluginId, moduleRules);
  checkServiceExports(manifest, compiled.functions, pluginId);
  return { manifest, wasmHash: compiled.hash };
}

/** Reads a package and validates the plugin in it: everything install and update check before writing. */
export async function validatePackage(file: string, pluginId: string, options: ValidateOptions = {}): Promise<PackageContents & ValidatedPlugin> {
  const contents = await readPackage(file, packageLimits(options.limits));
  return { ...contents, ...(await validatePlugin(contents.files, pluginId, file, options.moduleRules)) };
}

/** Parses the manifest.json among the files: strict UTF-8, then the schema (`bad_manifest`). */
export function readManifest(files: ReadonlyMap<PackageFileName, Buffer>, pluginId: string, source: string): Manifest {
  return parseManifest(decodeManifest(requireFile(files, 'manifest.json', pluginId, source), pluginId, source), pluginId, source);
}

function requireFile(files: ReadonlyMap<PackageFileName, Buffer>, name: PackageFileName, pluginId: string, source: string): Buffer {
  const data = files.get(name);
  // readPackage and readPluginFolder already insist on both files; this keeps a direct caller honest.
  if (!data) throw new NdpError('bad_package', `${source}: has no ${name}`, { pluginId, path: source });
  return data;
}

function decodeManifest(bytes: Buffer, pluginId: string, source: string): string {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw new NdpError('bad_manifest', `plugin ${pluginId}: manifest.json is not valid UTF-8`, { pluginId, path: source, cause: error });
  }
}
