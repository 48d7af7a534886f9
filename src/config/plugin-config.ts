/**
 * The `[PluginConfig.<plugin id>]` sections. Navidrome hands each plugin a map<string,string>,
 * so TOML numbers, booleans and dates become their text here; arrays and nested tables have no
 * string form a plugin could rely on, so they are refused with the exact key.
 */
import { configError, type Origin } from './config-error';

/** Mutable while loading; frozen as {@link PluginConfigMap} once loaded. */
export type PluginConfigRecord = Record<string, Record<string, string>>;

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function toText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // smol-toml's TomlDate prints the value as written (a local date stays "1979-05-27").
  if (value instanceof Date) return value.toISOString();
  return undefined;
}

/** Turns the parsed `PluginConfig` table into plain strings, or raises `bad_config` naming
 * `PluginConfig.<id>.<key>`. */
export function normalizePluginConfig(value: unknown, origin: Origin): PluginConfigRecord {
  if (!isTable(value)) {
    throw configError('PluginConfig', 'must be a table of [PluginConfig.<plugin id>] sections', origin);
  }
  const result: PluginConfigRecord = {};
  for (const [id, section] of Object.entries(value)) {
    if (!isTable(section)) {
      throw configError(
        `PluginConfig.${id}`,
        'must be a [PluginConfig.<plugin id>] section of key = "value" pairs',
        origin,
      );
    }
    const settings: Record<string, string> = {};
    for (const [key, setting] of Object.entries(section)) {
      const text = toText(setting);
      if (text === undefined) {
        const what = Array.isArray(setting) ? 'an array' : 'a nested table';
        throw configError(
          `PluginConfig.${id}.${key}`,
          `must be a string, number or boolean, not ${what}: plugins receive their config as string values`,
          origin,
        );
      }
      settings[key] = text;
    }
    result[id] = settings;
  }
  return result;
}

/** convict check for the merged value; normalizePluginConfig has already named any bad key from
 * the file, so this guards only against a caller setting the value some other way. */
export function checkPluginConfig(value: unknown): void {
  const ok =
    isTable(value) &&
    Object.values(value).every(
      (section) => isTable(section) && Object.values(section).every((setting) => typeof setting === 'string'),
    );
  if (!ok) throw new Error('must map plugin ids to tables of string values');
}
