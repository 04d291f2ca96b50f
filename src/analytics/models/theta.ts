/**
 * The Theta method as Hyndman & Billah (2003) showed it to be: simple exponential smoothing with a
 * drift of half the slope of the linear trend (R forecast::thetaf). Intervals are those of the SES fit.
 * Not seasonally adjusted here: on a seasonal series the backtest decides against it.
 */
import { ses } from './smoothing.js';
import type { Fitted, Model } from './types.js';

/** Least-squares slope of y against 0..n-1. */
export function slope(y: readonly number[]): number {
  const n = y.length;
  const tMean = (n - 1) / 2;
  let yMean = 0;
  for (const v of y) yMean += v;
  yMean /= n;
  let num = 0;
  let den = 0;
  for (let t = 0; t < n; t++) {
    num += (t - tMean) * (y[t]! - yMean);
    den += (t - tMean) ** 2;
  }
  return den ? num / den : 0;
}

export const theta: Model = {
  name: 'theta',
  seasonal: false,
  minLength: () => 6,
  fit(y, period): Fitted {
    const base = ses.fit(y, period);
    const alpha = base.params.alpha!;
    const drift = slope(y) / 2;
    const n = y.length;
    const shift = (1 - (1 - alpha) ** n) / alpha;
    return {
      model: 'theta',
      sigma: base.sigma,
      params: { alpha, drift },
      forecast(h, level = 0.95) {
        const f = base.forecast(h, level);
        const add = f.mean.map((_, i) => drift * (i + shift));
        return {
          mean: f.mean.map((v, i) => v + add[i]!),
          lower: f.lower.map((v, i) => v + add[i]!),
          upper: f.upper.map((v, i) => v + add[i]!),
          level,
        };
      },
    };
  },
};
