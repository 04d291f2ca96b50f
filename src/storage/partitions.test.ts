import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ADAPTERS } from '../../test/support/db.js';
import type { Db } from '../db/port.js';
import { TimeSeriesStore } from './store.js';
import { DAY } from './tiers.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

for (const adapter of DB_ADAPTERS) {
  describe(`retention by partition: ${adapter.name}`, () => {
    let db: Db & { drop(): Promise<void> };
    beforeAll(async () => {
      db = await adapter.open();
      // "short" keeps raw 30 days, 1-minute roll-ups 365 days.
      await db.query(
        `insert into tenants (slug, name, retention_policy_id) values ('shorty', 'S', 2), ('keeper', 'K', 1)`,
      );
    });
    afterAll(() => db.drop());

    const count = async (sql: string) => Number((await db.query<{ n: number }>(sql)).rows[0]!.n);

    it('drops whole partitions past each tier’s retention of each policy, and nothing newer', async () => {
      const store = new TimeSeriesStore(db);
      const old = NOW - 60 * DAY;
      const recent = NOW - 2 * DAY;
      for (const tenant of ['shorty', 'keeper']) {
        await store.write([
          {
            v: 1,
            kind: 'readings',
            tenant,
            location: 'l',
            asset: 'a',
            sensor: 's',
            src: 't',
            rx: NOW,
            r: [
              ['temp', old, 1],
              ['temp', recent, 2],
            ],
          },
        ]);
      }
      const dropped = await store.partitions.dropExpired(NOW);
      // 60 days ago is past the short policy's 30 days of raw data, not the standard 90.
      expect(dropped).toEqual([expect.stringMatching(/^readings_2_\d+$/)]);
      const raw = await db.query<{ tenant: string; ts: number }>(
        `select t.slug as tenant, r.ts from readings r join series se on se.id = r.series_id join tenants t on t.id = se.tenant_id order by 1, 2`,
      );
      expect(raw.rows).toEqual([
        { tenant: 'keeper', ts: old },
        { tenant: 'keeper', ts: recent },
        { tenant: 'shorty', ts: recent },
      ]);
      // The roll-ups keep the old reading: history stays, at coarser resolution.
      expect(await count(`select count(*)::int as n from rollup_1m where policy_id = 2`)).toBe(2);
      // A second run has nothing left to drop.
      expect(await store.partitions.dropExpired(NOW)).toEqual([]);
    });
  });
}
