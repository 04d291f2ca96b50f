import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import parquet from '@dsnp/parquetjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ADAPTERS } from '../../test/support/db.js';
import type { Db } from '../db/port.js';
import { createTenant } from '../iam/tenants.js';
import { silentLogger } from '../platform/logger.js';
import { Catalog, type SeriesInfo } from '../storage/catalog.js';
import { LocalExportFiles } from './files.js';
import { ExportJobs, type ExportJob } from './jobs.js';
import { expireExports } from './retention.js';
import { fileKeyOf, runExport, type RunnerOptions } from './runner.js';
import { seedReadings } from './seed.js';
import type { ExportRequest } from './spec.js';

const T0 = Date.UTC(2026, 0, 5);
const PER_SERIES = 3000;
const STEP = 10_000;

for (const adapter of DB_ADAPTERS) {
  describe(`export jobs and workers (${adapter.name})`, () => {
    let db: Db & { drop(): Promise<void> };
    let dir: string;
    let files: LocalExportFiles;
    let jobs: ExportJobs;
    let a: number;
    let b: number;
    let seriesA: SeriesInfo[];
    let seriesB: SeriesInfo[];
    let clock = Date.now();

    beforeAll(async () => {
      db = await adapter.open();
      dir = mkdtempSync(join(tmpdir(), 'di-exports-'));
      files = new LocalExportFiles(dir);
      jobs = new ExportJobs(db);
      a = (await createTenant(db, `a-${Date.now()}`)).id;
      b = (await createTenant(db, `b-${Date.now()}`)).id;
      const o = {
        location: 'hq',
        asset: 'ahu-1',
        parameter: 'temp',
        from: T0,
        stepMs: STEP,
        perSeries: PER_SERIES,
      };
      await seedReadings(db, { ...o, tenantId: a, sensors: 2 });
      await seedReadings(db, { ...o, tenantId: b, sensors: 1, perSeries: 100 });
      const catalog = new Catalog(db);
      seriesA = await catalog.series(a, { location: 'hq' });
      seriesB = await catalog.series(b, { location: 'hq' });
    }, 60_000);
    afterAll(async () => {
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    const request = (over: Partial<ExportRequest> = {}): ExportRequest => ({
      scope: { location: 'hq' },
      from: T0,
      to: T0 + PER_SERIES * STEP,
      resolution: 'raw',
      format: 'csv',
      ...over,
    });
    const create = (tenantId: number, series: SeriesInfo[], over: Partial<ExportRequest> = {}) =>
      jobs.create({
        tenantId,
        requestedByUser: undefined,
        requestedBy: 'token:test',
        request: request(over),
        series,
        now: clock++,
      });
    const runner = (owner: string, over: Partial<RunnerOptions> = {}): RunnerOptions => ({
      db,
      jobs,
      files,
      owner,
      leaseMs: 30_000,
      batchRows: 700,
      retentionMs: 3_600_000,
      logger: silentLogger(),
      now: () => clock,
      ...over,
    });
    const claim = (owner: string, perTenant = 10, leaseMs = 30_000) =>
      jobs.claim({ owner, leaseMs, perTenant, now: clock });
    /** Claim until the wanted job comes up (earlier tests may leave others queued), cancelling the rest. */
    const claimJob = async (id: number, owner: string, leaseMs = 30_000): Promise<ExportJob> => {
      for (;;) {
        const j = await claim(owner, 100, leaseMs);
        if (!j) throw new Error(`job ${id} was not claimable`);
        if (j.id === id) return j;
        await jobs.cancel(j.tenantId, j.id, clock);
      }
    };

    it('streams every row in (series, ts) order, raw and roll-up, csv, csv.gz and jsonl', async () => {
      const job = await create(a, seriesA);
      const claimed = await claimJob(job.id, 'w1');
      expect(await runExport(claimed, runner('w1'), new AbortController().signal)).toBe('succeeded');
      const lines = readFileSync(join(dir, fileKeyOf(claimed)), 'utf8')
        .trimEnd()
        .split('\n');
      expect(lines[0]).toBe('series_id,location,asset,sensor,parameter,unit,ts,time,value');
      expect(lines).toHaveLength(1 + 2 * PER_SERIES);
      const raw = await db.query<{ series_id: number; ts: number; value: number }>(
        'select series_id, ts, value from readings where series_id = any($1::integer[]) order by series_id, ts',
        [seriesA.map((s) => s.seriesId)],
      );
      expect(
        lines
          .slice(1)
          .map((l) => l.split(','))
          .map((c) => [Number(c[0]), Number(c[6]), Number(c[8])]),
      ).toEqual(raw.rows.map((r) => [r.series_id, r.ts, r.value]));
      const done = (await jobs.get(a, job.id))!;
      expect(done).toMatchObject({
        status: 'succeeded',
        rowsDone: 2 * PER_SERIES,
        rowsEstimated: 2 * PER_SERIES,
      });
      expect(done.bytes).toBe(readFileSync(join(dir, fileKeyOf(claimed))).length);

      const gz = await create(a, seriesA, { resolution: '1h', format: 'csv.gz' });
      const g = await claimJob(gz.id, 'w1');
      expect(await runExport(g, runner('w1'), new AbortController().signal)).toBe('succeeded');
      const hourly = gunzipSync(readFileSync(join(dir, fileKeyOf(g))))
        .toString()
        .trimEnd()
        .split('\n');
      const hours = await db.query<{ n: number }>(
        'select count(*)::integer as n from rollup_1h where series_id = any($1::integer[])',
        [seriesA.map((s) => s.seriesId)],
      );
      expect(hourly.length - 1).toBe(hours.rows[0]!.n);
      expect(hourly[0]).toBe(
        'series_id,location,asset,sensor,parameter,unit,ts,time,min,max,avg,sum,count,first,last',
      );

      const jl = await create(b, seriesB, { format: 'jsonl' });
      const j = await claimJob(jl.id, 'w1');
      expect(await runExport(j, runner('w1'), new AbortController().signal)).toBe('succeeded');
      const objects = readFileSync(join(dir, fileKeyOf(j)), 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { ts: number; value: number; sensor: string });
      expect(objects).toHaveLength(100);
      expect(objects[0]).toMatchObject({ ts: T0, sensor: 's0', time: new Date(T0).toISOString() });
    });

    it('writes Apache Parquet, raw and roll-up, readable by a Parquet reader', async () => {
      const raw = await create(a, seriesA, { format: 'parquet' });
      const r = await claimJob(raw.id, 'w1');
      expect(await runExport(r, runner('w1'), new AbortController().signal)).toBe('succeeded');
      const reader = await parquet.ParquetReader.openFile(join(dir, fileKeyOf(r)));
      expect(Number(reader.getRowCount())).toBe(2 * PER_SERIES);
      const cursor = reader.getCursor();
      const first = (await cursor.next()) as { series_id: number; sensor: string; time: Date; value: number };
      const db0 = await db.query<{ value: number }>(
        'select value from readings where series_id = $1 order by ts limit 1',
        [seriesA[0]!.seriesId],
      );
      expect(first).toMatchObject({
        series_id: seriesA[0]!.seriesId,
        sensor: 's0',
        value: db0.rows[0]!.value,
      });
      expect(first.time.getTime()).toBe(T0);
      await reader.close();

      const hourly = await create(a, seriesA, { format: 'parquet', resolution: '1h' });
      const h = await claimJob(hourly.id, 'w1');
      expect(await runExport(h, runner('w1'), new AbortController().signal)).toBe('succeeded');
      const hr = await parquet.ParquetReader.openFile(join(dir, fileKeyOf(h)));
      const row = (await hr.getCursor().next()) as { count: bigint; sum: number; avg: number };
      expect(row.avg).toBeCloseTo(row.sum / Number(row.count), 9);
      expect(Number(row.count)).toBe(360);
      await hr.close();
    });

    it('is fair across tenants and holds the per-tenant limit', async () => {
      const ids = [await create(a, seriesA), await create(a, seriesA), await create(b, seriesB)].map(
        (j) => j.id,
      );
      // Empty the queue of older jobs so only these three compete.
      const first = await claim('f', 1);
      expect(first?.id).toBe(ids[0]);
      // Tenant a now has one running: b's younger job goes before a's older one.
      expect((await claim('f', 1))?.id).toBe(ids[2]);
      // Both tenants at their limit of 1: nothing more to claim.
      expect(await claim('f', 1)).toBeUndefined();
      for (const id of ids) await jobs.cancel(id === ids[2] ? b : a, id, clock);
    });

    it('a worker that died mid-export: its lease lapses, another restarts the job, and exactly one complete file appears', async () => {
      const job = await create(a, seriesA);
      const dead = await claimJob(job.id, 'dead', 5_000);
      // The dead worker had written part of its file.
      mkdirSync(join(dir, String(a)), { recursive: true });
      writeFileSync(join(dir, `${a}/${job.id}.${dead.attempts}.dead.part`), 'series_id,loc');
      expect(await claim('w2')).toBeUndefined();
      clock += 6_000;
      const again = await claim('w2');
      expect(again).toMatchObject({ id: job.id, attempts: 2, leaseOwner: 'w2' });
      // The dead worker coming back cannot write any more: its lease is gone.
      expect(await jobs.heartbeat(job.id, 'dead', 10, clock + 5_000)).toBe(false);
      expect(await runExport(again!, runner('w2'), new AbortController().signal)).toBe('succeeded');
      const names = readdirSync(join(dir, String(a))).filter((n) => n.startsWith(`${job.id}.`));
      expect(names).toEqual([`${job.id}.csv`]);
      expect(
        readFileSync(join(dir, `${a}/${job.id}.csv`), 'utf8')
          .trimEnd()
          .split('\n'),
      ).toHaveLength(1 + 2 * PER_SERIES);
      expect((await jobs.get(a, job.id))?.attempts).toBe(2);
    });

    it('cancel stops a running export promptly and leaves no file', async () => {
      const job = await create(a, seriesA);
      const claimed = await claimJob(job.id, 'w3');
      let real = Date.now();
      const running = runExport(
        claimed,
        // Slow it down: one 50-row batch per query, the heartbeat on every batch (the keyset reader;
        // copy.test.ts cancels a COPY).
        runner('w3', { batchRows: 50, now: () => (real += 300), copy: false }),
        new AbortController().signal,
      );
      await new Promise((r) => setTimeout(r, 100));
      await jobs.cancel(a, job.id, clock);
      const t = Date.now();
      expect(await running).toBe('lost');
      expect(Date.now() - t).toBeLessThan(2_000);
      expect(readdirSync(join(dir, String(a))).filter((n) => n.startsWith(`${job.id}.`))).toEqual([]);
      expect((await jobs.get(a, job.id))?.status).toBe('cancelled');
    });

    it('retention deletes expired files and marks their jobs expired', async () => {
      const job = await create(b, seriesB);
      const claimed = await claimJob(job.id, 'w4');
      expect(
        await runExport(claimed, runner('w4', { retentionMs: 1000 }), new AbortController().signal),
      ).toBe('succeeded');
      expect(await files.size(fileKeyOf(claimed))).toBeGreaterThan(0);
      expect(await expireExports(jobs, files, clock + 500)).not.toContain(job.id);
      expect(await expireExports(jobs, files, clock + 1000)).toContain(job.id);
      expect(await files.size(fileKeyOf(claimed))).toBeUndefined();
      expect((await jobs.get(b, job.id))?.status).toBe('expired');
    });

    it("another tenant's job id is not found", async () => {
      const job = await create(a, seriesA);
      expect(await jobs.get(b, job.id)).toBeUndefined();
      expect(await jobs.cancel(b, job.id, clock)).toBeUndefined();
      expect((await jobs.get(a, job.id))?.status).toBe('queued');
      expect((await jobs.cancel(a, job.id, clock))?.cancelled).toBe(true);
      expect((await jobs.cancel(a, job.id, clock))?.cancelled).toBe(false);
    });
  });
}
