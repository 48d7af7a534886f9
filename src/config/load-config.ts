/**
 * Reads the configuration once, from every source, checks it in one place and returns it frozen.
 *
 * Precedence, later wins: schema defaults, the TOML file, environment variables, flags.
 */
import { resolve } from 'node:path';
import convict from 'convict';
import type { Config } from './config';
import { deepFreeze } from './deep-freeze';
import { toFileValues } from './file-values';
import { registerFormats } from './formats';
import type { Sources } from './origin';
import { resolveConfig } from './resolve-config';
import { configSchema, type RawConfig } from './schema';
import { readConfigFile } from './toml-file';
import { toValidationError } from './validation-error';

/** Inputs of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Path to a TOML file; relative to the working directory. No file when absent. */
  readonly configFile?: string;
  /** Environment variables; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Command-line arguments to read flags from, such as `['--address', '0.0.0.0:50051']`.
   * Default: none. process.argv is never read implicitly, so the CLI decides what is a flag. */
  readonly args?: readonly string[];
}

/** Loads, checks and freezes the configuration; raises NdpError `bad_config` naming the key. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  registerFormats();
  const file = options.configFile === undefined ? undefined : readConfigFile(resolve(options.configFile));
  const sources: Sources = { env: options.env ?? process.env, args: [...(options.args ?? [])], file };
  const fileValues = file === undefined ? undefined : toFileValues(file);

  // convict falls back to process.argv when `args` is missing, so an empty list is always passed.
  // It applies env and args in its constructor and again after load(), which gives the
  // precedence above.
  const store = convict<RawConfig>(configSchema, { env: sources.env, args: [...sources.args] });
  if (fileValues !== undefined) {
    store.load(fileValues.settings);
    // set(), not load(): load() would walk into the nested plugin tables (see file-values.ts).
    if (fileValues.pluginConfig !== undefined) store.set('PluginConfig', fileValues.pluginConfig);
  }
  try {
    store.validate({ allowed: 'strict' });
  } catch (error) {
    throw toValidationError(error, sources);
  }
  return deepFreeze(resolveConfig(store.getProperties(), sources));
}
