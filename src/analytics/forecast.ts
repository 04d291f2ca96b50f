/**
 * Choosing and fitting a forecast for one regular series (pure): detect the season, backtest the
 * candidates, fit the chosen one on all the history and forecast with an interval.
 */
import { backtest, type BacktestResult } from './backtest.js';
import { modelByName, type ModelName } from './models/index.js';
import { detectSeasonality, type Seasonality } from './models/seasonality.js';
import type { Regular } from './series.js';
import { DAY, HOUR, MINUTE, type TierName } from '../storage/tiers.js';

export interface ForecastBand {
  model: ModelName;
  level: number;
  intervalMs: number;
  /** [ts, mean, lower, upper] per step. */
  points: [number, number, number, number][];
}

/** The roll-up a horizon trains on: the coarsest whose bucket still gives the horizon >= 12 steps. */
export function trainingTier(horizonMs: number): { tier: TierName; bucketMs: number } {
  if (horizonMs >= 12 * DAY) return { tier: '1d', bucketMs: DAY };
  if (horizonMs >= 12 * HOUR) return { tier: '1h', bucketMs: HOUR };
  return { tier: '1m', bucketMs: MINUTE };
}

export function stepsFor(horizonMs: number, intervalMs: number): number {
  return Math.max(1, Math.ceil(horizonMs / intervalMs));
}

export interface Selection {
  seasonality: Seasonality;
  backtest: BacktestResult;
}

export function selectModel(grid: Regular, horizonSteps: number, budgetMs = 2000): Selection {
  const seasonality = detectSeasonality(grid.values, grid.intervalMs);
  const bt = backtest(grid.values, { horizon: horizonSteps, period: seasonality.period, budgetMs });
  return { seasonality, backtest: bt };
}

/** Fits `model` on the whole grid and forecasts `steps` steps after its last point. */
export function forecastWith(
  grid: Regular,
  model: ModelName,
  period: number,
  steps: number,
  level = 0.95,
): ForecastBand {
  if (grid.values.length < 2) return { model, level, intervalMs: grid.intervalMs, points: [] };
  let used = model;
  let f;
  try {
    f = modelByName(model).fit(grid.values, period).forecast(steps, level);
  } catch {
    used = 'snaive';
    f = modelByName('snaive').fit(grid.values, period).forecast(steps, level);
  }
  const last = grid.start + (grid.values.length - 1) * grid.intervalMs;
  return {
    model: used,
    level,
    intervalMs: grid.intervalMs,
    points: f.mean.map((m, i) => [last + (i + 1) * grid.intervalMs, m, f.lower[i]!, f.upper[i]!]),
  };
}
