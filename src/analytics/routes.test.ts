/**
 * The analytics API over a real store (PGlite, and PostgreSQL when DATABASE_URL is set): forecast with
 * interval and chosen model, anomaly marks, diagnosis; tenant isolation (404 for another tenant's id).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ADAPTERS } from '../../test/support/db.js';
import { seedTenant } from '../../test/support/platform.js';
import { buildApi } from '../api/server.js';
import type { Db } from '../db/port.js';
import { CredentialVerifier } from '../iam/credentials.js';
import { Health } from '../platform/health.js';
import { silentLogger } from '../platform/logger.js';
import { Metrics } from '../platform/metrics.js';
import { Catalog } from '../storage/catalog.js';
import { SeriesQueries } from '../storage/queries.js';
import { TimeSeriesStore } from '../storage/store.js';
import { DAY, MINUTE } from '../storage/tiers.js';
import { analyticsRoutes } from './routes.js';
import { Analytics, DEFAULT_ANALYTICS } from './service.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const START = NOW - 3 * DAY;
/** A cold room: a daily wave, one spike, and a 6-hour stuck run on the last day. */
const valueAt = (ts: number) => {
  if (ts === START + 2 * DAY) return 40;
  if (ts >= NOW - 10 * 3_600_000 && ts < NOW - 4 * 3_600_000) return 4.25;
  return 4 + 2 * Math.sin((2 * Math.PI * (ts - START)) / DAY) + 0.05 * Math.sin(ts / 7_000_000);
};

for (const adapter of DB_ADAPTERS) {
  describe(`analytics API: ${adapter.name}`, () => {
    let db: Db & { drop(): Promise<void> };
    let app: Awaited<ReturnType<typeof buildApi>>;
    let a: Awaited<ReturnType<typeof seedTenant>>;
    let b: Awaited<ReturnType<typeof seedTenant>>;
    let seriesId: number;
    const get = (path: string, token = a.token) =>
      app.inject({ method: 'GET', url: `/api/v1${path}`, headers: { authorization: `Bearer ${token}` } });

    beforeAll(async () => {
      db = await adapter.open();
      a = await seedTenant(db);
      b = await seedTenant(db);
      const store = new TimeSeriesStore(db);
      const r: ['temp', number, number][] = [];
      for (let ts = START; ts < NOW; ts += MINUTE) r.push(['temp', ts, valueAt(ts)]);
      for (let i = 0; i < r.length; i += 2000)
        await store.write([
          {
            v: 1,
            kind: 'readings',
            tenant: a.tenant,
            location: 'hq',
            asset: 'cold-room',
            sensor: 't1',
            src: 't',
            rx: NOW,
            r: r.slice(i, i + 2000),
          },
        ]);
      seriesId = (await db.query<{ id: number }>('select id from series')).rows[0]!.id;
      const metrics = new Metrics({ defaultMetrics: false });
      const verifier = new CredentialVerifier(db);
      const analytics = new Analytics(db, new Catalog(db), new SeriesQueries(db), {
        ...DEFAULT_ANALYTICS,
        budgetMs: 5000,
      });
      app = await buildApi({
        logger: silentLogger(),
        metrics,
        health: new Health(metrics),
        plugins: [{ plugin: analyticsRoutes({ analytics, verifier, now: () => NOW }), prefix: '/api/v1' }],
      });
    }, 120_000);
    afterAll(async () => {
      await app?.close();
      await db?.drop();
    });

    it('forecasts with an interval and names the model its backtest chose, stored for the next call', async () => {
      const res = await get(`/analytics/series/${seriesId}/forecast?horizon=1h&level=0.9`);
      expect(res.statusCode).toBe(200);
      const f = res.json();
      expect(f.tier).toBe('1m');
      expect(f.points).toHaveLength(60);
      expect(f.level).toBe(0.9);
      const [ts, mean, lo, hi] = f.points[0];
      expect(ts).toBe(NOW);
      expect(lo).toBeLessThanOrEqual(mean);
      expect(hi).toBeGreaterThanOrEqual(mean);
      expect(f.reason).toMatch(/MASE|seasonal naive|history/);
      const stored = await db.query<{ model: string }>(
        'select model from analytics_models where series_id = $1',
        [seriesId],
      );
      if (stored.rows[0]!.model !== f.model) expect(f.reason).toMatch(/seasonal naive used/);
    });

    it('marks the spike as an anomaly', async () => {
      const res = await get(`/analytics/series/${seriesId}/anomalies?from=${START + DAY}&to=${NOW}`);
      expect(res.statusCode).toBe(200);
      const marks = res.json().marks as { ts: number; score: number }[];
      expect(marks.some((m) => Math.abs(m.ts - (START + 2 * DAY)) <= 2 * MINUTE)).toBe(true);
    });

    it('diagnoses the stuck sensor and the short history', async () => {
      const res = await get(`/analytics/series/${seriesId}/diagnosis`);
      expect(res.statusCode).toBe(200);
      const d = res.json();
      expect(d.source).toBe('raw readings');
      expect(d.verdict.join('\n')).toMatch(
        /sensor stuck 6 h on 27 Nov 2026 02:00 UTC: 360 identical readings/,
      );
      expect(d.findings.map((f: { message: string }) => f.message).join('\n')).toMatch(
        /needs 2 weekly cycles/,
      );
      expect(d.backtest.scores.map((s: { model: string }) => s.model)).toContain('holtWinters');
    });

    it("answers 404 for another tenant's series, and names a bad parameter", async () => {
      for (const p of ['forecast', 'anomalies', 'diagnosis'])
        expect((await get(`/analytics/series/${seriesId}/${p}`, b.token)).statusCode).toBe(404);
      const bad = await get(`/analytics/series/${seriesId}/forecast?horizon=soon`);
      expect(bad.statusCode).toBe(400);
      expect(bad.json().field ?? bad.json().error?.field).toBe('horizon');
      expect(
        (await app.inject({ method: 'GET', url: `/api/v1/analytics/series/${seriesId}/forecast` }))
          .statusCode,
      ).toBe(401);
    });
  });
}
