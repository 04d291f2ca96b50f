/**
 * Timestamp checks on raw points in arrival (file or insertion) order: sampling interval, gaps,
 * duplicate timestamps, clock jumps backwards, and bursts of one repeated timestamp at a daylight-saving
 * change (local wall-clock stamps converted to UTC badly).
 */
import { samplingInterval } from '../series.js';

export interface Gap {
  from: number;
  to: number;
  ms: number;
}
export interface BackJump {
  at: number;
  from: number;
  ms: number;
}
export interface DstGlitch {
  at: number;
  rows: number;
  /** Which rule's transition it sits on. */
  rule: 'US' | 'EU';
  transition: number;
}

export interface TimestampReport {
  rows: number;
  first: number;
  last: number;
  intervalMs: number;
  gaps: Gap[];
  duplicates: number;
  backJumps: BackJump[];
  dst: DstGlitch[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** nth (1-based; -1 = last) Sunday of a month, UTC midnight. */
function sunday(year: number, month: number, nth: number): number {
  if (nth > 0) {
    const first = new Date(Date.UTC(year, month, 1)).getUTCDay();
    return Date.UTC(year, month, 1 + ((7 - first) % 7) + 7 * (nth - 1));
  }
  const last = new Date(Date.UTC(year, month + 1, 0));
  return last.getTime() - last.getUTCDay() * DAY;
}

/** Wall-clock instants (as if UTC) of the daylight-saving changes of a year, US and EU rules. */
export function dstTransitions(year: number): { rule: 'US' | 'EU'; at: number }[] {
  return [
    { rule: 'US', at: sunday(year, 2, 2) + 2 * HOUR },
    { rule: 'US', at: sunday(year, 10, 1) + 2 * HOUR },
    { rule: 'EU', at: sunday(year, 2, -1) + 2 * HOUR },
    { rule: 'EU', at: sunday(year, 9, -1) + 3 * HOUR },
  ];
}

export function checkTimestamps(ts: readonly number[]): TimestampReport {
  const intervalMs = samplingInterval(ts);
  const gaps: Gap[] = [];
  const backJumps: BackJump[] = [];
  const seen = new Set<number>();
  let duplicates = 0;
  const repeats = new Map<number, number>();
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    if (seen.has(t)) {
      duplicates++;
      repeats.set(t, (repeats.get(t) ?? 1) + 1);
    }
    seen.add(t);
    if (i === 0) continue;
    const d = t - ts[i - 1]!;
    if (d < 0) backJumps.push({ at: t, from: ts[i - 1]!, ms: -d });
    else if (intervalMs > 0 && d > 1.5 * intervalMs) gaps.push({ from: ts[i - 1]!, to: t, ms: d });
  }
  const dst: DstGlitch[] = [];
  for (const [at, rows] of repeats) {
    if (rows < 3) continue; // a burst of one stamp, not a clock that went back and re-stamped
    const year = new Date(at).getUTCFullYear();
    const near = dstTransitions(year).find((x) => Math.abs(at - x.at) <= 2 * HOUR);
    if (near) dst.push({ at, rows, rule: near.rule, transition: near.at });
  }
  return {
    rows: ts.length,
    first: ts.length ? Math.min(...ts) : NaN,
    last: ts.length ? Math.max(...ts) : NaN,
    intervalMs,
    gaps,
    duplicates,
    backJumps,
    dst,
  };
}
