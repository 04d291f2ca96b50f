/**
 * Seasonality from the sampling interval: the daily and weekly periods in steps are known from the
 * interval, and a period is kept when the series' autocorrelation at that lag is clearly positive and
 * at least two cycles of history are present.
 */
const DAY = 86_400_000;
const WEEK = 7 * DAY;

export interface Seasonality {
  /** Period in steps (1 when none was found). */
  period: number;
  kind: 'none' | 'daily' | 'weekly';
  /** Autocorrelation at the daily and weekly lags (NaN when there are not two cycles of data). */
  acf: { daily: number; weekly: number };
  /** Steps each candidate needs for two cycles (what the diagnosis compares history with). */
  needs: { daily: number; weekly: number };
}

/** Sample autocorrelation of y at `lag`. */
export function autocorrelation(y: readonly number[], lag: number): number {
  const n = y.length;
  if (lag <= 0 || lag >= n) return NaN;
  let m = 0;
  for (const v of y) m += v;
  m /= n;
  let den = 0;
  for (const v of y) den += (v - m) ** 2;
  if (den === 0) return 0;
  let num = 0;
  for (let t = lag; t < n; t++) num += (y[t]! - m) * (y[t - lag]! - m);
  return num / den;
}

/** Minimum autocorrelation at the seasonal lag for the period to count. */
export const MIN_SEASONAL_ACF = 0.3;

export function detectSeasonality(y: readonly number[], intervalMs: number): Seasonality {
  const daily = Math.round(DAY / intervalMs);
  const weekly = Math.round(WEEK / intervalMs);
  const acfAt = (m: number) => (m >= 2 && y.length >= 2 * m ? autocorrelation(y, m) : NaN);
  const acf = { daily: acfAt(daily), weekly: acfAt(weekly) };
  const needs = { daily: 2 * daily, weekly: 2 * weekly };
  // The weekly lag also sees the daily cycle, so prefer weekly only when it is clearly stronger.
  if (acf.weekly >= MIN_SEASONAL_ACF && !(acf.daily >= acf.weekly - 0.05))
    return { period: weekly, kind: 'weekly', acf, needs };
  if (acf.daily >= MIN_SEASONAL_ACF) return { period: daily, kind: 'daily', acf, needs };
  if (acf.weekly >= MIN_SEASONAL_ACF) return { period: weekly, kind: 'weekly', acf, needs };
  return { period: 1, kind: 'none', acf, needs };
}
