/**
 * ISO-8601 / RFC 3339 date-times to epoch ms, for JSON payloads that send `"ts": "2024-11-27T10:00:00Z"`.
 *
 * Only complete date-times with an explicit zone (Z or ±hh:mm) are accepted: without one the instant
 * depends on a time zone we would have to guess, and a wrong guess silently shifts every reading by
 * hours. Date.parse is not used because it reads zone-less strings as local time and rolls over
 * impossible dates (Feb 30) instead of refusing them.
 */
import { quote } from './validate.js';

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/** Epoch ms (sub-millisecond digits floored), or the reason the text is not an accepted date-time. */
export function parseIsoTimestamp(text: string): number | string {
  const m = ISO_DATE_TIME.exec(text);
  const shown = quote(text, 40);
  if (m === null) {
    return `ts ${shown} is not an ISO-8601 date-time; use e.g. "2024-11-27T10:00:00Z" or epoch milliseconds`;
  }
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  if (zone === undefined) {
    return `ts ${shown} has no time zone; add "Z" for UTC or an offset such as "+01:00"`;
  }
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s ?? '0');
  const offset = zoneOffsetMinutes(zone);
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  const valid =
    month >= 1 &&
    month <= 12 &&
    date.getUTCDate() === day &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offset !== undefined;
  if (!valid) return `ts ${shown} is not a valid date-time (check the month, day, time and offset)`;
  date.setUTCHours(hour, minute, second, Number((fraction ?? '').padEnd(3, '0').slice(0, 3)));
  return date.getTime() - offset * 60_000;
}

function zoneOffsetMinutes(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 23 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}
