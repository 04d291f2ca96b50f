/**
 * Analytics over the store, tenant-scoped: forecasts (model chosen by backtest, stored per series and
 * horizon), anomaly marks over a range, and the diagnosis. Reads roll-ups for training (the tier that
 * fits the horizon) and raw readings only for the diagnosis, always bounded in points.
 */
import type { Db } from '../db/port.js';
import { DataInsightError } from '../platform/errors.js';
import type { Catalog, SeriesInfo } from '../storage/catalog.js';
import type { SeriesQueries } from '../storage/queries.js';
import { DEFAULTS, scoreSeries } from './anomaly/detector.js';
import type { ModelScore } from './backtest.js';
import { diagnose, type Diagnosis } from './diagnosis/report.js';
import { forecastWith, selectModel, stepsFor, trainingTier, type ForecastBand } from './forecast.js';
import type { ModelName } from './models/index.js';
import { regularize, type Point } from './series.js';

export interface AnalyticsOptions {
  /** Points per series a model trains on at most (coarser buckets beyond). */
  maxPoints: number;
  /** Time a backtest of one series may take before further candidates are skipped (ms). */
  budgetMs: number;
  /** A stored model choice older than this is refitted on use (ms). */
  modelTtlMs: number;
  /** Raw readings a diagnosis reads at most (the newest). */
  diagnosisMaxRows: number;
}

export const DEFAULT_ANALYTICS: AnalyticsOptions = {
  maxPoints: 4000,
  budgetMs: 2000,
  modelTtlMs: 6 * 3_600_000,
  diagnosisMaxRows: 50_000,
};

export interface StoredModel {
  seriesId: number;
  horizonMs: number;
  tier: string;
  intervalMs: number;
  period: number;
  model: ModelName;
  reason: string;
  mase: number | null;
  baselineMase: number | null;
  scores: ModelScore[];
  fittedAt: number;
  fitMs: number;
}

export interface ForecastResult extends ForecastBand {
  seriesId: number;
  horizonMs: number;
  tier: string;
  reason: string;
  fittedAt: number;
}

export interface AnomalyMark {
  ts: number;
  value: number;
  score: number;
}

export class Analytics {
  constructor(
    private readonly db: Db,
    private readonly catalog: Catalog,
    private readonly queries: SeriesQueries,
    private readonly o: AnalyticsOptions = DEFAULT_ANALYTICS,
  ) {}

  /** The series if it is the tenant's; otherwise 404, the same answer as for an id that does not exist. */
  async target(tenantId: number, seriesId: number): Promise<SeriesInfo> {
    const [s] = await this.catalog.series(tenantId, { ids: [seriesId] });
    if (!s)
      throw new DataInsightError('DI_NOT_FOUND', `no series ${seriesId} in this tenant`, { field: 'id' });
    return s;
  }

  /** The training grid for a horizon: roll-up buckets of the matching tier, at most maxPoints. */
  private async grid(t: SeriesInfo, horizonMs: number, now: number) {
    const { tier, bucketMs } = trainingTier(horizonMs);
    const from = now - this.o.maxPoints * bucketMs;
    const points = Math.min(20_000, Math.ceil((now - from) / bucketMs));
    const [data] = await this.queries.series([t], from, now, points, now);
    const pts = (data?.data ?? []) as Point[];
    return { tier: data?.tier ?? tier, grid: regularize(pts, bucketMs, this.o.maxPoints) };
  }

  /** Backtests the candidates for one series and horizon, stores the choice, returns it. */
  async fit(t: SeriesInfo, tenantId: number, horizonMs: number, now = Date.now()) {
    const started = performance.now();
    const { tier, grid } = await this.grid(t, horizonMs, now);
    const steps = stepsFor(horizonMs, grid.intervalMs || 60_000);
    const sel = selectModel(grid, steps, this.o.budgetMs);
    const base = sel.backtest.scores.find(
      (s) => s.model === (sel.seasonality.period > 1 ? 'snaive' : 'naive'),
    );
    const chosen = sel.backtest.scores.find((s) => s.model === sel.backtest.chosen);
    const m: StoredModel = {
      seriesId: t.seriesId,
      horizonMs,
      tier,
      intervalMs: grid.intervalMs,
      period: sel.seasonality.period,
      model: sel.backtest.chosen,
      reason: sel.backtest.reason,
      mase: finite(chosen?.mase),
      baselineMase: finite(base?.mase),
      scores: sel.backtest.scores,
      fittedAt: now,
      fitMs: performance.now() - started,
    };
    await this.db.query(
      `insert into analytics_models (tenant_id, series_id, horizon_ms, tier, interval_ms, period, model, reason, mase, baseline_mase, scores, fitted_at, fit_ms)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13)
       on conflict (series_id, horizon_ms) do update set tier = excluded.tier, interval_ms = excluded.interval_ms,
         period = excluded.period, model = excluded.model, reason = excluded.reason, mase = excluded.mase,
         baseline_mase = excluded.baseline_mase, scores = excluded.scores, fitted_at = excluded.fitted_at, fit_ms = excluded.fit_ms`,
      [
        tenantId,
        t.seriesId,
        horizonMs,
        m.tier,
        m.intervalMs,
        m.period,
        m.model,
        m.reason,
        m.mase,
        m.baselineMase,
        JSON.stringify(m.scores, (_k, v: unknown) =>
          typeof v === 'number' && !Number.isFinite(v) ? null : v,
        ),
        m.fittedAt,
        m.fitMs,
      ],
    );
    return { model: m, grid };
  }

  async stored(tenantId: number, seriesId: number, horizonMs: number): Promise<StoredModel | undefined> {
    const r = await this.db.query<{
      tier: string;
      interval_ms: number;
      period: number;
      model: ModelName;
      reason: string;
      mase: number | null;
      baseline_mase: number | null;
      scores: ModelScore[];
      fitted_at: number;
      fit_ms: number;
    }>(
      `select tier, interval_ms, period, model, reason, mase, baseline_mase, scores, fitted_at, fit_ms
       from analytics_models where tenant_id = $1 and series_id = $2 and horizon_ms = $3`,
      [tenantId, seriesId, horizonMs],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    return {
      seriesId,
      horizonMs,
      tier: row.tier,
      intervalMs: Number(row.interval_ms),
      period: row.period,
      model: row.model,
      reason: row.reason,
      mase: row.mase,
      baselineMase: row.baseline_mase,
      scores: typeof row.scores === 'string' ? (JSON.parse(row.scores) as ModelScore[]) : row.scores,
      fittedAt: Number(row.fitted_at),
      fitMs: row.fit_ms,
    };
  }

  async forecast(
    tenantId: number,
    seriesId: number,
    horizonMs: number,
    level = 0.95,
    now = Date.now(),
  ): Promise<ForecastResult> {
    const t = await this.target(tenantId, seriesId);
    let m = await this.stored(tenantId, seriesId, horizonMs);
    let grid;
    if (!m || now - m.fittedAt > this.o.modelTtlMs)
      ({ model: m, grid } = await this.fit(t, tenantId, horizonMs, now));
    else grid = (await this.grid(t, horizonMs, now)).grid;
    const band = forecastWith(grid, m.model, m.period, stepsFor(horizonMs, grid.intervalMs || 60_000), level);
    const reason =
      band.model === m.model
        ? m.reason
        : `${m.model} was chosen (${m.reason}) but did not fit the latest history; seasonal naive used`;
    return { ...band, seriesId, horizonMs, tier: m.tier, reason, fittedAt: m.fittedAt };
  }

  /** Scored marks over [from, to): the detector runs from a lead-in before `from` so it has settled. */
  async anomalies(
    tenantId: number,
    seriesId: number,
    from: number,
    to: number,
    threshold = DEFAULTS.onset,
    now = Date.now(),
  ): Promise<{ tier: string; marks: AnomalyMark[]; scored: number }> {
    const t = await this.target(tenantId, seriesId);
    const lead = Math.max((to - from) / 4, 3_600_000);
    const [data] = await this.queries.series([t], from - lead, to, 10_000, now);
    const pts = data?.data ?? [];
    const scores = scoreSeries(
      pts.map((p) => p[1]),
      DEFAULTS,
      pts.map((p) => p[0]),
    );
    const marks: AnomalyMark[] = [];
    pts.forEach(([ts, value], i) => {
      if (ts >= from && ts < to && scores[i]! >= threshold) marks.push({ ts, value, score: scores[i]! });
    });
    return { tier: data?.tier ?? 'raw', marks, scored: pts.length };
  }

  async diagnosis(
    tenantId: number,
    seriesId: number,
    opts: { from?: number; to?: number; horizonMs?: number } = {},
    now = Date.now(),
  ): Promise<Diagnosis & { seriesId: number; source: string }> {
    const t = await this.target(tenantId, seriesId);
    const to = opts.to ?? now;
    const from = opts.from ?? to - 30 * 86_400_000;
    const r = await this.db.query<{ ts: number; value: number }>(
      `select ts, value from readings where policy_id = $1 and series_id = $2 and ts >= $3 and ts < $4
       order by ts desc limit $5`,
      [t.policyId, t.seriesId, from, to, this.o.diagnosisMaxRows],
    );
    let points: Point[] = r.rows.reverse().map((x) => [Number(x.ts), x.value]);
    let source = 'raw readings';
    if (points.length < 10) {
      const [data] = await this.queries.series([t], from, to, 5000, now);
      points = (data?.data ?? []) as Point[];
      source = `${data?.tier ?? '1h'} roll-up (raw readings past retention)`;
    }
    const intervalGuess =
      points.length > 1 ? (points.at(-1)![0] - points[0]![0]) / (points.length - 1) : 60_000;
    const horizonSteps = opts.horizonMs ? stepsFor(opts.horizonMs, Math.max(intervalGuess, 1)) : undefined;
    return { ...diagnose(points, { horizonSteps, maxPoints: this.o.maxPoints }), seriesId, source };
  }

  /**
   * Refits the series whose stored model is oldest (or missing) for `horizonMs`, at most `maxSeries`
   * of them and stopping at `deadline`: one bounded round of the analytics role.
   */
  async refitRound(
    horizonMs: number,
    maxSeries: number,
    deadline: number,
    now = Date.now(),
    onFit?: (model: ModelName, ms: number) => void,
    stop: () => boolean = () => false,
  ): Promise<number> {
    const r = await this.db.query<{ tenant_id: number; id: number }>(
      `select se.tenant_id, se.id from series se
       left join analytics_models m on m.series_id = se.id and m.horizon_ms = $1
       where m.fitted_at is null or m.fitted_at < $2
       order by m.fitted_at nulls first, se.id limit $3`,
      [horizonMs, now - this.o.modelTtlMs / 2, maxSeries],
    );
    let done = 0;
    for (const row of r.rows) {
      if (Date.now() > deadline || stop()) break;
      const t = await this.catalog.series(row.tenant_id, { ids: [row.id] });
      if (!t[0]) continue;
      const { model } = await this.fit(t[0], row.tenant_id, horizonMs, now);
      onFit?.(model.model, model.fitMs);
      done++;
    }
    return done;
  }
}

const finite = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);
