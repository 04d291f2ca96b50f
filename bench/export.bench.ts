/**
 * Export throughput and memory, on PGlite and (with DATABASE_URL) PostgreSQL: 1 M and 10 M raw
 * readings (x BENCH_SCALE) exported to CSV by an export worker (claim, read, encode, stream to a
 * file, rename), beside the raw engine. On PGlite the worker reads keyset batches and the raw engine
 * is a bare keyset SELECT loop writing `series,ts,value` lines to a file with the same batch size.
 * On PostgreSQL the worker streams `COPY (SELECT ...) TO STDOUT` (copy.ts) and the raw engine is a
 * bare `COPY (SELECT series_id, ts, value ...) TO STDOUT` per series into /dev/null; the keyset
 * reader on PostgreSQL is measured once too, at the smaller size, for comparison. Memory is sampled every 250 ms during
 * each run: peak live heap (after a full GC) and RSS above what they were when it started. Data is generated in the
 * database (generate_series straight into the readings partitions, roll-ups folded after).
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { migrate } from '../src/db/migrate.js';
import { PgliteDb } from '../src/db/pglite.js';
import type { Db } from '../src/db/port.js';
import { canCopyOut, PostgresDb } from '../src/db/postgres.js';
import { LocalExportFiles } from '../src/exports/files.js';
import { ExportJobs } from '../src/exports/jobs.js';
import { fileKeyOf, runExport } from '../src/exports/runner.js';
import { seedReadings } from '../src/exports/seed.js';
import { createTenant } from '../src/iam/tenants.js';
import { silentLogger } from '../src/platform/logger.js';
import { Catalog, type SeriesInfo } from '../src/storage/catalog.js';
import { unique, withPg } from './support.js';
import type { BenchContext, BenchRow, BenchSuite } from './table.js';

const PER_SERIES = 100_000;
const BATCH = 20_000;
const STEP = 1000;
const FROM = Date.UTC(2026, 0, 1);
const TARGET = 200_000;

interface Engine {
  name: 'PGlite' | 'PostgreSQL';
  db: Db;
  close(): Promise<void>;
}

async function openEngine(name: Engine['name'], url?: string): Promise<Engine> {
  if (name === 'PGlite') {
    const db = await PgliteDb.open(undefined);
    await migrate(db);
    return { name, db, close: () => db.close() };
  }
  const schema = unique('bench_export');
  const db = await PostgresDb.open({ url: url!, poolSize: 4, schema, applicationName: 'datainsight:bench' });
  await migrate(db);
  return {
    name,
    db,
    async close() {
      await db.close();
      await withPg(url!, (c) => c.query(`drop schema if exists ${schema} cascade`));
    },
  };
}

/** A full garbage collection on demand (the bench's memory figure is the live heap, not garbage). */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Peak live heap (sampled right after a full GC, every 250 ms) and peak RSS above the level at the
 * start, while `fn` runs. Live heap is what an export holds; heapUsed alone would mostly measure how
 * lazily V8 collects.
 */
async function measured<T>(
  fn: () => Promise<T>,
): Promise<{ value: T; seconds: number; heapMb: number; rssMb: number }> {
  gc();
  const start = process.memoryUsage();
  let heap = 0;
  let rss = 0;
  const sample = () => {
    gc();
    const m = process.memoryUsage();
    heap = Math.max(heap, m.heapUsed - start.heapUsed);
    rss = Math.max(rss, m.rss - start.rss);
  };
  const timer = setInterval(sample, 250);
  const t0 = performance.now();
  try {
    const value = await fn();
    const seconds = (performance.now() - t0) / 1000;
    return { value, seconds, heapMb: heap / 2 ** 20, rssMb: rss / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/** The raw figure: a bare keyset loop per series writing one short CSV line per row. */
async function rawExport(db: Db, series: SeriesInfo[], to: number, path: string): Promise<number> {
  const out = createWriteStream(path);
  let rows = 0;
  for (const s of series) {
    let next = FROM;
    for (;;) {
      const r = await db.query<{ ts: number; value: number }>(
        'select ts, value from readings where policy_id = $1 and series_id = $2 and ts >= $3 and ts < $4 order by ts limit $5',
        [s.policyId, s.seriesId, next, to, BATCH],
      );
      let text = '';
      for (const row of r.rows) text += `${s.seriesId},${row.ts},${row.value}\n`;
      rows += r.rows.length;
      if (!out.write(text)) await once(out, 'drain');
      if (r.rows.length < BATCH) break;
      next = r.rows[r.rows.length - 1]!.ts + 1;
    }
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

/** The raw figure on PostgreSQL: a bare COPY of the same rows per series, into /dev/null. */
async function rawCopy(db: Db, series: SeriesInfo[], to: number): Promise<number> {
  if (!canCopyOut(db)) throw new Error('COPY needs PostgreSQL');
  const out = createWriteStream('/dev/null');
  let rows = 0;
  const statements = series.map(
    (s) =>
      `copy (select series_id, ts, value from readings where policy_id = ${s.policyId} and series_id = ${s.seriesId}
             and ts >= ${FROM} and ts < ${to} order by ts) to stdout with (format csv)`,
  );
  for await (const { chunk } of db.copyOut(statements)) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

/** One CSV export job of the bench tenant, claimed and run by a worker; the job. */
async function runCsvJob(
  db: Db,
  jobs: ExportJobs,
  files: LocalExportFiles,
  tenantId: number,
  series: SeriesInfo[],
  to: number,
  copy: boolean,
) {
  const created = await jobs.create({
    tenantId,
    requestedByUser: undefined,
    requestedBy: 'bench',
    request: { scope: { location: 'bench' }, from: FROM, to, resolution: 'raw', format: 'csv' },
    series,
    now: Date.now(),
  });
  return measured(async () => {
    const job = await jobs.claim({ owner: 'bench', leaseMs: 60_000, perTenant: 10, now: Date.now() });
    if (job?.id !== created.id) throw new Error('the bench job was not claimed');
    const outcome = await runExport(
      job,
      {
        db,
        jobs,
        files,
        owner: 'bench',
        leaseMs: 60_000,
        batchRows: BATCH,
        retentionMs: 3_600_000,
        logger: silentLogger(),
        copy,
      },
      new AbortController().signal,
    );
    if (outcome !== 'succeeded') throw new Error(`export ${outcome}`);
    return job;
  });
}

async function engineRows(ctx: BenchContext, e: Engine): Promise<BenchRow[]> {
  const { db } = e;
  const sizes = [1_000_000, 10_000_000].map((n) =>
    Math.max(PER_SERIES, Math.round((n * ctx.scale) / PER_SERIES) * PER_SERIES),
  );
  const tenant = await createTenant(db, unique('bench-export').replace(/_/g, '-'));
  const dir = mkdtempSync(join(tmpdir(), 'di-bench-export-'));
  const files = new LocalExportFiles(dir);
  const jobs = new ExportJobs(db);
  const rows: BenchRow[] = [];
  const to = FROM + PER_SERIES * STEP;
  let seeded = 0;
  const peaks: number[] = [];
  try {
    for (const size of sizes) {
      const t0 = performance.now();
      const sensors = (size - seeded) / PER_SERIES;
      await seedReadings(db, {
        tenantId: tenant.id,
        location: 'bench',
        asset: `meter-${seeded}`,
        sensors,
        parameter: 'kw',
        from: FROM,
        stepMs: STEP,
        perSeries: PER_SERIES,
        onProgress: (done, total) => {
          if (done % 1_000_000 === 0 || done === total)
            ctx.progress(`${e.name}: seeded ${seeded + done}/${size} rows`);
        },
      });
      seeded = size;
      const seedS = (performance.now() - t0) / 1000;
      const series = await new Catalog(db).series(tenant.id, { location: 'bench' });
      ctx.progress(`${e.name}: exporting ${size} rows`);
      const ours = await runCsvJob(db, jobs, files, tenant.id, series, to, true);
      const done = (await jobs.get(tenant.id, ours.value.id))!;
      const bytes = statSync(join(dir, fileKeyOf(ours.value))).size;
      await files.remove(fileKeyOf(ours.value));
      const pgCopy = e.name === 'PostgreSQL';
      ctx.progress(`${e.name}: raw ${pgCopy ? 'COPY' : 'keyset loop'} over ${size} rows`);
      const rawPath = join(dir, 'raw.csv');
      const raw = await measured(() =>
        pgCopy ? rawCopy(db, series, to) : rawExport(db, series, to, rawPath),
      );
      rmSync(rawPath, { force: true });
      const exact = done.rowsDone === size && raw.value === size;
      const label = `${(size / 1e6).toLocaleString('en-US')} M rows`;
      const oursRate = size / ours.seconds;
      peaks.push(ours.heapMb);
      if (size === sizes[0] && pgCopy) {
        ctx.progress(`${e.name}: exporting ${size} rows through the keyset reader`);
        const keyset = await runCsvJob(db, jobs, files, tenant.id, series, to, false);
        const k = (await jobs.get(tenant.id, keyset.value.id))!;
        await files.remove(fileKeyOf(keyset.value));
        rows.push({
          suite: 'export',
          metric: `raw -> CSV file via keyset batches, ${label} (${e.name})`,
          unit: 'rows/s',
          ours: size / keyset.seconds,
          note: `${k.rowsDone === size ? 'all rows' : `WRONG: ${k.rowsDone} rows`}; ${keyset.seconds.toFixed(1)} s; the reader used before COPY; peak live heap ${keyset.heapMb.toFixed(0)} MiB`,
        });
      }
      if (size === sizes[0]) {
        ctx.progress(`${e.name}: exporting ${size} rows as Parquet`);
        const pq = await jobs.create({
          tenantId: tenant.id,
          requestedByUser: undefined,
          requestedBy: 'bench',
          request: { scope: { location: 'bench' }, from: FROM, to, resolution: 'raw', format: 'parquet' },
          series,
          now: Date.now(),
        });
        const parquet = await measured(async () => {
          const job = await jobs.claim({ owner: 'bench', leaseMs: 60_000, perTenant: 10, now: Date.now() });
          if (job?.id !== pq.id) throw new Error('the bench job was not claimed');
          const outcome = await runExport(
            job,
            {
              db,
              jobs,
              files,
              owner: 'bench',
              leaseMs: 60_000,
              batchRows: BATCH,
              retentionMs: 3_600_000,
              logger: silentLogger(),
            },
            new AbortController().signal,
          );
          if (outcome !== 'succeeded') throw new Error(`export ${outcome}`);
          return job;
        });
        const pqBytes = statSync(join(dir, fileKeyOf(parquet.value))).size;
        await files.remove(fileKeyOf(parquet.value));
        rows.push({
          suite: 'export',
          metric: `raw -> Parquet file, ${label} (${e.name})`,
          unit: 'rows/s',
          ours: size / parquet.seconds,
          note: `${parquet.seconds.toFixed(1)} s, ${(pqBytes / 2 ** 20).toFixed(0)} MiB file; peak live heap ${parquet.heapMb.toFixed(0)} MiB`,
        });
      }
      rows.push(
        {
          suite: 'export',
          metric: `raw -> CSV file${pgCopy ? ' via COPY' : ''}, ${label} (${e.name})`,
          unit: 'rows/s',
          ours: oursRate,
          raw: raw.value / raw.seconds,
          target: `>= ${TARGET.toLocaleString('en-US')} rows/s`,
          met: exact && oursRate >= TARGET,
          note: `${exact ? 'all rows' : `WRONG: ${done.rowsDone} rows`}; ${ours.seconds.toFixed(1)} s, ${(bytes / 2 ** 20).toFixed(0)} MiB file, ${series.length} series; seeded in ${seedS.toFixed(0)} s`,
        },
        {
          suite: 'export',
          metric: `peak live heap above start, ${label} (${e.name})`,
          unit: 'MiB',
          ours: ours.heapMb,
          raw: raw.heapMb,
          target: 'flat in size',
          note: `peak RSS above start: ours ${ours.rssMb.toFixed(0)} MiB, raw ${raw.rssMb.toFixed(0)} MiB${e.name === 'PGlite' ? ' (RSS includes the PGlite worker thread)' : ''}`,
        },
      );
    }
    const [small, large] = peaks;
    if (small !== undefined && large !== undefined) {
      rows.push({
        suite: 'export',
        metric: `peak live heap, ${sizes[1]! / sizes[0]!}x the rows vs 1x (${e.name})`,
        unit: 'ratio',
        ours: large / Math.max(small, 1),
        target: 'about 1 (flat)',
        met: large <= small * 1.5 + 8,
        note: `${small.toFixed(0)} MiB -> ${large.toFixed(0)} MiB`,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export const exportBench: BenchSuite = async (ctx) => {
  const rows: BenchRow[] = [];
  const engines: Engine['name'][] = ctx.databaseUrl ? ['PGlite', 'PostgreSQL'] : ['PGlite'];
  for (const name of engines) {
    const e = await openEngine(name, ctx.databaseUrl);
    try {
      rows.push(...(await engineRows(ctx, e)));
    } finally {
      await e.close();
    }
  }
  return rows;
};
