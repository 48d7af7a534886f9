import type { TimeNowResponse } from '../../../generated/ts/host/scheduler/scheduler';

/**
 * SchedulerService.TimeNow (v0.58+): the host's clock as Go's time.Now() printed it. `rfc3339_nano`
 * is RFC 3339 in the host's local time zone with the fraction's trailing zeros trimmed (none left:
 * no fraction) and `Z` for a zero offset, as Go's RFC3339Nano layout prints; the clock here has
 * millisecond precision. `local_time_zone` is the zone's IANA name (Go would say "Local" for a
 * zone read from /etc/localtime; the name is more use to a plugin).
 */
export function timeNow(now = new Date()): TimeNowResponse {
  return { rfc3339Nano: rfc3339Local(now), unixMilli: now.getTime(), localTimeZone: localTimeZone() };
}

function rfc3339Local(date: Date): string {
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  const fraction = date.getMilliseconds() === 0 ? '' : `.${pad(date.getMilliseconds(), 3).replace(/0+$/, '')}`;
  const offset = -date.getTimezoneOffset();
  const zone = offset === 0 ? 'Z' : `${offset > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return (
    `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${fraction}${zone}`
  );
}

function localTimeZone(): string {
  // As Go: TZ names the zone when set (":" prefix allowed), and an empty TZ means UTC.
  const tz = process.env.TZ;
  if (tz !== undefined) return tz === '' ? 'UTC' : tz.replace(/^:/, '');
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
}
