import { describe, expect, it } from 'vitest';
import { windowedGaussian } from './baseline.js';
import {
  AnomalyDetector,
  BINS,
  DEFAULTS,
  initialState,
  log10Tail,
  scoreReading,
  scoreSeries,
  SEASON_SLOTS,
  VIEW_ERROR,
  VIEW_LEVEL,
  VIEW_STEP,
} from './detector.js';

/** Deterministic noise in [-0.5, 0.5). */
const noise = (n: number, seed = 1) => {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31 - 0.5;
  });
};

describe('streaming anomaly detector', () => {
  const calm = noise(1000).map((e) => 20 + e);

  it('gives a spike the highest score of the series, above the onset level', () => {
    const y = calm.slice();
    y[800] = 40;
    const s = scoreSeries(y);
    const top = s.indexOf(Math.max(...s));
    expect(top).toBeGreaterThanOrEqual(800);
    expect(top).toBeLessThan(803);
    expect(s[top]).toBeGreaterThan(DEFAULTS.onset);
    expect(Math.max(...s.slice(100, 790))).toBeLessThan(s[top]!);
  });

  it('marks a level shift once, at its onset, then damps the rest of the episode', () => {
    const y = calm.map((v, i) => (i >= 600 ? v + 10 : v));
    const s = scoreSeries(y);
    const onset = s.findIndex((v, i) => i >= 600 && v > DEFAULTS.onset);
    expect(onset).toBeGreaterThanOrEqual(600);
    expect(onset).toBeLessThan(610);
    expect(Math.max(...s.slice(onset + 1, onset + DEFAULTS.refractory))).toBeLessThan(DEFAULTS.onset);
  });

  it('scores nothing during warm-up and ignores non-finite values', () => {
    expect(scoreSeries([1, 100, -100, 5]).every((v) => v === 0)).toBe(true);
    const st = initialState();
    expect(scoreReading(st, NaN).state).toEqual(st);
  });

  it('is pure and keeps bounded state: a few hundred numbers per series however long it runs', () => {
    const st = initialState();
    scoreReading(st, 5, DEFAULTS, 0);
    expect(st).toEqual(initialState());
    let s = initialState();
    const all = { ...DEFAULTS, views: 31 };
    noise(5000).forEach((v, i) => (s = scoreReading(s, v * (1 + (i % 7)), all, i * 300_000).state));
    const numbers = JSON.stringify(s).match(/-?[\d.]+(e[-+]?\d+)?/g)!.length;
    // 168 season slots x 2, 12 x 12 contextual counts, ~40 scalars: about 4 KB as doubles
    expect(numbers).toBeLessThanOrEqual(SEASON_SLOTS * 2 + BINS * BINS + 50);
    expect(numbers * 8).toBeLessThan(5 * 1024);
  });

  it('flags a missing daily peak only with the seasonal profile', () => {
    // hourly readings, a peak of +10 from 9:00 to 17:00 every day; on day 40 the peak does not come
    const hour = 3_600_000;
    const ts = Array.from({ length: 24 * 45 }, (_, i) => i * hour);
    const e = noise(ts.length, 7);
    const y = ts.map((t, i) => {
      const h = (t / hour) % 24;
      const day = Math.floor(t / (24 * hour));
      return 20 + e[i]! + (h >= 9 && h < 17 && day !== 40 ? 10 : 0);
    });
    const day40 = (s: number[]) => Math.max(...s.slice(40 * 24, 41 * 24));
    const daily = { ...DEFAULTS, seasonMs: 86_400_000 };
    const withSeason = day40(scoreSeries(y, daily, ts));
    const without = day40(scoreSeries(y, { ...daily, views: VIEW_ERROR | VIEW_LEVEL | VIEW_STEP }, ts));
    expect(withSeason).toBeGreaterThan(DEFAULTS.onset);
    expect(without).toBeLessThan(withSeason);
  });

  it('computes the log tail probability far beyond where 1 - cdf underflows', () => {
    expect(log10Tail(0)).toBeCloseTo(Math.log10(0.5), 6);
    expect(log10Tail(3)).toBeCloseTo(Math.log10(0.0013499), 3);
    expect(log10Tail(10)).toBeCloseTo(Math.log10(7.6199e-24), 2);
    expect(log10Tail(40)).toBeLessThan(-300);
  });

  it('keeps at most maxSeries series, dropping the least recently scored', () => {
    const d = new AnomalyDetector(DEFAULTS, 2);
    d.score('a', 1);
    d.score('b', 1);
    d.score('a', 2);
    d.score('c', 1);
    expect(d.size).toBe(2);
    expect(d.state('b')).toBeUndefined();
    expect(d.state('a')!.n).toBe(2);
  });
});

describe('windowed Gaussian baseline', () => {
  it('scores the value far from the window mean highest', () => {
    const y = noise(300).map((e) => 10 + e);
    y[250] = 30;
    const s = windowedGaussian(y, 100);
    expect(s.indexOf(Math.max(...s))).toBe(250);
  });
});
