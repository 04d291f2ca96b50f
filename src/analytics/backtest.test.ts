import { describe, expect, it } from 'vitest';
import { backtest, choose, originsFor, smapeOf, type ModelScore } from './backtest.js';
import { naive, seasonalNaive } from './models/baselines.js';
import { holt } from './models/smoothing.js';

describe('rolling origins', () => {
  it('steps back by the horizon from the end, keeping enough training data', () => {
    expect(originsFor(100, 10, 4, 20)).toEqual([60, 70, 80, 90]);
    expect(originsFor(40, 10, 4, 20)).toEqual([20, 30]);
  });
});

describe('sMAPE', () => {
  it('is 200 |a - f| / (|a| + |f|)', () => {
    expect(smapeOf(100, 50)).toBeCloseTo((200 * 50) / 150, 9);
    expect(smapeOf(0, 0)).toBe(0);
  });
});

describe('backtest', () => {
  it('scores naive on a line by hand: MASE at step h is h (scale: mean |y_t - y_{t-1}| = 1)', () => {
    const y = Array.from({ length: 50 }, (_, t) => t);
    const r = backtest(y, { horizon: 3, period: 1, models: [naive, seasonalNaive, holt] });
    const n = r.scores.find((s) => s.model === 'naive')!;
    expect(n.maseByStep).toEqual([1, 2, 3]);
    expect(n.mase).toBe(2);
    expect(n.smapeByStep[0]).toBeGreaterThan(0);
    expect(r.chosen).toBe('holt');
    expect(r.reason).toMatch(/lowest MASE/);
  });
  it('falls back to seasonal naive when nothing beats it', () => {
    const y = Array.from({ length: 60 }, (_, t) => [3, 1, 4, 1][t % 4]!);
    const r = backtest(y, { horizon: 4, period: 4, models: [naive, seasonalNaive, holt] });
    expect(r.scores.find((s) => s.model === 'snaive')!.mase).toBe(0);
    expect(r.chosen).toBe('snaive');
    expect(r.reason).toMatch(/no model beats seasonal naive/);
  });
  it('says when history is too short to backtest', () => {
    const r = backtest([1, 2, 3], { horizon: 5, period: 1 });
    expect(r.origins).toEqual([]);
    expect(r.chosen).toBe('snaive');
    expect(r.scores[0]!.skipped).toMatch(/no backtest origin/);
  });
  it('a model that beats the baseline only on paper (equal MASE) is not chosen', () => {
    const s = (model: ModelScore['model'], mase: number): ModelScore => ({
      model,
      mase,
      smape: 0,
      maseByStep: [],
      smapeByStep: [],
      origins: 1,
      fitMs: 0,
    });
    expect(choose([s('snaive', 1), s('ses', 1)], 24).chosen).toBe('snaive');
    expect(choose([s('snaive', 1), s('ses', 0.9)], 24).chosen).toBe('ses');
  });
});
