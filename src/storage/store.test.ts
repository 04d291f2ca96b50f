import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ADAPTERS } from '../../test/support/db.js';
import type { Db } from '../db/port.js';
import type { ReadingsEnvelope } from '../ingest/envelope.js';
import { TimeSeriesStore } from './store.js';
import { DAY, HOUR, MINUTE } from './tiers.js';

const T0 = Date.UTC(2026, 10, 2, 10, 0, 0);

const env = (sensor: string, r: [string, number, number][], tenant = 'acme'): ReadingsEnvelope => ({
  v: 1,
  kind: 'readings',
  tenant,
  location: 'hq',
  asset: 'chiller-1',
  sensor,
  src: 'test',
  rx: T0,
  r,
});

interface Agg {
  min: number;
  max: number;
  sum: number;
  count: number;
  first: number;
  last: number;
}

/** The roll-up a correct store must hold: computed from the distinct (ts -> first value) readings. */
function expected(rows: [number, number][], bucketMs: number): Map<number, Agg> {
  const firstSeen = new Map<number, number>();
  for (const [ts, v] of rows) if (!firstSeen.has(ts)) firstSeen.set(ts, v);
  const out = new Map<number, Agg>();
  for (const [ts, v] of [...firstSeen].sort((a, b) => a[0] - b[0])) {
    const b = ts - (ts % bucketMs);
    const a = out.get(b);
    if (!a) out.set(b, { min: v, max: v, sum: v, count: 1, first: v, last: v });
    else
      Object.assign(a, {
        min: Math.min(a.min, v),
        max: Math.max(a.max, v),
        sum: a.sum + v,
        count: a.count + 1,
        last: v,
      });
  }
  return out;
}

for (const adapter of DB_ADAPTERS) {
  describe(`time-series store: ${adapter.name}`, () => {
    let db: Db & { drop(): Promise<void> };
    beforeAll(async () => {
      db = await adapter.open();
      await db.query(`insert into tenants (slug, name) values ('acme', 'Acme'), ('locked', 'Locked')`);
      await db.query(`update tenants set auto_register = false where slug = 'locked'`);
    });
    afterAll(() => db.drop());

    it('stores readings, registers the hierarchy and keeps the latest value per series', async () => {
      const store = new TimeSeriesStore(db);
      const r = await store.write([
        env('s1', [
          ['temp', T0, 21.5],
          ['humidity', T0, 40],
          ['temp', T0 + 1000, 22],
        ]),
      ]);
      expect(r).toEqual({ inserted: 3, rejected: 0 });
      const latest = await db.query<{ parameter: string; value: number; ts: number }>(
        `select se.parameter, l.value, l.ts from latest l join series se on se.id = l.series_id
         join sensors s on s.id = se.sensor_id where s.slug = 's1' order by 1`,
      );
      expect(latest.rows).toEqual([
        { parameter: 'humidity', value: 40, ts: T0 },
        { parameter: 'temp', value: 22, ts: T0 + 1000 },
      ]);
    });

    it('a redelivered batch stores nothing twice and leaves roll-ups unchanged', async () => {
      const store = new TimeSeriesStore(db);
      const batch = [
        env('s2', [
          ['temp', T0, 1],
          ['temp', T0 + 1, 2],
        ]),
      ];
      await store.write(batch);
      const again = await store.write(batch);
      expect(again.inserted).toBe(0);
      const r = await db.query<{ count: number; sum: number }>(
        `select count, sum from rollup_1m r join series se on se.id = r.series_id join sensors s on s.id = se.sensor_id where s.slug = 's2'`,
      );
      expect(r.rows).toEqual([{ count: 2, sum: 3 }]);
    });

    it('unknown tenants, and unknown sensors of a tenant without auto-registration, are rejected with a reason', async () => {
      const store = new TimeSeriesStore(db);
      const r = await store.write([
        env('x', [['temp', T0, 1]], 'nobody'),
        env('x', [['temp', T0, 1]], 'locked'),
      ]);
      expect(r).toEqual({ inserted: 0, rejected: 2 });
      const rej = await db.query<{ tenant_slug: string; reason: string }>(
        `select tenant_slug, reason from ingest_rejections order by id`,
      );
      expect(rej.rows).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ tenant_slug: 'nobody', reason: 'unknown tenant "nobody"' }),
          expect.objectContaining({
            tenant_slug: 'locked',
            reason: expect.stringContaining('auto-registration is off'),
          }),
        ]),
      );
    });

    it('roll-ups stay exact whatever the order, duplication and batching of readings', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 3 * DAY }), fc.integer({ min: -1000, max: 1000 })), {
            minLength: 1,
            maxLength: 60,
          }),
          fc.integer({ min: 1, max: 5 }),
          async (raw, chunks) => {
            const sensor = `p${run++}`;
            const store = new TimeSeriesStore(db);
            const rows = raw.map(([dt, v]) => [T0 + dt * 997, v / 4] as [number, number]);
            // Redeliver a third of the rows, in a different order.
            const deliveries = [...rows, ...rows.filter((_, i) => i % 3 === 0).reverse()];
            const size = Math.ceil(deliveries.length / chunks);
            for (let i = 0; i < deliveries.length; i += size) {
              await store.write([
                env(
                  sensor,
                  deliveries.slice(i, i + size).map(([ts, v]) => ['temp', ts, v]),
                ),
              ]);
            }
            for (const [table, width] of [
              ['rollup_1m', MINUTE],
              ['rollup_1h', HOUR],
              ['rollup_1d', DAY],
            ] as const) {
              const got = await db.query<Agg & { bucket: number }>(
                `select bucket, min, max, sum, count, first, last from ${table} r join series se on se.id = r.series_id
                 join sensors s on s.id = se.sensor_id where s.slug = $1 order by bucket`,
                [sensor],
              );
              const want = expected(rows, width);
              expect(got.rows.map((g) => g.bucket)).toEqual([...want.keys()].sort((a, b) => a - b));
              for (const g of got.rows) {
                const w = want.get(g.bucket)!;
                expect({ ...g, sum: Math.round(g.sum * 4) }).toEqual({
                  ...w,
                  bucket: g.bucket,
                  sum: Math.round(w.sum * 4),
                });
              }
            }
          },
        ),
        { numRuns: 15 },
      );
    });
  });
}
