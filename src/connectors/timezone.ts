/**
 * Timestamps of legacy tables: naive local wall-clock times ("2026-03-29 02:30:00", no zone) in the
 * site's IANA zone, or values with an explicit zone, or epoch numbers. Zone offsets come from Intl
 * (the ICU time-zone database shipped with Node), so DST transitions are right with no dependency.
 *
 * Naive times are resolved like Temporal's "compatible" disambiguation: a time that occurs twice (the
 * hour repeated when clocks go back) is the earlier instant; a time that never occurs (the hour skipped
 * when clocks go forward) is moved forward by the length of the gap.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

export function isValidZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

const HOUR_MS = 3_600_000;
const hourCache = new Map<string, number | null>();

/**
 * The zone's offset from UTC at `epochMs`, in ms (Berlin in summer: +7,200,000). Cached per UTC hour
 * when the offset is the same at both ends of it (zones change at most once an hour), so a backfill
 * of many rows pays Intl's price about once an hour of data.
 */
export function zoneOffsetMs(zone: string, epochMs: number): number {
  const h = Math.floor(epochMs / HOUR_MS);
  const key = `${zone}\u0000${h}`;
  let cached = hourCache.get(key);
  if (cached === undefined) {
    const a = exactOffsetMs(zone, h * HOUR_MS);
    cached = a === exactOffsetMs(zone, h * HOUR_MS + HOUR_MS - 1000) ? a : null;
    if (hourCache.size > 200_000) hourCache.clear();
    hourCache.set(key, cached);
  }
  return cached ?? exactOffsetMs(zone, epochMs);
}

function exactOffsetMs(zone: string, epochMs: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(epochMs)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(
    parts.year!,
    parts.month! - 1,
    parts.day!,
    parts.hour!,
    parts.minute!,
    parts.second!,
  );
  const whole = epochMs - (((epochMs % 1000) + 1000) % 1000);
  return asUtc - whole;
}

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

/** The UTC instant of a wall-clock time in `zone` (compatible disambiguation, see above). */
export function wallToEpoch(w: WallTime, zone: string): number {
  const local = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.ms);
  const before = zoneOffsetMs(zone, local - 86_400_000);
  const after = zoneOffsetMs(zone, local + 86_400_000);
  const fits = [before, after].filter((o) => zoneOffsetMs(zone, local - o) === o);
  if (fits.length > 0) return Math.min(...fits.map((o) => local - o));
  // In the gap: the offset before the transition carries it past, e.g. 02:30 -> 03:30 in Berlin.
  return local - before;
}

/** The wall-clock time of an instant in `zone`. */
export function epochToWall(epochMs: number, zone: string): WallTime {
  const d = new Date(epochMs + zoneOffsetMs(zone, epochMs));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds(),
  };
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** "YYYY-MM-DD HH:MM:SS.mmm": the form SQL databases compare with their naive timestamp columns. */
export const formatWall = (w: WallTime): string =>
  `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}.${pad(w.ms, 3)}`;

const NAIVE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?$/;
const ZONED = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

export type TimeFormat = 'auto' | 'epoch_ms' | 'epoch_s';

/**
 * A timestamp value from a source row as UTC epoch ms, or a reason it is not one. Strings with a zone
 * (Z, +01:00) are absolute; strings without one are wall-clock times in `zone`; numbers are epoch
 * milliseconds or seconds per `format` ('auto': seconds below 10^11, else milliseconds); Date objects
 * are taken as they are.
 */
export function parseSourceTime(
  value: unknown,
  zone: string,
  format: TimeFormat = 'auto',
): number | { error: string } {
  if (value instanceof Date) {
    const t = value.getTime();
    return Number.isFinite(t) ? t : { error: 'is an invalid date' };
  }
  if (
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value))
  ) {
    const n = Number(value);
    if (!Number.isFinite(n)) return { error: `"${String(value)}" is not a time` };
    const s = format === 'epoch_s' || (format === 'auto' && Math.abs(n) < 1e11);
    return Math.round(s ? n * 1000 : n);
  }
  if (typeof value !== 'string' || value.trim() === '')
    return { error: value == null ? 'is empty' : 'is not a time' };
  const text = value.trim();
  const m = NAIVE.exec(text);
  if (m) {
    const w: WallTime = {
      year: Number(m[1]),
      month: Number(m[2]),
      day: Number(m[3]),
      hour: Number(m[4] ?? 0),
      minute: Number(m[5] ?? 0),
      second: Number(m[6] ?? 0),
      ms: m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000 + 1e-6) : 0,
    };
    const check = new Date(Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second));
    if (
      check.getUTCMonth() !== w.month - 1 ||
      check.getUTCDate() !== w.day ||
      w.hour > 23 ||
      w.minute > 59 ||
      w.second > 59
    )
      return { error: `"${text}" is not a valid date and time` };
    return wallToEpoch(w, zone);
  }
  if (ZONED.test(text)) {
    // "2026-03-29 01:30:00+00" (PostgreSQL timestamptz text) and ISO-8601 both parse once normalised.
    const iso = text.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
    const t = Date.parse(iso);
    if (Number.isFinite(t)) return t;
  }
  return { error: `"${text.slice(0, 40)}" is not a time (use ISO-8601, "YYYY-MM-DD HH:MM:SS" or epoch)` };
}
