/** The contract every forecasting model meets: fit on a regular series, forecast h steps with intervals. */

export interface Forecast {
  /** Point forecasts for steps 1..h. */
  mean: number[];
  /** Lower and upper bounds of the prediction interval at `level`. */
  lower: number[];
  upper: number[];
  level: number;
}

export interface Fitted {
  model: ModelName;
  /** Standard deviation of the one-step in-sample errors. */
  sigma: number;
  /** Parameters chosen by the fit, for reports (alpha, beta, phi, gamma, theta...). */
  params: Record<string, number>;
  forecast(h: number, level?: number): Forecast;
}

export type ModelName = 'naive' | 'snaive' | 'ses' | 'holt' | 'holtWinters' | 'theta' | 'arima';

export interface Model {
  name: ModelName;
  /** Whether the model needs a seasonal period of at least 2 and two full cycles of history. */
  seasonal: boolean;
  /** Smallest history (points) the model fits on, given the period. */
  minLength(period: number): number;
  fit(y: readonly number[], period: number): Fitted;
}
