import { ROLLUPS } from './tiers.js';

/**
 * One statement writes a batch: the raw insert keeps the first value per (series, ts) and returns
 * only rows it really inserted; those, and only those, are folded into every roll-up and into the
 * latest value. A redelivered batch inserts nothing and so changes nothing: roll-ups stay exact under
 * duplicates, and out-of-order or late rows update first/last by timestamp, not by arrival.
 *
 * $1 policy ids, $2 series ids, $3 timestamps (epoch ms), $4 values: equal-length arrays.
 */
const rollupUpsert = (table: string, bucketMs: number): string => `
  ${table}_up as (
    insert into ${table} as r (policy_id, series_id, bucket, min, max, sum, count, first_ts, first, last_ts, last)
    select policy_id, series_id, ts - ts % ${bucketMs}, min(value), max(value), sum(value), count(*),
           min(ts), (array_agg(value order by ts))[1], max(ts), (array_agg(value order by ts desc))[1]
    from inserted group by policy_id, series_id, ts - ts % ${bucketMs}
    on conflict (policy_id, series_id, bucket) do update set
      min = least(r.min, excluded.min),
      max = greatest(r.max, excluded.max),
      sum = r.sum + excluded.sum,
      count = r.count + excluded.count,
      first = case when excluded.first_ts < r.first_ts then excluded.first else r.first end,
      first_ts = least(r.first_ts, excluded.first_ts),
      last = case when excluded.last_ts > r.last_ts then excluded.last else r.last end,
      last_ts = greatest(r.last_ts, excluded.last_ts)
    returning 1
  )`;

export const WRITE_BATCH_SQL = `
with inserted as (
  insert into readings (policy_id, series_id, ts, value)
  select * from unnest($1::smallint[], $2::integer[], $3::bigint[], $4::double precision[])
  on conflict do nothing
  returning policy_id, series_id, ts, value
),
${ROLLUPS.map((t) => rollupUpsert(t.table, t.bucketMs)).join(',\n')},
latest_up as (
  insert into latest as l (series_id, ts, value)
  select distinct on (series_id) series_id, ts, value from inserted order by series_id, ts desc
  on conflict (series_id) do update set ts = excluded.ts, value = excluded.value where excluded.ts > l.ts
  returning 1
)
select (select count(*) from inserted)::integer as inserted,
       ${ROLLUPS.map((t) => `(select count(*) from ${t.table}_up)`).join(' + ')} as rollups_touched`;
