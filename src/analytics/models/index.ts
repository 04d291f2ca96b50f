/** The candidate models, in the order the backtest table lists them. */
import { arima } from './arima.js';
import { naive, seasonalNaive } from './baselines.js';
import { holt, holtWinters, ses } from './smoothing.js';
import { theta } from './theta.js';
import type { Model, ModelName } from './types.js';

export const MODELS: readonly Model[] = [naive, seasonalNaive, ses, holt, holtWinters, theta, arima];

export function modelByName(name: ModelName): Model {
  const m = MODELS.find((x) => x.name === name);
  if (!m) throw new Error(`unknown model ${name}`);
  return m;
}

export type { Fitted, Forecast, Model, ModelName } from './types.js';
