/**
 * Gets the parsed config file ready for convict. convict's merge walks into any table it is
 * given, and crashes with a bare TypeError (no key) when a table sits where the schema has a
 * single setting, or where it expects a map such as PluginConfig. So tables and settings are
 * matched against the schema here, and PluginConfig is taken out to be normalised on its own.
 * Unknown keys are left in: convict's strict validation reports those.
 */
import { configError, fileOrigin } from './config-error';
import { normalizePluginConfig, type PluginConfigRecord } from './plugin-config';
import { schemaNodeAt } from './schema';
import type { ConfigFile } from './toml-file';

/** The file's settings for convict.load, and its plugin config for convict.set. */
export interface FileValues {
  readonly settings: Readonly<Record<string, unknown>>;
  readonly pluginConfig?: PluginConfigRecord;
}

function isTable(value: unknown): value is Readonly<Record<string, unknown>> {
  // TOML dates arrive as Date objects and are values, not tables.
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function checkShape(table: Readonly<Record<string, unknown>>, prefix: string, file: ConfigFile): void {
  for (const [name, value] of Object.entries(table)) {
    const key = prefix === '' ? name : `${prefix}.${name}`;
    const node = schemaNodeAt(key);
    if (node?.kind === 'section') {
      if (!isTable(value)) {
        throw configError(key, `must be a [${key}] section, not a single value`, fileOrigin(file.path));
      }
      checkShape(value, key, file);
    } else if (node?.kind === 'setting' && isTable(value)) {
      throw configError(key, 'must be a single value, not a table', fileOrigin(file.path));
    }
  }
}

/** Splits and checks the file's table; raises `bad_config` naming the key and the file. */
export function toFileValues(file: ConfigFile): FileValues {
  const { PluginConfig: pluginConfig, ...settings } = file.table;
  checkShape(settings, '', file);
  if (pluginConfig === undefined) return { settings };
  return { settings, pluginConfig: normalizePluginConfig(pluginConfig, fileOrigin(file.path)) };
}
