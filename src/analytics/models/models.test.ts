import { describe, expect, it } from 'vitest';
import { arima } from './arima.js';
import { naive, seasonalNaive, seasonalNaiveScale } from './baselines.js';
import { autocorrelation, detectSeasonality } from './seasonality.js';
import { etsWith, holt, holtWinters, ses } from './smoothing.js';
import { normalQuantile } from './stats.js';
import { slope, theta } from './theta.js';

const Z95 = 1.959964;
const line = (n: number, a = 1, b = 2) => Array.from({ length: n }, (_, t) => a + b * t);
/** Deterministic pseudo-noise in [-0.5, 0.5). */
const noise = (n: number, seed = 1) => {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31 - 0.5;
  });
};

describe('normal quantile', () => {
  it('gives the textbook z values', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(Z95, 5);
    expect(normalQuantile(0.9)).toBeCloseTo(1.281552, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
  });
});

describe('naive', () => {
  it('repeats the last value with sd = sigma * sqrt(h)', () => {
    // residuals 1, 1, 2 -> sigma = sqrt(6/3) = sqrt(2)
    const f = naive.fit([1, 2, 3, 5], 1).forecast(2);
    expect(f.mean).toEqual([5, 5]);
    expect(f.upper[0]).toBeCloseTo(5 + Z95 * Math.sqrt(2), 4);
    expect(f.lower[1]).toBeCloseTo(5 - Z95 * Math.sqrt(4), 4);
  });
});

describe('seasonal naive', () => {
  it('repeats the last cycle; an exact cycle has a zero-width interval', () => {
    const f = seasonalNaive.fit([1, 2, 3, 1, 2, 3], 3).forecast(4);
    expect(f.mean).toEqual([1, 2, 3, 1]);
    expect(f.upper).toEqual([1, 2, 3, 1]);
  });
  it('widens by whole cycles: sd_h = sigma * sqrt(floor((h-1)/m) + 1)', () => {
    // residuals y_t - y_{t-2}: 2, 2, -2, -2 -> sigma 2
    const f = seasonalNaive.fit([0, 0, 2, 2, 0, 0], 2).forecast(3);
    expect(f.mean).toEqual([0, 0, 0]);
    expect(f.upper[1]).toBeCloseTo(Z95 * 2, 4);
    expect(f.upper[2]).toBeCloseTo(Z95 * 2 * Math.SQRT2, 4);
  });
  it('scales MASE by its in-sample mean absolute error', () => {
    expect(seasonalNaiveScale([0, 0, 2, 2, 0, 0], 2)).toBe(2);
    expect(seasonalNaiveScale([1, 2, 4], 1)).toBe(1.5);
  });
});

describe('seasonality detection', () => {
  it('finds the daily period of hourly data from the sampling interval', () => {
    const y = Array.from({ length: 24 * 6 }, (_, t) => 10 + 5 * Math.sin((2 * Math.PI * t) / 24));
    const s = detectSeasonality(y, 3_600_000);
    expect(s.kind).toBe('daily');
    expect(s.period).toBe(24);
    // a pure cycle: (n - lag) / n = 120 / 144
    expect(s.acf.daily).toBeCloseTo(120 / 144, 6);
  });
  it('finds a weekly period when weekdays differ from weekends', () => {
    const y = Array.from(
      { length: 24 * 7 * 3 },
      (_, t) => (Math.floor(t / 24) % 7 < 5 ? 10 : 0) + noise(1, t)[0]!,
    );
    expect(detectSeasonality(y, 3_600_000).kind).toBe('weekly');
  });
  it('finds none in noise, or with less than two cycles', () => {
    expect(detectSeasonality(noise(500), 3_600_000).kind).toBe('none');
    const short = Array.from({ length: 40 }, (_, t) => Math.sin((2 * Math.PI * t) / 24));
    expect(detectSeasonality(short, 3_600_000).period).toBe(1);
  });
  it('autocorrelation of an alternating series at lag 1 is close to -1', () => {
    expect(autocorrelation([1, -1, 1, -1, 1, -1, 1, -1], 1)).toBeCloseTo(-7 / 8, 9);
  });
});

describe('simple exponential smoothing', () => {
  it('updates the level by alpha times the error', () => {
    // level 10 -> error 2 at t=1 -> level 11; sigma over errors after the first: 2
    const f = etsWith([10, 12], { alpha: 0.5, beta: 0, gamma: 0, phi: 1, trend: false, period: 1 }).forecast(
      3,
    );
    expect(f.mean).toEqual([11, 11, 11]);
    // sd_h^2 = sigma^2 (1 + (h-1) alpha^2) -> h = 3: 4 * 1.5
    expect(f.upper[2]! - 11).toBeCloseTo(Z95 * Math.sqrt(6), 4);
  });
  it('fitted on a constant series forecasts the constant', () => {
    expect(ses.fit(Array(30).fill(7), 1).forecast(2).mean).toEqual([7, 7]);
  });
});

describe('Holt (damped)', () => {
  it('continues an exact line when phi = 1', () => {
    const f = etsWith(line(20), { alpha: 0.5, beta: 0.1, gamma: 0, phi: 1, trend: true, period: 1 }).forecast(
      3,
    );
    expect(f.mean.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([41, 43, 45]);
  });
  it('fitted, damps the trend: each step adds phi^h * slope', () => {
    const fit = holt.fit(line(40), 1);
    const f = fit.forecast(2).mean;
    const phi = fit.params.phi!;
    expect(f[0]).toBeCloseTo(79 + phi * 2, 4);
    expect(f[1]! - f[0]!).toBeCloseTo(phi * phi * 2, 4);
  });
});

describe('Holt-Winters additive', () => {
  it('continues trend plus season exactly when the history is exactly that', () => {
    const s = [1, -1, 2, -2];
    const y = Array.from({ length: 24 }, (_, t) => t + s[t % 4]!);
    const f = etsWith(y, { alpha: 0.3, beta: 0.1, gamma: 0.1, phi: 1, trend: true, period: 4 }).forecast(4);
    expect(f.mean.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([25, 24, 28, 25]);
    expect(f.upper[0]! - f.mean[0]!).toBeCloseTo(0, 9);
  });
  it('fitted on a noisy seasonal series, forecasts near the true pattern', () => {
    const s = [5, 0, -5, 0];
    const e = noise(80, 3);
    const y = Array.from({ length: 80 }, (_, t) => 20 + s[t % 4]! + 0.2 * e[t]!);
    const f = holtWinters.fit(y, 4).forecast(4);
    f.mean.forEach((v, i) => expect(Math.abs(v - (20 + s[i]!))).toBeLessThan(0.5));
    expect(f.lower[0]).toBeLessThan(f.mean[0]!);
  });
});

describe('Theta', () => {
  it('is SES plus half the regression slope as drift', () => {
    expect(slope([1, 3, 5, 7])).toBe(2);
    const fit = theta.fit(line(30, 0, 1), 1);
    expect(fit.params.drift).toBeCloseTo(0.5, 9);
    const f = fit.forecast(3).mean;
    expect(f[2]! - f[1]!).toBeCloseTo(0.5, 9);
    expect(f[0]).toBeGreaterThan(29);
  });
});

describe('ARIMA (ctsa WASM)', () => {
  it('loads in Node ESM, continues a trend and widens its interval', () => {
    const y = line(60, 0, 1).map((v, i) => v + 0.1 * noise(60, 5)[i]!);
    const f = arima.fit(y, 1).forecast(10);
    expect(Math.abs(f.mean[0]! - 60)).toBeLessThan(1);
    expect(f.upper[9]! - f.lower[9]!).toBeGreaterThan(f.upper[0]! - f.lower[0]!);
  });
});
