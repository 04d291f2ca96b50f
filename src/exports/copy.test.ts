import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ADAPTERS } from '../../test/support/db.js';
import type { Db } from '../db/port.js';
import { createTenant } from '../iam/tenants.js';
import { silentLogger } from '../platform/logger.js';
import { Catalog, type SeriesInfo } from '../storage/catalog.js';
import { COPY_SETUP, countNewlines, isoSql, jsNumberSql } from './copy.js';
import { LocalExportFiles, type ExportFiles } from './files.js';
import { iso } from './format.js';
import { ExportJobs, type ExportJob } from './jobs.js';
import { fileKeyOf, runExport, type RunnerOptions } from './runner.js';
import { seedReadings } from './seed.js';
import type { ExportRequest } from './spec.js';

const T0 = Date.UTC(2026, 0, 5);
const PER_SERIES = 3000;
const STEP = 10_000;
const BIG = 200_000;

/** Doubles whose text differs between PostgreSQL and JavaScript, and some that do not. */
const AWKWARD = [
  -0,
  1e-7,
  1.5e-5,
  -0.00001234,
  1e-4,
  0.1,
  1e15,
  1234567890123456.8,
  1e21,
  7e22,
  1e23,
  2.817681548734109e16,
  2 ** 53 + 2,
  -9.99e-300,
  5e-324,
  1.7976931348623157e308,
  21.375,
];

it('counts newlines in a chunk', () => {
  expect(countNewlines(Buffer.from(''))).toBe(0);
  expect(countNewlines(Buffer.from('a\nb\n\n'))).toBe(3);
});

for (const adapter of DB_ADAPTERS.filter((a) => a.name === 'postgres')) {
  describe(`CSV exports through COPY (${adapter.name})`, () => {
    let db: Db & { drop(): Promise<void> };
    let dir: string;
    let files: LocalExportFiles;
    let jobs: ExportJobs;
    let tenant: number;
    let series: SeriesInfo[];
    let big: SeriesInfo[];
    let clock = Date.now();

    beforeAll(async () => {
      db = await adapter.open();
      dir = mkdtempSync(join(tmpdir(), 'di-exports-copy-'));
      files = new LocalExportFiles(dir);
      jobs = new ExportJobs(db);
      tenant = (await createTenant(db, `copy-${Date.now()}`)).id;
      await seedReadings(db, {
        tenantId: tenant,
        location: 'hq',
        asset: 'ahu-1',
        sensors: 3,
        parameter: 'temp',
        from: T0,
        stepMs: STEP,
        perSeries: PER_SERIES,
      });
      // More than the socket buffers hold: a stalled reader leaves the server blocked mid-COPY.
      await seedReadings(db, {
        tenantId: tenant,
        location: 'big',
        asset: 'meter',
        sensors: 1,
        parameter: 'kw',
        from: T0,
        stepMs: 1000,
        perSeries: BIG,
        rollups: false,
      });
      big = await new Catalog(db).series(tenant, { location: 'big' });
      const found = await new Catalog(db).series(tenant, { location: 'hq' });
      // Names that need CSV quoting, an empty unit, and one equal to COPY's usual NULL marker.
      series = [
        { ...found[0]!, location: 'hall, "east"\nwing', asset: '\\N', unit: '' },
        { ...found[1]!, sensor: 's1\r\n"b"', unit: '\\NN' },
        found[2]!,
      ];
      // Values whose text PostgreSQL and JavaScript lay out differently, between the seeded ones.
      const s = found[1]!;
      await db.query(
        `insert into readings (policy_id, series_id, ts, value)
         select $1, $2, $3::bigint + (10 + i) * $4::bigint + 1, v from unnest($5::float8[]) with ordinality as u(v, i)`,
        [s.policyId, s.seriesId, T0, STEP, AWKWARD.map(String)],
      );
      await db.query(
        `update rollup_1h set min = $3, max = $4, sum = $5, first = $6, last = $7
         where policy_id = $1 and series_id = $2 and bucket = $8`,
        [s.policyId, s.seriesId, 1e-7, 1e21, 7e22, -0, 2 ** 53 + 2, T0 + 3_600_000],
      );
    }, 60_000);
    afterAll(async () => {
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    const create = (over: Partial<ExportRequest> = {}, of = series) =>
      jobs.create({
        tenantId: tenant,
        requestedByUser: undefined,
        requestedBy: 'token:test',
        request: {
          scope: { location: 'hq' },
          from: T0 + 5 * STEP,
          to: T0 + PER_SERIES * STEP,
          resolution: 'raw',
          format: 'csv',
          ...over,
        },
        series: of,
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
    const claimJob = async (id: number, owner: string): Promise<ExportJob> => {
      for (;;) {
        const j = await jobs.claim({ owner, leaseMs: 30_000, perTenant: 100, now: clock });
        if (!j) throw new Error(`job ${id} was not claimable`);
        if (j.id === id) return j;
        await jobs.cancel(j.tenantId, j.id, clock);
      }
    };
    /** Runs a fresh job of the request through one path; the file's bytes (gunzipped) and the job. */
    const exported = async (over: Partial<ExportRequest>, copy: boolean) => {
      const job = await claimJob((await create(over)).id, 'w');
      expect(await runExport(job, runner('w', { copy }), new AbortController().signal)).toBe('succeeded');
      const bytes = readFileSync(join(dir, fileKeyOf(job)));
      return {
        text: (over.format === 'csv.gz' ? gunzipSync(bytes) : bytes).toString(),
        job: (await jobs.get(tenant, job.id))!,
      };
    };

    it('writes the same bytes as the keyset reader, raw and roll-up, csv and csv.gz', async () => {
      for (const resolution of ['raw', '1h'] as const) {
        for (const format of ['csv', 'csv.gz'] as const) {
          const keyset = await exported({ resolution, format }, false);
          const copied = await exported({ resolution, format }, true);
          expect(copied.text.length).toBeGreaterThan(1000);
          expect(copied.text).toBe(keyset.text);
          expect(copied.job.rowsDone).toBe(keyset.job.rowsDone);
          expect(copied.job.bytes).toBe(readFileSync(join(dir, fileKeyOf(copied.job))).length);
        }
      }
      const raw = await exported({}, true);
      // Every awkward value, written as JavaScript writes it, and the quoted names.
      for (const v of AWKWARD) expect(raw.text).toContain(`,${String(v)}\n`);
      expect(raw.text).toContain(`"hall, ""east""\nwing",\\N,s0,temp,,`);
      expect(raw.job.rowsDone).toBe(3 * (PER_SERIES - 5) + AWKWARD.length);
    });

    it('writes any double as String(number) does, and times as toISOString', async () => {
      const doubles = fc
        .sample(fc.double(), 3000)
        .concat(fc.sample(fc.double({ min: 4e15, max: 1e25 }), 2000));
      const r = await db.transaction(async (tx) => {
        for (const s of COPY_SETUP) await tx.query(s);
        return tx.query<{ t: string }>(`select ${jsNumberSql('x::float8')} as t from unnest($1::text[]) x`, [
          doubles.map(String),
        ]);
      });
      expect(r.rows.map((x) => x.t)).toEqual(doubles.map(String));
      const times = fc.sample(fc.integer({ min: 0, max: 253_402_300_799_999 }), 3000);
      const t = await db.query<{ s: string }>(`select ${isoSql('t')} as s from unnest($1::bigint[]) t`, [
        times,
      ]);
      expect(t.rows.map((x) => x.s)).toEqual(times.map(iso));
    });

    it('cancel stops a running COPY promptly, on the server too, and leaves no file', async () => {
      // A slow disk: the COPY is held back by backpressure mid-statement.
      const slow: ExportFiles = Object.assign(Object.create(files) as ExportFiles, {
        async create() {
          return new Writable({
            highWaterMark: 1024,
            write(_c, _e, cb) {
              setTimeout(cb, 200);
            },
          });
        },
      });
      const job = await claimJob(
        (await create({ scope: { location: 'big' }, to: T0 + BIG * 1000 }, big)).id,
        'wc',
      );
      let real = Date.now();
      const running = runExport(
        job,
        runner('wc', { files: slow, now: () => (real += 300) }),
        new AbortController().signal,
      );
      // The copy's connection, mid-export, blocked on sending more than the stalled reader takes.
      const copying = async (blocked: boolean) =>
        (
          await db.query<{ n: number }>(
            `select count(*)::integer as n from pg_stat_activity
             where query like 'copy (select%' and pid <> pg_backend_pid()
               and (not $1 or (state = 'active' and wait_event = 'ClientWrite'))`,
            [blocked],
          )
        ).rows[0]!.n;
      for (let i = 0; i < 100 && (await copying(true)) === 0; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(await copying(true)).toBe(1);
      const mid = (await jobs.get(tenant, job.id))!;
      expect(mid.rowsDone).toBeGreaterThan(0);
      expect(mid.rowsDone).toBeLessThan(BIG);
      await jobs.cancel(tenant, job.id, clock);
      const t = Date.now();
      expect(await running).toBe('lost');
      expect(Date.now() - t).toBeLessThan(2_000);
      for (let i = 0; i < 50 && (await copying(false)) > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await copying(false)).toBe(0);
      expect(readdirSync(join(dir, String(tenant))).filter((n) => n.startsWith(`${job.id}.`))).toEqual([]);
      expect((await jobs.get(tenant, job.id))?.status).toBe('cancelled');
      // The pool still works (the connection left mid-COPY was discarded, not reused).
      expect((await db.query<{ one: number }>('select 1 as one')).rows[0]!.one).toBe(1);
    });
  });
}
