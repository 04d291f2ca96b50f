/**
 * The analytics role: on a schedule, refits the forecast model of the series whose stored choice is
 * missing or stalest (rolling-origin backtest, ADR 15), a bounded number per round and within half the
 * interval, so a large tenant is covered over several rounds and a round never overlaps the next.
 * Any number of analytics processes may run: each round picks the stalest series at that moment and an
 * upsert makes a duplicate fit harmless. In embedded mode it runs in the one process.
 */
import type { RoleStarter } from '../runtime/role.js';
import { Catalog } from '../storage/catalog.js';
import { SeriesQueries } from '../storage/queries.js';
import { analyticsMetrics } from './metrics.js';
import { Analytics } from './service.js';

export const startAnalytics: RoleStarter = async (rt) => {
  const { config } = rt;
  const log = rt.logger.child({ role: 'analytics' });
  const metrics = analyticsMetrics(rt.metrics);
  const analytics = new Analytics(rt.db, new Catalog(rt.db), new SeriesQueries(rt.db), {
    maxPoints: config.analyticsMaxPoints,
    budgetMs: config.analyticsFitBudgetMs,
    modelTtlMs: 2 * config.analyticsRefitIntervalMs,
    diagnosisMaxRows: 50_000,
  });
  const intervalMs = config.analyticsRefitIntervalMs;
  let stopped = false;
  const tick = async (): Promise<void> => {
    if (stopped) return;
    const started = Date.now();
    try {
      const done = await analytics.refitRound(
        config.analyticsHorizonMs,
        config.analyticsSeriesPerRound,
        started + intervalMs / 2,
        started,
        (model, ms) => {
          metrics.fits.inc({ model });
          metrics.fitSeconds.observe(ms / 1000);
        },
        () => stopped,
      );
      metrics.rounds.inc({ outcome: 'ok' });
      if (done) log.info({ series: done, ms: Date.now() - started }, 'refitted forecast models');
    } catch (e) {
      metrics.rounds.inc({ outcome: 'error' });
      log.error({ err: e }, 'refit round failed; retrying at the next tick');
    }
  };
  let running = tick();
  const timer = setInterval(() => {
    running = running.then(tick);
  }, intervalMs);
  timer.unref();
  return {
    describe: () => [
      `analytics: refits up to ${config.analyticsSeriesPerRound} series every ${Math.round(intervalMs / 60_000)} min (horizon ${Math.round(config.analyticsHorizonMs / 60_000)} min)`,
    ],
    async close() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
};
