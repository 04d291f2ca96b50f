/**
 * The additive exponential smoothing family in error-correction form (fpp3 ch. 8): simple exponential
 * smoothing, Holt's damped trend and additive Holt-Winters are the same recursion with parts switched
 * off. Parameters minimise the in-sample one-step squared error; intervals use the ETS variance
 * formula sd_h^2 = sigma^2 * (1 + sum_{j<h} c_j^2), c_j = alpha + beta*phi_j + gamma*[j mod m = 0].
 */
import { mean, minimize, rms, withInterval } from './stats.js';
import type { Fitted, Model, ModelName } from './types.js';

export interface EtsParams {
  alpha: number;
  /** Trend smoothing (absolute, < alpha); 0 and no trend when `trend` is false. */
  beta: number;
  gamma: number;
  phi: number;
  trend: boolean;
  period: number;
}

interface EtsRun {
  sse: number;
  residuals: number[];
  level: number;
  slope: number;
  /** The last m seasonal states, oldest first. */
  season: number[];
}

/**
 * Initial states, placed one step before the first observation so that a series that is exactly level +
 * slope * t + season has zero one-step errors: slope from the first two cycles, level and seasonal
 * indices from the first cycle around its trend line.
 */
function initial(y: readonly number[], p: EtsParams): { level: number; slope: number; season: number[] } {
  const m = p.period;
  if (m > 1) {
    const first = y.slice(0, m);
    const mid = mean(first);
    const b0 = p.trend && y.length >= 2 * m ? (mean(y.slice(m, 2 * m)) - mid) / m : 0;
    return {
      level: mid - (b0 * (m + 1)) / 2,
      slope: b0,
      season: first.map((v, i) => v - (mid + b0 * (i - (m - 1) / 2))),
    };
  }
  const b0 = p.trend && y.length > 1 ? y[1]! - y[0]! : 0;
  return { level: y[0]! - (p.trend ? p.phi : 0) * b0, slope: b0, season: [0] };
}

export function runEts(y: readonly number[], p: EtsParams, keepResiduals = true): EtsRun {
  const m = p.period > 1 ? p.period : 1;
  let { level, slope, season } = initial(y, p);
  season = season.slice();
  const phi = p.trend ? p.phi : 0;
  const residuals: number[] = [];
  let sse = 0;
  let si = 0; // index into the circular season buffer of s_{t-m}
  for (let t = 0; t < y.length; t++) {
    const s = m > 1 ? season[si]! : 0;
    const fc = level + phi * slope + s;
    const e = y[t]! - fc;
    if (keepResiduals) residuals.push(e);
    sse += e * e;
    const newLevel = level + phi * slope + p.alpha * e;
    slope = phi * slope + p.beta * e;
    level = newLevel;
    if (m > 1) {
      season[si] = s + p.gamma * e;
      si = (si + 1) % m;
    }
  }
  const ordered = m > 1 ? [...season.slice(si), ...season.slice(0, si)] : [0];
  return { sse, residuals, level, slope, season: ordered };
}

function etsFitted(name: ModelName, y: readonly number[], p: EtsParams): Fitted {
  const run = runEts(y, p);
  // Skip the first cycle's errors: they measure the initial states, not the model.
  const burn = Math.min(Math.max(1, p.period > 1 ? p.period : 1), Math.floor(y.length / 2));
  const sigma = rms(run.residuals.slice(burn));
  const m = p.period > 1 ? p.period : 1;
  const phi = p.trend ? p.phi : 0;
  return {
    model: name,
    sigma,
    params: {
      alpha: p.alpha,
      ...(p.trend ? { beta: p.beta, phi: p.phi } : {}),
      ...(m > 1 ? { gamma: p.gamma, period: m } : {}),
    },
    forecast(h, level = 0.95) {
      const out: number[] = [];
      const sd: number[] = [];
      let phiH = 0;
      let varSum = 1;
      let phiJ = 0;
      for (let i = 1; i <= h; i++) {
        phiH += phi ** i;
        out.push(run.level + phiH * run.slope + (m > 1 ? run.season[(i - 1) % m]! : 0));
        sd.push(sigma * Math.sqrt(varSum));
        // c_j for the next step's variance
        phiJ += phi ** i;
        const c = p.alpha + p.beta * phiJ + (m > 1 && i % m === 0 ? p.gamma : 0);
        varSum += c * c;
      }
      return withInterval(out, sd, level);
    },
  };
}

function fitEts(name: ModelName, y: readonly number[], trend: boolean, period: number): Fitted {
  // Free parameters only: alpha; beta* (share of alpha) and phi with a trend; gamma* (share of
  // 1 - alpha) with a season.
  const free = ['alpha', ...(trend ? ['beta', 'phi'] : []), ...(period > 1 ? ['gamma'] : [])];
  const start: Record<string, number> = { alpha: 0.5, beta: 0.1, phi: 0.95, gamma: 0.1 };
  const lo: Record<string, number> = { alpha: 0.0001, beta: 0, phi: 0.8, gamma: 0 };
  const hi: Record<string, number> = { alpha: 0.9999, beta: 1, phi: 0.98, gamma: 1 };
  const toParams = (x: number[]): EtsParams => {
    const v = (k: string) => x[free.indexOf(k)]!;
    const alpha = v('alpha');
    return {
      alpha,
      beta: trend ? alpha * v('beta') : 0,
      gamma: period > 1 ? (1 - alpha) * v('gamma') : 0,
      phi: trend ? v('phi') : 1,
      trend,
      period,
    };
  };
  const best = minimize(
    (x) => runEts(y, toParams(x), false).sse,
    free.map((k) => start[k]!),
    free.map((k) => lo[k]!),
    free.map((k) => hi[k]!),
    20 + 30 * free.length,
  );
  return etsFitted(name, y, toParams(best));
}

export const ses: Model = {
  name: 'ses',
  seasonal: false,
  minLength: () => 4,
  fit: (y) => fitEts('ses', y, false, 1),
};

export const holt: Model = {
  name: 'holt',
  seasonal: false,
  minLength: () => 6,
  fit: (y) => fitEts('holt', y, true, 1),
};

export const holtWinters: Model = {
  name: 'holtWinters',
  seasonal: true,
  minLength: (m) => 2 * m,
  fit: (y, period) => fitEts('holtWinters', y, true, period),
};

/** For tests: a fit with fixed parameters. */
export function etsWith(y: readonly number[], p: EtsParams): Fitted {
  return etsFitted(p.period > 1 ? 'holtWinters' : p.trend ? 'holt' : 'ses', y, p);
}
