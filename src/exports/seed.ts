import type { Db } from '../db/port.js';
import { PartitionManager } from '../storage/partitions.js';
import { DAY, ROLLUPS } from '../storage/tiers.js';

/**
 * Seeding large amounts of readings fast, for the export benchmark and tests: rows are generated in
 * the database (generate_series) straight into the readings partitions, and the roll-ups and latest
 * values are then computed from them in one statement each, so every tier agrees with the raw rows
 * exactly as the storage role would have written them. Not for production data.
 */
export interface SeedOptions {
  tenantId: number;
  location: string;
  asset: string;
  /** Sensors named s0, s1, ... with one series (parameter) each. */
  sensors: number;
  parameter: string;
  /** First timestamp and spacing (epoch ms). */
  from: number;
  stepMs: number;
  /** Readings per series. */
  perSeries: number;
  /** Also fold the roll-ups and latest values (default true; the export's row estimate reads them). */
  rollups?: boolean;
  /** Rows per INSERT statement (keeps one statement's memory bounded). */
  chunk?: number;
  onProgress?: (rowsDone: number, rowsTotal: number) => void;
}

export async function seedReadings(
  db: Db,
  o: SeedOptions,
): Promise<{ seriesIds: number[]; policyId: number }> {
  const t = await db.query<{ policy: number }>(
    'select retention_policy_id as policy from tenants where id = $1',
    [o.tenantId],
  );
  const policyId = t.rows[0]!.policy;
  const loc = await db.query<{ id: number }>(
    `insert into locations (tenant_id, slug, name) values ($1, $2, $2)
     on conflict (tenant_id, slug) do update set name = excluded.name returning id`,
    [o.tenantId, o.location],
  );
  const asset = await db.query<{ id: number }>(
    `insert into assets (tenant_id, location_id, slug, name) values ($1, $2, $3, $3)
     on conflict (tenant_id, location_id, slug) do update set name = excluded.name returning id`,
    [o.tenantId, loc.rows[0]!.id, o.asset],
  );
  const seriesIds: number[] = [];
  for (let i = 0; i < o.sensors; i++) {
    const s = await db.query<{ id: number }>(
      `insert into sensors (tenant_id, asset_id, slug, name) values ($1, $2, $3, $3)
       on conflict (tenant_id, asset_id, slug) do update set name = excluded.name returning id`,
      [o.tenantId, asset.rows[0]!.id, `s${i}`],
    );
    const se = await db.query<{ id: number }>(
      `insert into series (tenant_id, sensor_id, parameter, unit, retention_policy_id) values ($1, $2, $3, 'degC', $4)
       on conflict (sensor_id, parameter) do update set unit = excluded.unit returning id`,
      [o.tenantId, s.rows[0]!.id, o.parameter, policyId],
    );
    seriesIds.push(se.rows[0]!.id);
  }
  const to = o.from + o.perSeries * o.stepMs;
  const days: number[] = [];
  for (let ts = o.from; ts < to; ts += DAY) days.push(ts);
  days.push(to - 1);
  await new PartitionManager(db).ensure(policyId, days);

  const chunk = Math.max(1, o.chunk ?? 500_000);
  const total = o.perSeries * seriesIds.length;
  let done = 0;
  for (const id of seriesIds) {
    for (let start = 0; start < o.perSeries; start += chunk) {
      const end = Math.min(o.perSeries, start + chunk) - 1;
      await db.query(
        `insert into readings (policy_id, series_id, ts, value)
         select $1::smallint, $2::integer, $3::bigint + i * $4::bigint, round((20 + 5 * sin(i / 500.0) + $2 % 7)::numeric, 3)::double precision
         from generate_series($5::bigint, $6::bigint) i on conflict do nothing`,
        [policyId, id, o.from, o.stepMs, start, end],
      );
      done += end - start + 1;
      o.onProgress?.(done, total);
    }
  }
  if (o.rollups === false) return { seriesIds, policyId };
  for (const r of ROLLUPS) {
    for (const id of seriesIds) {
      await db.query(
        `insert into ${r.table} (policy_id, series_id, bucket, min, max, sum, count, first_ts, first, last_ts, last)
       select policy_id, series_id, ts - ts % ${r.bucketMs}, min(value), max(value), sum(value), count(*),
              min(ts), (array_agg(value order by ts))[1], max(ts), (array_agg(value order by ts desc))[1]
       from readings where policy_id = $1 and series_id = $2 and ts >= $3 and ts < $4
       group by policy_id, series_id, ts - ts % ${r.bucketMs}
       on conflict (policy_id, series_id, bucket) do nothing`,
        [policyId, id, o.from, to],
      );
    }
  }
  await db.query(
    `insert into latest (series_id, ts, value)
     select distinct on (series_id) series_id, ts, value from readings
     where policy_id = $1 and series_id = any($2::integer[]) order by series_id, ts desc
     on conflict (series_id) do update set ts = excluded.ts, value = excluded.value`,
    [policyId, seriesIds],
  );
  return { seriesIds, policyId };
}
