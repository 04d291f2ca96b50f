/**
 * The two baselines every other model must beat. Naive: the last value. Seasonal naive: the value one
 * period ago. Their intervals come from the in-sample one-step errors (Hyndman & Athanasopoulos,
 * fpp3 5.5): naive sd_h = sigma * sqrt(h); seasonal naive sd_h = sigma * sqrt(floor((h - 1) / m) + 1).
 */
import { rms, withInterval } from './stats.js';
import type { Fitted, Model } from './types.js';

export const naive: Model = {
  name: 'naive',
  seasonal: false,
  minLength: () => 2,
  fit(y) {
    const res: number[] = [];
    for (let t = 1; t < y.length; t++) res.push(y[t]! - y[t - 1]!);
    const sigma = rms(res);
    const last = y[y.length - 1]!;
    return {
      model: 'naive',
      sigma,
      params: {},
      forecast: (h, level = 0.95) =>
        withInterval(
          Array.from({ length: h }, () => last),
          Array.from({ length: h }, (_, i) => sigma * Math.sqrt(i + 1)),
          level,
        ),
    } satisfies Fitted;
  },
};

export const seasonalNaive: Model = {
  name: 'snaive',
  seasonal: false, // falls back to naive when the period is 1
  minLength: (m) => Math.max(2, m + 1),
  fit(y, period) {
    const m = Math.max(1, Math.min(period, y.length - 1));
    const res: number[] = [];
    for (let t = m; t < y.length; t++) res.push(y[t]! - y[t - m]!);
    const sigma = rms(res);
    const n = y.length;
    return {
      model: 'snaive',
      sigma,
      params: { period: m },
      forecast: (h, level = 0.95) =>
        withInterval(
          Array.from({ length: h }, (_, i) => y[n - m + (i % m)]!),
          Array.from({ length: h }, (_, i) => sigma * Math.sqrt(Math.floor(i / m) + 1)),
          level,
        ),
    };
  },
};

/** In-sample mean absolute error of the seasonal naive (lag m) forecast: MASE's denominator. */
export function seasonalNaiveScale(y: readonly number[], period: number): number {
  const m = Math.max(1, Math.min(period, y.length - 1));
  let s = 0;
  let n = 0;
  for (let t = m; t < y.length; t++) {
    s += Math.abs(y[t]! - y[t - m]!);
    n++;
  }
  return n ? s / n : NaN;
}
