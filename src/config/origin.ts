/**
 * Says which source set a key, so an error can point the user at the flag, environment variable
 * or file to fix. convict merges the sources without recording this, so it is worked out from
 * the inputs, in precedence order (flags, then environment, then file).
 */
import type { Origin } from './config-error';
import { fileOrigin } from './config-error';
import { schemaNodeAt } from './schema';

/** The inputs of one load. */
export interface Sources {
  readonly env: NodeJS.ProcessEnv;
  readonly args: readonly string[];
  readonly file?: { readonly path: string; readonly table: Readonly<Record<string, unknown>> };
}

function hasFlag(args: readonly string[], flag: string): boolean {
  // The spellings yargs-parser (inside convict) accepts for one flag.
  return args.some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`) || arg === `--no-${flag}`);
}

function fileHas(table: Readonly<Record<string, unknown>>, key: string): boolean {
  let node: unknown = table;
  for (const name of key.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, name)) return false;
    node = (node as Record<string, unknown>)[name];
  }
  return true;
}

/** Where the value of `key` came from. */
export function originOf(key: string, sources: Sources): Origin {
  const node = schemaNodeAt(key);
  const option = node?.kind === 'setting' ? node.option : undefined;
  if (option?.flag !== undefined && hasFlag(sources.args, option.flag)) {
    return { description: `flag --${option.flag}` };
  }
  if (option?.env !== undefined && sources.env[option.env] !== undefined) {
    return { description: `environment variable ${option.env}` };
  }
  if (sources.file !== undefined && fileHas(sources.file.table, key)) {
    return fileOrigin(sources.file.path);
  }
  return { description: 'the default' };
}
