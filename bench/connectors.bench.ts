/**
 * Connector backfill throughput from MariaDB into the store: a legacy table of wide rows (10 meter
 * columns + a Fahrenheit temperature = 11 readings a row, 50 meters, naive Berlin times) is backfilled
 * by the connector role (keyset batches of 5,000 rows, mapped, unit-converted, appended to the
 * telemetry stream) and stored by the storage role (PGlite, and PostgreSQL when DATABASE_URL is set).
 * Beside it, the raw engine: a plain mysql2 read of the same rows with the same keyset pagination.
 * Skipped, with a row saying why, when MariaDB is not reachable.
 */
import mysql from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import { ConnectorRepo } from '../src/connectors/repo.js';
import { validateDefinition } from '../src/connectors/service.js';
import {
  createLegacyTable,
  legacyMapping,
  legacyRows,
  naive,
  unreachable,
  type LegacyDb,
} from '../src/connectors/testing/legacy-table.js';
import { createTenant } from '../src/iam/tenants.js';
import { silentLogger } from '../src/platform/logger.js';
import { startPlatform } from '../src/runtime/start.js';
import { embeddedBenchConfig, waitFor, withPg } from './support.js';
import type { BenchContext, BenchRow, BenchSuite } from './table.js';

const METERS = 10;
const PER_ROW = METERS + 1;
const BATCH = Number(process.env.BENCH_CONNECTOR_BATCH ?? 5000);
const MYSQL_URL = process.env.LEGACY_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** The raw engine: the same rows read with the same keyset pagination, nothing else. */
async function rawRead(legacy: LegacyDb, rows: number): Promise<number> {
  const c = await mysql.createConnection({
    uri: MYSQL_URL,
    database: legacy.source.database as string,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  try {
    let last = '-1';
    let n = 0;
    const t0 = performance.now();
    for (;;) {
      const [got] = await c.query({
        sql: 'select * from `meter_log` where `id` > ? order by `id` limit ?',
        values: [last, BATCH],
      });
      const batch = got as { id: string }[];
      n += batch.length;
      if (batch.length < BATCH) break;
      last = batch[batch.length - 1]!.id;
    }
    if (n !== rows) throw new Error(`raw read got ${n} rows, expected ${rows}`);
    return rows / ((performance.now() - t0) / 1000);
  } finally {
    await c.end();
  }
}

async function backfill(
  ctx: BenchContext,
  legacy: LegacyDb,
  rows: number,
  store: 'PGlite' | 'PostgreSQL',
): Promise<{ rowsPerS: number; readingsPerS: number; readS: number; storeS: number }> {
  let schema: string | undefined;
  const overrides: Record<string, unknown> = { consumerBatchSize: 2000, connectorLeaseMs: 1000 };
  if (store === 'PostgreSQL') {
    schema = `bench_conn_${randomBytes(4).toString('hex')}`;
    await withPg(ctx.databaseUrl!, (c) => c.query(`create schema ${schema}`));
    const url = new URL(ctx.databaseUrl!);
    url.searchParams.set('options', `-c search_path=${schema}`);
    overrides.databaseUrl = url.toString();
  }
  const config = await embeddedBenchConfig(overrides);
  const p = await startPlatform(config, { logger: silentLogger(), roles: ['storage', 'connector'] });
  try {
    const db = p.runtime.db;
    const t = await createTenant(db, 'bench');
    const repo = new ConnectorRepo(db);
    const { spec } = await validateDefinition(
      db,
      t.id,
      {
        name: 'bench',
        source: legacy.source,
        incremental: { mode: 'id', idColumn: 'id' },
        mapping: legacyMapping(METERS),
        batchSize: BATCH,
        pollIntervalMs: 1000,
      },
      { filesRoot: config.dataDir, connectorId: undefined },
    );
    const c = await repo.create(t.id, spec, undefined, Date.now());
    const count = async () =>
      (await db.query<{ n: number }>('select count(*)::int as n from readings')).rows[0]!.n;
    ctx.progress(
      `${store}: backfilling ${rows.toLocaleString('en-US')} rows (${(rows * PER_ROW).toLocaleString('en-US')} readings)`,
    );
    const t0 = performance.now();
    await repo.setDesired(t.id, c.id, 'running', Date.now());
    const read = await waitFor(async () => (await repo.get(t.id, c.id)).backfillDone, 600_000, 20);
    const stored = await waitFor(async () => (await count()) >= rows * PER_ROW, 600_000, 50);
    const got = await count();
    if (got !== rows * PER_ROW)
      throw new Error(`${store}: ${got} readings stored, expected ${rows * PER_ROW}`);
    const readS = (read - t0) / 1000;
    const storeS = (stored - t0) / 1000;
    return { rowsPerS: rows / readS, readingsPerS: (rows * PER_ROW) / storeS, readS, storeS };
  } finally {
    await p.close();
    if (schema) await withPg(ctx.databaseUrl!, (c) => c.query(`drop schema if exists ${schema} cascade`));
  }
}

export const connectorsBench: BenchSuite = async (ctx) => {
  const why = await unreachable('mariadb');
  if (why)
    return [
      {
        suite: 'connectors',
        metric: 'backfill MariaDB -> store',
        unit: 'readings/s',
        ours: Number.NaN,
        note: `skipped: ${why}`,
      },
    ];
  const rows = Math.max(BATCH, Math.round(50_000 * ctx.scale));
  const legacy = await createLegacyTable('mariadb', METERS);
  try {
    ctx.progress(`MariaDB: inserting ${rows.toLocaleString('en-US')} wide rows`);
    const meters = Array.from({ length: 50 }, (_, i) => `meter-${i + 1}`);
    await legacy.insert(
      legacyRows(naive(new Date(Date.now() - 3 * 86_400_000)), rows, METERS, 60_000, meters),
    );
    ctx.progress('raw: plain mysql2 keyset read of the same rows');
    const raw = await rawRead(legacy, rows);
    const out: BenchRow[] = [];
    for (const store of ['PGlite', ...(ctx.databaseUrl ? ['PostgreSQL' as const] : [])] as const) {
      const r = await backfill(ctx, legacy, rows, store);
      const size = `${rows.toLocaleString('en-US')} rows x ${PER_ROW} readings (10 meters + 1 temperature), batch ${BATCH}`;
      out.push(
        {
          suite: 'connectors',
          metric: `MariaDB -> telemetry stream: rows read, mapped, appended (${store} store)`,
          unit: 'rows/s',
          ours: r.rowsPerS,
          raw,
          note: `${size}; = ${Math.round(r.rowsPerS * PER_ROW).toLocaleString('en-US')} readings/s into the stream; read phase ${r.readS.toFixed(1)} s (commits share the store's database); raw = plain mysql2 read, same pagination`,
        },
        {
          suite: 'connectors',
          metric: `MariaDB -> stored and rolled up (${store}, in-process bus)`,
          unit: 'readings/s',
          ours: r.readingsPerS,
          raw: raw * PER_ROW,
          target: '>= 50,000/s',
          met: r.readingsPerS >= 50_000,
          note: `all stored after ${r.storeS.toFixed(1)} s; raw = the mysql2 read's rows x ${PER_ROW}`,
        },
      );
    }
    return out;
  } finally {
    await legacy.drop();
  }
};
