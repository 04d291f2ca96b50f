import type { Db } from '../db/port.js';
import { decompose } from './decompose.js';
import { tier, TIERS, type Tier, type TierName } from './tiers.js';

/** A series the caller may read: already checked to belong to the caller's tenant. */
export interface SeriesTarget {
  seriesId: number;
  policyId: number;
}

export interface SeriesData {
  seriesId: number;
  tier: TierName;
  /** Highcharts line data: [ts, value]. Raw: up to 4 real points per bucket (M4); roll-ups: bucket average. */
  data: [number, number][];
  /** Highcharts arearange data: [ts, min, max] per bucket, so peaks survive any zoom level. */
  band: [number, number, number][];
}

export interface AggregateRow {
  seriesId: number;
  min: number | null;
  max: number | null;
  sum: number | null;
  count: number;
  avg: number | null;
}

interface Retention {
  raw_days: number;
  minute_days: number;
  hour_days: number;
  day_days: number;
}

/**
 * The tier a chart of [from, to) in `points` points reads: the coarsest whose buckets are no wider
 * than one point, moved coarser while the range starts before that tier's retention horizon.
 */
export function chooseTier(
  from: number,
  to: number,
  points: number,
  now: number,
  retention: Retention,
): Tier {
  const perPoint = (to - from) / points;
  const candidates = TIERS.filter((t) => t.bucketMs <= Math.max(perPoint, 0));
  let i = TIERS.indexOf(candidates.at(-1) ?? TIERS[0]!);
  while (i < TIERS.length - 1 && from < now - retention[TIERS[i]!.retentionColumn] * 86_400_000) i++;
  return TIERS[i]!;
}

export class SeriesQueries {
  constructor(private readonly db: Db) {}

  private async strictestRetention(targets: SeriesTarget[]): Promise<Retention> {
    const r = await this.db.query<Retention>(
      `select min(raw_days) as raw_days, min(minute_days) as minute_days, min(hour_days) as hour_days, min(day_days) as day_days
       from retention_policies where id = any($1::smallint[])`,
      [[...new Set(targets.map((t) => t.policyId))]],
    );
    return r.rows[0]!;
  }

  async series(
    targets: SeriesTarget[],
    from: number,
    to: number,
    points: number,
    now = Date.now(),
  ): Promise<SeriesData[]> {
    if (targets.length === 0) return [];
    const t = chooseTier(from, to, points, now, await this.strictestRetention(targets));
    const policies = [...new Set(targets.map((x) => x.policyId))];
    const ids = targets.map((x) => x.seriesId);
    const out = new Map<number, SeriesData>(
      ids.map((id) => [id, { seriesId: id, tier: t.name, data: [], band: [] }]),
    );
    if (t.name === 'raw') {
      // M4: first, min, max and last of each bucket, at their real timestamps.
      const width = Math.max(1, Math.ceil((to - from) / Math.max(1, Math.floor(points / 4))));
      const r = await this.db.query<{
        series_id: number;
        g: number;
        ft: number;
        f: number;
        lt: number;
        l: number;
        nt: number;
        n: number;
        xt: number;
        x: number;
      }>(
        `select series_id, $3::bigint + ((ts - $3::bigint) / $5::bigint) * $5::bigint as g,
                min(ts) as ft, (array_agg(value order by ts))[1] as f, max(ts) as lt, (array_agg(value order by ts desc))[1] as l,
                (array_agg(ts order by value, ts))[1] as nt, min(value) as n, (array_agg(ts order by value desc, ts))[1] as xt, max(value) as x
         from readings where policy_id = any($1::smallint[]) and series_id = any($2::integer[]) and ts >= $3 and ts < $4
         group by series_id, g order by series_id, g`,
        [policies, ids, from, to, width],
      );
      for (const row of r.rows) {
        const s = out.get(row.series_id)!;
        const pts = new Map<number, number>([
          [row.ft, row.f],
          [row.nt, row.n],
          [row.xt, row.x],
          [row.lt, row.l],
        ]);
        for (const [ts, v] of [...pts].sort((a, b) => a[0] - b[0])) s.data.push([ts, v]);
        s.band.push([row.g, row.n, row.x]);
      }
    } else {
      const width = Math.max(t.bucketMs, Math.ceil((to - from) / points / t.bucketMs) * t.bucketMs);
      const r = await this.db.query<{ series_id: number; g: number; n: number; x: number; avg: number }>(
        `select series_id, $3::bigint + ((bucket - $3::bigint) / $5::bigint) * $5::bigint as g,
                min(min) as n, max(max) as x, sum(sum) / sum(count) as avg
         from ${t.table} where policy_id = any($1::smallint[]) and series_id = any($2::integer[])
           and bucket >= $3::bigint and bucket < $4::bigint
         group by series_id, g order by series_id, g`,
        [policies, ids, Math.floor(from / t.bucketMs) * t.bucketMs, to, width],
      );
      for (const row of r.rows) {
        const s = out.get(row.series_id)!;
        s.data.push([row.g, row.avg]);
        s.band.push([row.g, row.n, row.x]);
      }
    }
    return [...out.values()];
  }

  /** Exact min/max/sum/count/avg per series over [from, to), read from the coarsest tiers that fit. */
  async aggregate(targets: SeriesTarget[], from: number, to: number): Promise<AggregateRow[]> {
    if (targets.length === 0) return [];
    const segments = decompose(from, to);
    const params: unknown[] = [[...new Set(targets.map((x) => x.policyId))], targets.map((x) => x.seriesId)];
    const parts = segments.map((s) => {
      params.push(s.from, s.to);
      const a = `$${params.length - 1}::bigint`;
      const b = `$${params.length}::bigint`;
      if (s.tier === 'raw') {
        return `select series_id, value as mn, value as mx, value as s, 1::bigint as c from readings
                where policy_id = any($1::smallint[]) and series_id = any($2::integer[]) and ts >= ${a} and ts < ${b}`;
      }
      return `select series_id, min as mn, max as mx, sum as s, count as c from ${tier(s.tier).table}
              where policy_id = any($1::smallint[]) and series_id = any($2::integer[]) and bucket >= ${a} and bucket < ${b}`;
    });
    if (parts.length === 0)
      return targets.map((t) => ({
        seriesId: t.seriesId,
        min: null,
        max: null,
        sum: null,
        count: 0,
        avg: null,
      }));
    const r = await this.db.query<{ series_id: number; mn: number; mx: number; s: number; c: number }>(
      `select series_id, min(mn) as mn, max(mx) as mx, sum(s) as s, sum(c)::bigint as c from (${parts.join(' union all ')}) x group by series_id`,
      params,
    );
    const found = new Map(r.rows.map((row) => [row.series_id, row]));
    return targets.map((t) => {
      const row = found.get(t.seriesId);
      return row
        ? {
            seriesId: t.seriesId,
            min: row.mn,
            max: row.mx,
            sum: row.s,
            count: row.c,
            avg: row.c ? row.s / row.c : null,
          }
        : { seriesId: t.seriesId, min: null, max: null, sum: null, count: 0, avg: null };
    });
  }
}
