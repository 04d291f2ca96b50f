import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ADAPTERS } from '../../test/support/db.js';
import type { Db } from '../db/port.js';
import { chooseTier, SeriesQueries, type SeriesTarget } from './queries.js';
import { TimeSeriesStore } from './store.js';
import { DAY, HOUR, MINUTE } from './tiers.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const STANDARD = { raw_days: 90, minute_days: 730, hour_days: 3650, day_days: 3650 };

describe('tier choice', () => {
  it('reads raw for an hour, roll-ups for longer ranges, and the day tier for ten years', () => {
    expect(chooseTier(NOW - HOUR, NOW, 1000, NOW, STANDARD).name).toBe('raw');
    expect(chooseTier(NOW - 7 * DAY, NOW, 1000, NOW, STANDARD).name).toBe('1m');
    expect(chooseTier(NOW - 365 * DAY, NOW, 2000, NOW, STANDARD).name).toBe('1h');
    expect(chooseTier(NOW - 3650 * DAY, NOW, 2000, NOW, STANDARD).name).toBe('1d');
  });
  it('falls back to a coarser tier when the range starts before the finer one is kept', () => {
    expect(chooseTier(NOW - 100 * DAY, NOW - 100 * DAY + HOUR, 1000, NOW, STANDARD).name).toBe('1m');
  });
});

for (const adapter of DB_ADAPTERS) {
  describe(`series queries: ${adapter.name}`, () => {
    let db: Db & { drop(): Promise<void> };
    let target: SeriesTarget;
    const rows: [number, number][] = [];
    const START = NOW - 3650 * DAY;
    const SPIKE_TS = START + 1234 * DAY + 7 * HOUR + 13 * MINUTE;

    beforeAll(async () => {
      db = await adapter.open();
      await db.query(`insert into tenants (slug, name) values ('acme', 'Acme')`);
      // Ten years, one reading every 6 h 7 min (so readings fall at every minute offset), and one spike.
      for (let ts = START; ts < NOW; ts += 6 * HOUR + 7 * MINUTE)
        rows.push([ts, 20 + Math.sin(ts / DAY) * 5]);
      rows.push([SPIKE_TS, 999]);
      // The last hour at 1 Hz, to exercise raw reads.
      for (let ts = NOW - HOUR; ts < NOW; ts += 1000) rows.push([ts, (ts / 1000) % 17]);
      const store = new TimeSeriesStore(db);
      for (let i = 0; i < rows.length; i += 5000) {
        await store.write([
          {
            v: 1,
            kind: 'readings',
            tenant: 'acme',
            location: 'hq',
            asset: 'ac-1',
            sensor: 's',
            src: 't',
            rx: NOW,
            r: rows.slice(i, i + 5000).map(([ts, v]) => ['temp', ts, v]),
          },
        ]);
      }
      const s = await db.query<{ id: number; retention_policy_id: number }>(
        'select id, retention_policy_id from series',
      );
      target = { seriesId: s.rows[0]!.id, policyId: s.rows[0]!.retention_policy_id };
    }, 120_000);
    afterAll(() => db.drop());

    it('draws ten years in at most 2,000 points from the day tier, and the spike survives in the band', async () => {
      const [s] = await new SeriesQueries(db).series([target], START, NOW, 2000, NOW);
      expect(s!.tier).toBe('1d');
      expect(s!.data.length).toBeLessThanOrEqual(2000);
      expect(s!.data.length).toBeGreaterThan(1000);
      expect(Math.max(...s!.band.map((b) => b[2]))).toBe(999);
      const spikeBucket = s!.band.find((b) => b[2] === 999)!;
      expect(spikeBucket[0]).toBeLessThanOrEqual(SPIKE_TS);
    });

    it('draws the last hour from raw readings with min and max at their real timestamps', async () => {
      const [s] = await new SeriesQueries(db).series([target], NOW - HOUR, NOW, 400, NOW);
      expect(s!.tier).toBe('raw');
      expect(s!.data.length).toBeLessThanOrEqual(400);
      const inHour = rows.filter(([ts]) => ts >= NOW - HOUR);
      expect(Math.max(...s!.data.map((d) => d[1]))).toBe(Math.max(...inHour.map((r) => r[1])));
      const byTs = new Map(inHour);
      for (const [ts, v] of s!.data) expect(byTs.get(ts)).toBe(v);
    });

    it('aggregates over any window equal a brute-force computation over the raw readings', async () => {
      const q = new SeriesQueries(db);
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: START, max: NOW }),
          fc.integer({ min: 1, max: 400 * DAY }),
          async (from, len) => {
            const to = Math.min(NOW, from + len);
            const inside = rows.filter(([ts]) => ts >= from && ts < to).map((r) => r[1]);
            const [a] = await q.aggregate([target], from, to);
            expect(a!.count).toBe(inside.length);
            if (inside.length) {
              expect(a!.min).toBe(Math.min(...inside));
              expect(a!.max).toBe(Math.max(...inside));
              expect(a!.avg).toBeCloseTo(inside.reduce((x, y) => x + y, 0) / inside.length, 6);
            }
          },
        ),
        { numRuns: 25 },
      );
    });
  });
}
