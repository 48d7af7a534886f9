/**
 * The convict formats the schema uses. Each pairs a check with a coercion for strings, because
 * environment variables and flags arrive as text while TOML values arrive typed. Coercions never
 * throw: text they cannot read is passed through unchanged so the check reports it with its key
 * (an exception from a coercion would escape convict without one).
 *
 * convict keeps formats in one process-wide registry, hence the `ndphost-` prefix.
 */
import convict from 'convict';
import { addressProblem, adminAddressProblem } from './address';
import { parseDuration } from './duration';

/** Format names for the schema. */
export const FORMAT = {
  address: 'ndphost-address',
  adminAddress: 'ndphost-admin-address',
  optionalAddress: 'ndphost-optional-address',
  boolean: 'ndphost-boolean',
  folder: 'ndphost-folder',
  optionalFolder: 'ndphost-optional-folder',
  workers: 'ndphost-workers',
  positiveInt: 'ndphost-positive-int',
  duration: 'ndphost-duration',
  pluginIds: 'ndphost-plugin-ids',
  optionalUrl: 'ndphost-optional-url',
  headerName: 'ndphost-header-name',
  text: 'ndphost-text',
} as const;

// setTimeout treats anything longer as 1 ms (with only a warning), so a longer timeout would
// silently become an immediate one.
const MAX_TIMER_MS = 2 ** 31 - 1;

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

function check(ok: boolean, problem: string): void {
  if (!ok) throw new Error(problem);
}

// convict's own `int` coercion uses parseInt, which would accept "12abc" as 12.
function toInteger(text: string): number | string {
  return /^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : text;
}

function toBoolean(text: string): boolean | string {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return text;
}

// One comma-separated string from an environment variable or flag; a repeated flag reaches us
// already joined with commas.
function toIdList(text: string): string[] {
  return text
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
}

function checkPluginIds(value: unknown): void {
  check(
    Array.isArray(value) && value.every((id) => typeof id === 'string' && id.trim() !== ''),
    'must be a list of plugin ids, like ["wikibio", "lastfm"]',
  );
  const ids = value as string[];
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  check(repeated === undefined, `lists "${repeated}" more than once`);
}

function checkDuration(value: unknown): void {
  check(
    typeof value === 'number' && !Number.isNaN(value),
    'must be a duration: milliseconds as a number, or a string like "500ms", "10s" or "1m"',
  );
  const ms = value as number;
  check(ms > 0, 'must be greater than 0');
  check(Number.isInteger(ms), 'must be a whole number of milliseconds');
  check(ms <= MAX_TIMER_MS, `must be at most ${MAX_TIMER_MS} ms (about 24 days), Node's longest timer`);
}

// Empty means "not set"; otherwise an absolute http(s) URL, checked now rather than at first use.
function checkOptionalUrl(value: unknown): void {
  check(typeof value === 'string', 'must be a URL');
  if (value === '') return;
  let url: URL | undefined;
  try {
    url = new URL(value as string);
  } catch {
    url = undefined;
  }
  check(url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:'), 'must be an absolute http:// or https:// URL, like "https://music.example.com"');
}

const FORMATS: Record<string, convict.Format> = {
  [FORMAT.address]: {
    validate(value: unknown) {
      const problem = addressProblem(value);
      if (problem !== undefined) throw new Error(problem);
    },
  },
  [FORMAT.adminAddress]: {
    validate(value: unknown) {
      const problem = adminAddressProblem(value);
      if (problem !== undefined) throw new Error(problem);
    },
  },
  // Empty turns the listener off.
  [FORMAT.optionalAddress]: {
    validate(value: unknown) {
      if (value === '') return;
      const problem = addressProblem(value);
      if (problem !== undefined) throw new Error(`${problem}, or empty to turn it off`);
    },
  },
  [FORMAT.boolean]: {
    validate: (value: unknown) => check(typeof value === 'boolean', 'must be true or false'),
    coerce: toBoolean,
  },
  [FORMAT.folder]: {
    validate: (value: unknown) =>
      check(typeof value === 'string' && value !== '', 'must be a non-empty path'),
  },
  // Empty means "derive from DataFolder", which the loader does once all sources are merged.
  [FORMAT.optionalFolder]: {
    validate: (value: unknown) => check(typeof value === 'string', 'must be a path'),
  },
  // 0 stands for "one per CPU", resolved after loading.
  [FORMAT.workers]: {
    validate: (value: unknown) =>
      check(
        Number.isInteger(value) && (value as number) >= 0,
        'must be a whole number >= 1, or 0 for one per CPU',
      ),
    coerce: toInteger,
  },
  [FORMAT.positiveInt]: {
    validate: (value: unknown) =>
      check(Number.isInteger(value) && (value as number) >= 1, 'must be a whole number >= 1'),
    coerce: toInteger,
  },
  [FORMAT.duration]: {
    validate: checkDuration,
    coerce: (text: string) => parseDuration(text) ?? text,
  },
  [FORMAT.pluginIds]: {
    validate: checkPluginIds,
    coerce: toIdList,
  },
  [FORMAT.optionalUrl]: {
    validate: checkOptionalUrl,
  },
  // RFC 9110's token: what an HTTP header name may be.
  [FORMAT.headerName]: {
    validate: (value: unknown) => check(typeof value === 'string' && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value), 'must be an HTTP header name, like "Remote-User"'),
  },
  [FORMAT.text]: {
    validate: (value: unknown) => check(typeof value === 'string', 'must be a string'),
  },
};

/** Registers the formats with convict. Safe to call more than once: later calls re-register the
 * same functions. Must run before the schema is handed to convict, which looks formats up then. */
export function registerFormats(): void {
  convict.addFormats(FORMATS);
}
