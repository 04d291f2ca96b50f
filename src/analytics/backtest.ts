/**
 * Rolling-origin backtesting: at each of several origins every candidate is refitted on the history
 * before the origin and forecasts the next `horizon` steps. Errors are MASE (scaled by the in-sample
 * seasonal naive MAE of that training window) and sMAPE, per horizon step. The lowest mean MASE wins
 * only if it beats seasonal naive; otherwise seasonal naive is used.
 */
import { seasonalNaiveScale } from './models/baselines.js';
import { MODELS } from './models/index.js';
import type { Model, ModelName } from './models/types.js';

export interface BacktestOptions {
  horizon: number;
  period: number;
  /** Number of origins (default 4). */
  origins?: number;
  models?: readonly Model[];
  /** Stop fitting further models once this much time has passed (ms; default 2000). */
  budgetMs?: number;
  now?: () => number;
}

export interface ModelScore {
  model: ModelName;
  /** Mean MASE over origins and horizon steps (NaN if the model could not be fitted). */
  mase: number;
  smape: number;
  /** Per horizon step (index 0 = one step ahead), averaged over origins. */
  maseByStep: number[];
  smapeByStep: number[];
  origins: number;
  fitMs: number;
  /** Why it was not scored, when it was not. */
  skipped?: string;
}

export interface BacktestResult {
  horizon: number;
  period: number;
  origins: number[];
  scores: ModelScore[];
  chosen: ModelName;
  /** Why the chosen model was chosen, in words. */
  reason: string;
}

export function smapeOf(actual: number, forecast: number): number {
  const d = Math.abs(actual) + Math.abs(forecast);
  return d === 0 ? 0 : (200 * Math.abs(actual - forecast)) / d;
}

/** Origins: the last leaves exactly `horizon` test points, earlier ones step back by the horizon. */
export function originsFor(n: number, horizon: number, count: number, minTrain: number): number[] {
  const out: number[] = [];
  for (let o = n - horizon; out.length < count && o >= minTrain; o -= horizon) out.unshift(o);
  return out;
}

export function backtest(y: readonly number[], opts: BacktestOptions): BacktestResult {
  const { horizon, period } = opts;
  const models = opts.models ?? MODELS;
  const now = opts.now ?? (() => performance.now());
  const started = now();
  const budget = opts.budgetMs ?? 2000;
  const minTrain = Math.max(8, Math.min(2 * period, Math.floor(y.length / 2)));
  const origins = originsFor(y.length, horizon, opts.origins ?? 4, minTrain);
  const scores: ModelScore[] = [];
  for (const model of models) {
    const t0 = now();
    const score: ModelScore = {
      model: model.name,
      mase: NaN,
      smape: NaN,
      maseByStep: [],
      smapeByStep: [],
      origins: 0,
      fitMs: 0,
    };
    scores.push(score);
    if (origins.length === 0) {
      score.skipped = `history of ${y.length} points leaves no backtest origin for a ${horizon}-step horizon`;
      continue;
    }
    if (model.seasonal && period < 2) {
      score.skipped = 'no seasonality detected';
      continue;
    }
    if (model.minLength(period) > origins[0]!) {
      score.skipped = `needs ${model.minLength(period)} points of history, has ${origins[0]}`;
      continue;
    }
    if (now() - started > budget && model.name !== 'snaive' && model.name !== 'naive') {
      score.skipped = `time budget of ${budget} ms spent`;
      continue;
    }
    const mase = new Array<number>(horizon).fill(0);
    const smape = new Array<number>(horizon).fill(0);
    try {
      for (const o of origins) {
        const train = y.slice(0, o);
        const scale = seasonalNaiveScale(train, period) || seasonalNaiveScale(train, 1) || 1;
        const f = model.fit(train, period).forecast(horizon);
        for (let h = 0; h < horizon; h++) {
          const a = y[o + h]!;
          mase[h]! += Math.abs(a - f.mean[h]!) / scale;
          smape[h]! += smapeOf(a, f.mean[h]!);
        }
      }
    } catch (e) {
      score.skipped = `fit failed: ${(e as Error).message}`;
      continue;
    }
    score.origins = origins.length;
    score.maseByStep = mase.map((v) => v / origins.length);
    score.smapeByStep = smape.map((v) => v / origins.length);
    score.mase = score.maseByStep.reduce((a, b) => a + b, 0) / horizon;
    score.smape = score.smapeByStep.reduce((a, b) => a + b, 0) / horizon;
    score.fitMs = now() - t0;
    if (!Number.isFinite(score.mase)) {
      score.skipped = 'forecast was not finite';
      score.mase = NaN;
    }
  }
  return { horizon, period, origins, scores, ...choose(scores, period) };
}

/** The lowest MASE wins only if it beats seasonal naive (naive when there is no season). */
export function choose(scores: readonly ModelScore[], period: number): { chosen: ModelName; reason: string } {
  const baseline: ModelName = period > 1 ? 'snaive' : 'naive';
  const base = scores.find((s) => s.model === baseline);
  const valid = scores.filter((s) => Number.isFinite(s.mase));
  if (!base || !Number.isFinite(base.mase))
    return { chosen: 'snaive', reason: 'not enough history to backtest: seasonal naive by default' };
  const best = valid.reduce((a, b) => (b.mase < a.mase ? b : a));
  if (best.model === baseline || best.mase >= base.mase)
    return {
      chosen: 'snaive',
      reason: `no model beats ${baseline === 'snaive' ? 'seasonal naive' : 'naive'} (MASE ${base.mase.toFixed(3)})`,
    };
  return {
    chosen: best.model,
    reason: `${best.model} has the lowest MASE (${best.mase.toFixed(3)} vs ${base.mase.toFixed(3)} for ${baseline === 'snaive' ? 'seasonal naive' : 'naive'})`,
  };
}
