/**
 * Parses the duration strings the config accepts: Go-style `500ms`, `10s`, `1m30s`, `1.5h`
 * (Navidrome users write durations this way), or bare digits meaning milliseconds, because an
 * environment variable or flag can only carry a string.
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

// `ms` comes before `m` so that "500ms" is not read as 500 minutes followed by "s".
const PART = /(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h)/y;

/** Milliseconds, or undefined when `text` is not a duration. The sign is kept so "-1s" can be
 * reported as "must be greater than 0" rather than as unreadable. */
export function parseDuration(text: string): number | undefined {
  let rest = text.trim();
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (/^\d+$/.test(rest)) return sign * Number(rest);
  if (rest === '') return undefined;

  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < rest.length) {
    const match = PART.exec(rest);
    if (match === null) return undefined;
    total += Number(match[1]) * (UNIT_MS[match[2]] ?? Number.NaN);
  }
  return Number.isFinite(total) ? sign * total : undefined;
}
