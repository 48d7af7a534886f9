import { Cron } from 'croner';

/**
 * When a recurring schedule fires next. The dialect is released Navidrome's (robfig/cron v3's
 * standard parser, released-dialect.md "scheduler"): exactly five fields (minute, hour,
 * day-of-month, month, day-of-week) with names, `?`, ranges, steps and lists; `@yearly`,
 * `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`; `@every <Go duration>` (at
 * least 1 s); an optional `TZ=<zone>` or `CRON_TZ=<zone>` prefix, else the host's local time.
 * croner evaluates the fields; `@every` and the zone prefix, which croner lacks, are handled here.
 */
export interface CronExpression {
  /** The expression as the plugin wrote it. */
  readonly source: string;
  /** The first fire time strictly after `after` (ms since the epoch), or undefined if there is none. */
  next(after: number): number | undefined;
}

/** robfig's descriptors, as the five fields they stand for. */
const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const SECOND = 1000;

/** Parses an expression; a problem comes back as a sentence for the plugin, never a throw. */
export function parseCron(source: string): CronExpression | { problem: string } {
  let spec = source.trim();
  let timezone: string | undefined;
  const zoned = /^(?:CRON_)?TZ=(\S*)\s*(.*)$/.exec(spec);
  if (zoned) {
    [, timezone, spec] = zoned;
    if (!isTimeZone(timezone)) return { problem: `unknown time zone ${JSON.stringify(timezone)} in ${JSON.stringify(source)}` };
  }
  if (spec.startsWith('@every ')) {
    const ms = parseGoDuration(spec.slice('@every '.length).trim());
    if (ms === undefined) return { problem: `bad duration in ${JSON.stringify(source)}: use a Go duration such as "30s", "5m" or "1h30m"` };
    // robfig: at least a second, in whole seconds, each run on a whole second after the last.
    const every = Math.max(SECOND, ms - (ms % SECOND));
    return { source, next: (after) => after - (after % SECOND) + every };
  }
  const fields = DESCRIPTORS[spec.toLowerCase()] ?? spec;
  if (fields.startsWith('@')) return { problem: `unrecognized descriptor ${JSON.stringify(spec)}` };
  const parts = fields.split(/\s+/).filter((part) => part !== '');
  if (parts.length !== 5) return { problem: `expected exactly 5 fields (minute hour day-of-month month day-of-week), found ${parts.length}: ${JSON.stringify(source)}` };
  let cron: Cron;
  try {
    // robfig matches day-of-month OR day-of-week when both are restricted, but AND when either
    // starts with `*` or `?` (so "*/2 * 5" is odd days that are Fridays).
    const domAndDow = /^[*?]/.test(parts[2]) || /^[*?]/.test(parts[4]);
    cron = new Cron(parts.join(' '), { mode: '5-part', timezone, domAndDow, paused: true });
  } catch (error) {
    return { problem: `bad cron expression ${JSON.stringify(source)}: ${(error as Error).message.replace(/^CronPattern: /, '')}` };
  }
  const next = (after: number) => cron.nextRun(new Date(after))?.getTime();
  if (next(Date.now()) === undefined) return { problem: `cron expression ${JSON.stringify(source)} never fires` };
  return { source, next };
}

/** Go's time.ParseDuration, in milliseconds (fractions kept): "1h30m", "1.5s", "500ms", "-2m", "0". */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  const match = /^([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (match === null) return undefined;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: SECOND, m: 60 * SECOND, h: 3600 * SECOND };
  let total = 0;
  for (const [, amount, name] of match[2].matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(amount) * unit[name];
  return match[1] === '-' ? -total : total;
}

function isTimeZone(zone: string): boolean {
  if (zone === '') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
