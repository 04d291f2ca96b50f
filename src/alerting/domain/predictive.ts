/**
 * The memory the two predictive conditions need, kept per fingerprint by the evaluator (and the
 * replay), updated one reading at a time, bounded, and pure like the rest of the domain (ADR 15/16):
 *
 * - forecast: the recent samples of the parameter (pushSample's window, at most 256 samples over the
 *   lookback); the forecast is their least-squares linear trend in time, projected `horizonMs` ahead.
 *   A local trend, not the analytics role's backtested model: the evaluator decides per reading, and a
 *   model refitted every few minutes would answer from stale data exactly when a cold room warms up;
 * - anomaly: the streaming detector's state (about 4 KB), scored once per reading timestamp, so
 *   a redelivered reading gets the same score instead of moving the state twice.
 */
import {
  DEFAULTS,
  initialState,
  scoreReading,
  type DetectorState,
} from '../../analytics/anomaly/detector.js';
import type { Sample } from './conditions.js';
import type { Condition } from './rule.js';

/** How long a fingerprint's window must reach back for the condition (undefined: no window). */
export function windowKeepMs(c: Condition): number | undefined {
  if (c.type === 'rate') return c.windowMs;
  if (c.type === 'forecast') return lookbackOf(c);
  return undefined;
}

export const lookbackOf = (c: Extract<Condition, { type: 'forecast' }>): number =>
  c.lookbackMs ?? 4 * c.horizonMs;

/** Fewest samples a trend is fitted on. */
export const MIN_TREND_SAMPLES = 5;

/**
 * The value the linear trend of the samples in (ts - lookback, ts] reaches at ts + horizon; undefined
 * with fewer than MIN_TREND_SAMPLES samples or when they span less than a quarter of the lookback.
 */
export function trendForecast(
  window: readonly Sample[],
  now: Sample,
  lookbackMs: number,
  horizonMs: number,
): number | undefined {
  const pts = window.filter((s) => s.ts > now.ts - lookbackMs && s.ts < now.ts);
  pts.push(now);
  if (pts.length < MIN_TREND_SAMPLES || now.ts - pts[0]!.ts < lookbackMs / 4) return undefined;
  let mt = 0;
  let mv = 0;
  for (const p of pts) {
    mt += p.ts - now.ts;
    mv += p.value;
  }
  mt /= pts.length;
  mv /= pts.length;
  let num = 0;
  let den = 0;
  for (const p of pts) {
    num += (p.ts - now.ts - mt) * (p.value - mv);
    den += (p.ts - now.ts - mt) ** 2;
  }
  const slope = den ? num / den : 0;
  return mv + slope * (horizonMs - mt);
}

export interface AnomalyMemory {
  state: DetectorState;
  lastTs: number;
  lastScore: number;
}

/**
 * Scores a reading with the fingerprint's detector. An older or repeated timestamp does not move the
 * state (order per sensor, redelivery); the score is undefined while the detector warms up.
 */
export function scoreAnomaly(
  mem: AnomalyMemory | undefined,
  s: Sample,
): { mem: AnomalyMemory; score: number | undefined } {
  const m = mem ?? { state: initialState(), lastTs: -Infinity, lastScore: 0 };
  if (s.ts <= m.lastTs)
    return { mem: m, score: s.ts === m.lastTs && m.state.n > DEFAULTS.warmup ? m.lastScore : undefined };
  const r = scoreReading(m.state, s.value, DEFAULTS, s.ts);
  const next = { state: r.state, lastTs: s.ts, lastScore: r.score };
  return { mem: next, score: r.state.n > DEFAULTS.warmup ? r.score : undefined };
}
