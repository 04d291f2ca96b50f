import { Counter, Histogram } from 'prom-client';
import type { Metrics } from '../platform/metrics.js';

/** The analytics role's metrics, on the process registry (made once per registry). */
export interface AnalyticsMetrics {
  fits: Counter<'model'>;
  fitSeconds: Histogram;
  rounds: Counter<'outcome'>;
}

const made = new WeakMap<Metrics, AnalyticsMetrics>();

export function analyticsMetrics(m: Metrics): AnalyticsMetrics {
  let e = made.get(m);
  if (!e) {
    const registers = [m.registry];
    e = {
      fits: new Counter({
        name: 'datainsight_analytics_fits_total',
        help: 'Series whose forecast model was backtested and stored, by the model chosen',
        labelNames: ['model'] as const,
        registers,
      }),
      fitSeconds: new Histogram({
        name: 'datainsight_analytics_fit_seconds',
        help: 'Time to backtest and choose the model of one series',
        buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
        registers,
      }),
      rounds: new Counter({
        name: 'datainsight_analytics_rounds_total',
        help: 'Refit rounds of the analytics role, by outcome',
        labelNames: ['outcome'] as const,
        registers,
      }),
    };
    made.set(m, e);
  }
  return e;
}
