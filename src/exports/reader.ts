import type { Db } from '../db/port.js';
import type { SeriesInfo } from '../storage/catalog.js';
import { SeriesQueries } from '../storage/queries.js';
import { DAY, floorTo, HOUR, tier } from '../storage/tiers.js';
import type { ExportRow, RawColumns } from './format.js';
import type { Resolution } from './spec.js';

/**
 * Keyset pagination over the store, ordered by (series, ts): one series at a time (in the order the
 * catalog lists them), `limit` rows per query, each query starting after the last timestamp of the
 * previous one. Every query is an index range scan of the primary key (policy_id, series_id, ts) in
 * the partitions of the range, holds no cursor or transaction open between batches (so it works the
 * same through the PGlite worker and a pg pool), and the memory held is one batch whatever the size.
 */
export interface ReadOptions {
  from: number;
  to: number;
  resolution: Resolution;
  batchRows: number;
  signal?: AbortSignal;
}

export type RowBatch =
  | { series: SeriesInfo; count: number; columns: RawColumns; rows?: undefined }
  | { series: SeriesInfo; count: number; rows: ExportRow[]; columns?: undefined };

/** First bucket of a roll-up read: the one holding `from`, as the query API reads it. */
export const rollupStart = (from: number, resolution: Resolution): number =>
  resolution === 'raw' ? from : floorTo(from, tier(resolution).bucketMs);

/** `{1,2,3}` (a PostgreSQL array of numbers as text) as its elements' texts. */
const elements = (a: string | null): string[] => (a && a.length > 2 ? a.slice(1, -1).split(',') : []);

/**
 * Raw rows through PGlite come back as two text arrays: one value per batch to move out of the
 * worker thread, not one object per row (about 3x faster).
 */
const RAW_SQL = `select count(*)::integer as n, max(ts) as last,
    array_agg(ts order by ts)::text as ts, array_agg(value order by ts)::text as v
  from (select ts, value from readings
        where policy_id = $1 and series_id = $2 and ts >= $3 and ts < $4 order by ts limit $5) x`;

async function* batchesOf(db: Db, series: SeriesInfo[], o: ReadOptions): AsyncGenerator<RowBatch> {
  const t = tier(o.resolution);
  // PostgreSQL through `pg` decodes plain rows fast; the column form pays off through PGlite's worker.
  const rowSql =
    o.resolution === 'raw'
      ? `select ts, value from readings
         where policy_id = $1 and series_id = $2 and ts >= $3 and ts < $4 order by ts limit $5`
      : `select bucket as ts, min, max, sum, count, first, last from ${t.table}
         where policy_id = $1 and series_id = $2 and bucket >= $3 and bucket < $4 order by bucket limit $5`;
  for (const s of series) {
    let next = rollupStart(o.from, o.resolution);
    for (;;) {
      o.signal?.throwIfAborted();
      const params = [s.policyId, s.seriesId, next, o.to, o.batchRows];
      let count: number;
      if (o.resolution === 'raw' && db.kind === 'pglite') {
        const r = await db.query<{ n: number; last: number | null; ts: string | null; v: string | null }>(
          RAW_SQL,
          params,
        );
        const row = r.rows[0]!;
        count = row.n;
        if (count) {
          yield { series: s, count, columns: { ts: elements(row.ts).map(Number), values: elements(row.v) } };
          next = row.last! + 1;
        }
      } else {
        const r = await db.query<ExportRow>(rowSql, params);
        count = r.rows.length;
        if (count) {
          yield { series: s, count, rows: r.rows };
          next = r.rows[count - 1]!.ts + 1;
        }
      }
      if (count < o.batchRows) break;
    }
  }
}

/**
 * The batches of the export, one query ahead: while the caller encodes and writes batch k, the
 * database (the PGlite worker thread, or a pooled PostgreSQL connection) already reads batch k + 1.
 */
export async function* readBatches(db: Db, series: SeriesInfo[], o: ReadOptions): AsyncGenerator<RowBatch> {
  const src = batchesOf(db, series, o);
  let ahead = src.next();
  // A failed read-ahead surfaces when awaited, not as an unhandled rejection meanwhile.
  ahead.catch(() => undefined);
  try {
    for (;;) {
      const r = await ahead;
      if (r.done) return;
      ahead = src.next();
      ahead.catch(() => undefined);
      yield r.value;
    }
  } finally {
    await ahead.catch(() => undefined);
    await src.return(undefined);
  }
}

/**
 * Rows the export will hold, from the roll-ups: raw exactly (the readings counted by the coarsest
 * tiers that fit, as the aggregate API does), roll-up tiers as an upper bound (each coarser bucket
 * holds at most min(its reading count, buckets per coarser bucket) finer buckets).
 */
export async function estimateRows(
  db: Db,
  series: SeriesInfo[],
  from: number,
  to: number,
  resolution: Resolution,
): Promise<number> {
  if (series.length === 0) return 0;
  if (resolution === 'raw') {
    const rows = await new SeriesQueries(db).aggregate(series, from, to);
    return rows.reduce((n, r) => n + r.count, 0);
  }
  const policies = [...new Set(series.map((s) => s.policyId))];
  const ids = series.map((s) => s.seriesId);
  const q = (table: string, expr: string, width: number) =>
    db.query<{ n: number | null }>(
      `select ${expr}::bigint as n from ${table}
       where policy_id = any($1::smallint[]) and series_id = any($2::integer[]) and bucket >= $3 and bucket < $4`,
      [policies, ids, floorTo(from, width), to],
    );
  const r =
    resolution === '1d'
      ? await q('rollup_1d', 'count(*)', DAY)
      : resolution === '1h'
        ? await q('rollup_1d', 'sum(least(count, 24))', DAY)
        : await q('rollup_1h', 'sum(least(count, 60))', HOUR);
  return Number(r.rows[0]?.n ?? 0);
}
