/**
 * Query latency for the two figures of the brief, on PGlite and (with DATABASE_URL) PostgreSQL:
 *
 * - last week's average of a 1 Hz sensor (604,800 readings written through the store), by
 *   `SeriesQueries.aggregate` beside a plain `avg(value)` over the raw readings;
 * - ten years of a 1 Hz sensor drawn as <= 2,000 points with min/max kept, by `SeriesQueries.series`
 *   beside a plain select of the day roll-up rows (no downsampling). Ten years of raw 1 Hz data is
 *   315M rows, so this series gets its hour and day roll-up rows generated directly (what the store
 *   would have folded them into), with no raw readings and no minute roll-ups behind them.
 */
import { migrate } from '../src/db/migrate.js';
import { PgliteDb } from '../src/db/pglite.js';
import type { Db } from '../src/db/port.js';
import { PostgresDb } from '../src/db/postgres.js';
import type { ReadingsEnvelope } from '../src/ingest/envelope.js';
import { SeriesQueries, type SeriesTarget } from '../src/storage/queries.js';
import { TimeSeriesStore } from '../src/storage/store.js';
import { DAY, floorTo, HOUR, tier } from '../src/storage/tiers.js';
import { latencies, percentile, unique, withPg } from './support.js';
import type { BenchContext, BenchRow, BenchSuite } from './table.js';

/** "Now" of the run: fixed, and deliberately not aligned to a minute (13:37:42.000 UTC). */
const NOW = Date.UTC(2026, 1, 18, 13, 37, 42);
const WEEK = 7 * DAY;
const TEN_YEARS = 3650 * DAY;
const RUNS = 50;
const WARMUPS = 5;
const BATCH = 20_000;
const SPIKE = 999;

/** The 1 Hz sensor's value at second i: a daily wave with some deterministic jitter. */
const valueAt = (i: number) => 20 + 5 * Math.sin((2 * Math.PI * i) / 86_400) + ((i * 7919) % 100) / 100;

const ms = (sorted: number[], p: number) => percentile(sorted, p);

interface Engine {
  name: 'PGlite' | 'PostgreSQL';
  db: Db;
  close(): Promise<void>;
}

async function openPglite(): Promise<Engine> {
  const db = await PgliteDb.open(undefined);
  await migrate(db);
  return { name: 'PGlite', db, close: () => db.close() };
}

async function openPostgres(url: string): Promise<Engine> {
  const schema = unique('bench_query');
  const db = await PostgresDb.open({ url, poolSize: 4, schema, applicationName: 'datainsight:bench' });
  try {
    await migrate(db);
  } catch (e) {
    await db.close();
    await withPg(url, (c) => c.query(`drop schema if exists ${schema} cascade`));
    throw e;
  }
  return {
    name: 'PostgreSQL',
    db,
    async close() {
      await db.close();
      await withPg(url, (c) => c.query(`drop schema if exists ${schema} cascade`));
    },
  };
}

const envelope = (sensor: string, r: [string, number, number][]): ReadingsEnvelope => ({
  v: 1,
  kind: 'readings',
  tenant: 'bench',
  location: 'site',
  asset: 'ahu-1',
  sensor,
  src: 'bench',
  rx: NOW,
  r,
});

async function targetOf(db: Db, sensor: string): Promise<SeriesTarget> {
  const r = await db.query<{ id: number; retention_policy_id: number }>(
    `select s.id, s.retention_policy_id from series s join sensors x on x.id = s.sensor_id where x.slug = $1`,
    [sensor],
  );
  const row = r.rows[0];
  if (!row) throw new Error(`series of sensor ${sensor} was not registered`);
  return { seriesId: row.id, policyId: row.retention_policy_id };
}

/** Last week's average of a 1 Hz sensor: our decomposed aggregate beside avg() over the raw rows. */
async function lastWeek(ctx: BenchContext, e: Engine, store: TimeSeriesStore): Promise<BenchRow[]> {
  const { db } = e;
  const seconds = Math.round((WEEK / 1000) * Math.min(1, ctx.scale));
  // Readings at whole seconds over the week before NOW: [NOW - 7 d, NOW), the last `seconds` of it.
  const first = NOW - seconds * 1000;
  let expectedSum = 0;
  const t0 = performance.now();
  for (let i = 0; i < seconds; i += BATCH) {
    const r: [string, number, number][] = [];
    for (let j = i; j < Math.min(seconds, i + BATCH); j++) {
      const v = valueAt(j);
      expectedSum += v;
      r.push(['temp', first + j * 1000, v]);
    }
    await store.write([envelope('week', r)]);
    if ((i / BATCH) % 10 === 9 || i + BATCH >= seconds)
      ctx.progress(`${e.name}: week written ${Math.min(seconds, i + BATCH)}/${seconds}`);
  }
  const writeS = (performance.now() - t0) / 1000;
  const target = await targetOf(db, 'week');
  const q = new SeriesQueries(db);
  const from = NOW - WEEK;

  const [check] = await q.aggregate([target], from, NOW);
  const expectedAvg = expectedSum / seconds;
  const exact = check?.count === seconds && Math.abs((check.avg ?? NaN) - expectedAvg) < 1e-9;
  const rawSql = `select avg(value) as avg, count(*)::int as n from readings
                  where policy_id = $1 and series_id = $2 and ts >= $3 and ts < $4`;
  const rawParams = [target.policyId, target.seriesId, from, NOW];
  const rawCheck = (await db.query<{ avg: number; n: number }>(rawSql, rawParams)).rows[0];
  const rawExact = rawCheck?.n === seconds && Math.abs(rawCheck.avg - expectedAvg) < 1e-9;

  ctx.progress(`${e.name}: timing the week aggregate (${RUNS} runs after ${WARMUPS} warm-ups)`);
  const ours = await latencies(() => q.aggregate([target], from, NOW), RUNS, WARMUPS);
  ctx.progress(`${e.name}: timing avg() over the raw readings`);
  const raw = await latencies(() => db.query(rawSql, rawParams), RUNS, WARMUPS);

  const scaled = seconds < WEEK / 1000 ? `, SCALED: ${seconds.toLocaleString('en-US')} readings` : '';
  const checked = exact
    ? `exact (count ${seconds.toLocaleString('en-US')}, avg matches)`
    : `WRONG RESULT: count ${check?.count}, avg ${check?.avg} vs expected ${expectedAvg}`;
  const rawChecked = rawExact ? '' : `; RAW SQL WRONG: n ${rawCheck?.n}, avg ${rawCheck?.avg}`;
  const note = `${checked}${rawChecked}; window [now-7d, now), now = 13:37:42; ${seconds.toLocaleString('en-US')} readings written via store in ${writeS.toFixed(1)} s${scaled}`;
  const metric = (p: string) => `last week's avg of a 1 Hz sensor, ${p} (${e.name})`;
  return [
    {
      suite: 'query',
      metric: metric('p50'),
      unit: 'ms',
      ours: ms(ours, 50),
      raw: ms(raw, 50),
      target: '<= 10 ms',
      met: exact && ms(ours, 50) <= 10,
      note,
    },
    {
      suite: 'query',
      metric: metric('p99'),
      unit: 'ms',
      ours: ms(ours, 99),
      raw: ms(raw, 99),
      target: '<= 10 ms',
      met: exact && ms(ours, 99) <= 10,
      note: `p99 of ${RUNS} runs (= the slowest)`,
    },
  ];
}

interface Bucket {
  bucket: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  firstTs: number;
  first: number;
  lastTs: number;
  last: number;
}

/**
 * Hour roll-ups of a 1 Hz sensor over [from, to) (whole hours only: 3,600 readings each) with one
 * spike, and the day roll-ups folded from them exactly as the store folds (86,400 readings a whole day).
 */
function tenYearsOfRollups(from: number, to: number, spikeAt: number): { hours: Bucket[]; days: Bucket[] } {
  const hours: Bucket[] = [];
  for (let h = Math.ceil(from / HOUR) * HOUR; h + HOUR <= to; h += HOUR) {
    const i = (h - from) / 1000;
    const mean = valueAt(i + 1800);
    const spike = spikeAt >= h && spikeAt < h + HOUR;
    hours.push({
      bucket: h,
      min: mean - 1.5,
      max: spike ? SPIKE : mean + 1.5,
      sum: mean * 3600 + (spike ? SPIKE - mean : 0),
      count: 3600,
      firstTs: h,
      first: mean - 0.25,
      lastTs: h + HOUR - 1000,
      last: mean + 0.25,
    });
  }
  const days = new Map<number, Bucket>();
  for (const b of hours) {
    const d = floorTo(b.bucket, DAY);
    const day = days.get(d);
    if (!day) days.set(d, { ...b, bucket: d });
    else {
      day.min = Math.min(day.min, b.min);
      day.max = Math.max(day.max, b.max);
      day.sum += b.sum;
      day.count += b.count;
      day.lastTs = b.lastTs;
      day.last = b.last;
    }
  }
  return { hours, days: [...days.values()] };
}

async function insertRollups(db: Db, table: string, t: SeriesTarget, rows: Bucket[]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    const chunk = rows.slice(i, i + BATCH);
    const col = <K extends keyof Bucket>(k: K) => chunk.map((b) => b[k]);
    await db.query(
      `insert into ${table} (policy_id, series_id, bucket, min, max, sum, count, first_ts, first, last_ts, last)
       select $1::smallint, $2::integer, * from unnest($3::bigint[], $4::float8[], $5::float8[], $6::float8[],
         $7::bigint[], $8::bigint[], $9::float8[], $10::bigint[], $11::float8[])`,
      [
        t.policyId,
        t.seriesId,
        col('bucket'),
        col('min'),
        col('max'),
        col('sum'),
        col('count'),
        col('firstTs'),
        col('first'),
        col('lastTs'),
        col('last'),
      ],
    );
  }
}

/** Ten years of a 1 Hz sensor in <= 2,000 points: our downsampled day tier beside the plain day rows. */
async function tenYears(ctx: BenchContext, e: Engine, store: TimeSeriesStore): Promise<BenchRow[]> {
  const { db } = e;
  const from = NOW - TEN_YEARS;
  const spikeAt = from + 1234 * DAY + 7 * HOUR + 13 * 60_000;
  // Register the series without writing a reading (its roll-ups are generated below).
  await store.registry.resolve([
    { tenant: 'bench', location: 'site', asset: 'ahu-1', sensor: 'decade', parameter: 'temp' },
  ]);
  const target = await targetOf(db, 'decade');
  const { hours, days } = tenYearsOfRollups(from, NOW, spikeAt);
  // One timestamp per (365-day, epoch-aligned) hour/day roll-up partition, plus the last hour.
  const yearly = tier('1d').partitionMs;
  const stamps: number[] = [];
  for (let ts = floorTo(hours[0]!.bucket, yearly); ts <= NOW; ts += yearly) stamps.push(ts);
  stamps.push(hours.at(-1)!.bucket);
  await store.partitions.ensure(target.policyId, stamps);
  ctx.progress(`${e.name}: inserting ${hours.length} hour and ${days.length} day roll-up rows`);
  await insertRollups(db, 'rollup_1h', target, hours);
  await insertRollups(db, 'rollup_1d', target, days);
  await db.exec('analyze rollup_1h; analyze rollup_1d');

  const q = new SeriesQueries(db);
  const [s] = await q.series([target], from, NOW, 2000, NOW);
  const bandMax = Math.max(...(s?.band ?? []).map((b) => b[2]));
  const problems = [
    s?.tier !== '1d' && `tier ${s?.tier} (expected 1d)`,
    !(s && s.data.length <= 2000) && `${s?.data.length} points (> 2,000)`,
    bandMax !== SPIKE && `spike lost: band max ${bandMax}`,
  ].filter(Boolean);
  const rawSql = `select bucket, min, max, sum, count from rollup_1d
                  where policy_id = $1 and series_id = $2 and bucket >= $3 and bucket < $4 order by bucket`;
  const rawParams = [target.policyId, target.seriesId, floorTo(from, DAY), NOW];
  const rawRows = (await db.query(rawSql, rawParams)).rows.length;

  ctx.progress(`${e.name}: timing the ten-year chart (${RUNS} runs after ${WARMUPS} warm-ups)`);
  const ours = await latencies(() => q.series([target], from, NOW, 2000, NOW), RUNS, WARMUPS);
  const raw = await latencies(() => db.query(rawSql, rawParams), RUNS, WARMUPS);

  const ok = problems.length === 0;
  const note =
    (ok
      ? `${s!.data.length} points from tier 1d, spike ${SPIKE} kept in the band`
      : `CHECK FAILED: ${problems.join(', ')}`) +
    `; raw engine returns all ${rawRows} day rows; roll-ups GENERATED (${hours.length} hour + ${days.length} day rows of a 1 Hz sensor, no raw readings)`;
  const metric = (p: string) => `10 years of a 1 Hz sensor as <= 2,000 points, ${p} (${e.name})`;
  return [
    {
      suite: 'query',
      metric: metric('p50'),
      unit: 'ms',
      ours: ms(ours, 50),
      raw: ms(raw, 50),
      target: '<= 100 ms',
      met: ok && ms(ours, 50) <= 100,
      note,
    },
    {
      suite: 'query',
      metric: metric('p99'),
      unit: 'ms',
      ours: ms(ours, 99),
      raw: ms(raw, 99),
      target: '<= 100 ms',
      met: ok && ms(ours, 99) <= 100,
      note: `p99 of ${RUNS} runs (= the slowest)`,
    },
  ];
}

async function onEngine(ctx: BenchContext, open: () => Promise<Engine>): Promise<BenchRow[]> {
  const e = await open();
  try {
    await e.db.query(`insert into tenants (slug, name) values ('bench', 'bench')`);
    const store = new TimeSeriesStore(e.db);
    return [...(await lastWeek(ctx, e, store)), ...(await tenYears(ctx, e, store))];
  } finally {
    await e.close();
  }
}

export const queryBench: BenchSuite = async (ctx) => {
  const rows = [
    ...(await onEngine(ctx, openPglite)),
    ...(ctx.databaseUrl ? await onEngine(ctx, () => openPostgres(ctx.databaseUrl!)) : []),
  ];
  // The printed table has no note column: say here what each figure was measured on.
  for (const r of rows) if (r.note) ctx.progress(`${r.metric}: ${r.note}`);
  return rows;
};
