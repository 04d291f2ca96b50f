import type { Priority } from '../alerting/domain/rule.js';

/**
 * When a delivery is due and until when retrying it still makes sense, by priority (the brief):
 * critical at once; high batched per person over a short window (10 s by default, within a minute);
 * medium grouped per person and sent after a delay (5 min by default, within 6 h); low in the person's
 * daily or weekly digest. Quiet hours defer all but critical. Pure: times in, times out.
 */

export interface QuietHours {
  /** Local "HH:MM". A window may cross midnight (22:00 -> 07:00). */
  start: string;
  end: string;
}

export interface DigestPlan {
  every: 'day' | 'week';
  /** Local "HH:MM". */
  at: string;
  /** For weekly digests: 1 = Monday ... 7 = Sunday. */
  weekday?: number;
}

export interface SchedulePolicy {
  highWindowMs: number;
  mediumDelayMs: number;
  /** How long after `now` each priority may still be retried. */
  deadlines: Record<Priority, number>;
}

export const DEFAULT_POLICY: SchedulePolicy = {
  highWindowMs: 10_000,
  mediumDelayMs: 5 * 60_000,
  deadlines: { critical: 5 * 60_000, high: 60_000, medium: 6 * 3_600_000, low: 24 * 3_600_000 },
};

export interface ScheduleInput {
  priority: Priority;
  now: number;
  timeZone: string;
  quietHours?: QuietHours | null;
  digest: DigestPlan;
  /** Due time of this person's open group for this priority, if one is waiting: join it. */
  openGroupDueAt?: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

const hm = (s: string): number => {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new Error(`"${s}" is not a time of day (HH:MM)`);
  return Number(m[1]) * 60 + Number(m[2]);
};

/** Offset of a zone from UTC at an instant, in ms (Intl: no tz database of our own). */
export function zoneOffset(ts: number, timeZone: string): number {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
      .formatToParts(new Date(ts))
      .filter((x) => x.type !== 'literal')
      .map((x) => [x.type, Number(x.value)]),
  ) as Record<string, number>;
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return asUtc - (ts - (ts % 1000));
}

/** Minutes since local midnight, the local day start (as local wall-clock ms) and the ISO weekday. */
function local(ts: number, timeZone: string): { minutes: number; dayStartWall: number; weekday: number } {
  const wall = ts + zoneOffset(ts, timeZone);
  const dayStartWall = wall - (((wall % DAY) + DAY) % DAY);
  const weekday = ((Math.floor(dayStartWall / DAY) + 3) % 7) + 1; // 1970-01-01 was a Thursday (4)
  return { minutes: Math.floor((wall - dayStartWall) / MINUTE), dayStartWall, weekday };
}

/** The UTC instant of a local wall-clock time (offsets differ across a DST change: settle in two steps). */
function wallToUtc(wall: number, timeZone: string): number {
  const first = wall - zoneOffset(wall, timeZone);
  return wall - zoneOffset(first, timeZone);
}

/** The first instant at or after `from` whose local time is hh:mm (and weekday, if given). */
export function nextLocalTime(from: number, at: string, timeZone: string, weekday?: number): number {
  const target = hm(at);
  const start = local(from, timeZone).dayStartWall;
  for (let d = 0; d < 9; d++) {
    const candidate = wallToUtc(start + d * DAY + target * MINUTE, timeZone);
    if (candidate >= from && (weekday === undefined || local(candidate, timeZone).weekday === weekday))
      return candidate;
  }
  throw new Error('no such local time within a week');
}

/** If `ts` falls in the quiet hours, the end of them; else `ts`. */
export function afterQuietHours(ts: number, q: QuietHours | null | undefined, timeZone: string): number {
  if (!q) return ts;
  const start = hm(q.start);
  const end = hm(q.end);
  if (start === end) return ts;
  const m = local(ts, timeZone).minutes;
  const inside = start < end ? m >= start && m < end : m >= start || m < end;
  return inside ? nextLocalTime(ts, q.end, timeZone) : ts;
}

export function schedule(
  input: ScheduleInput,
  policy: SchedulePolicy = DEFAULT_POLICY,
): { dueAt: number; deadlineAt: number } {
  const { priority, now, timeZone } = input;
  if (priority === 'critical') return { dueAt: now, deadlineAt: now + policy.deadlines.critical };
  let due: number;
  if (input.openGroupDueAt !== undefined && input.openGroupDueAt >= now) due = input.openGroupDueAt;
  else if (priority === 'high') due = now + policy.highWindowMs;
  else if (priority === 'medium') due = now + policy.mediumDelayMs;
  else
    due = nextLocalTime(
      now,
      input.digest.at,
      timeZone,
      input.digest.every === 'week' ? (input.digest.weekday ?? 1) : undefined,
    );
  due = afterQuietHours(due, input.quietHours, timeZone);
  return { dueAt: due, deadlineAt: Math.max(due, now) + policy.deadlines[priority] };
}
