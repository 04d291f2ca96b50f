/**
 * A legacy-style source table for tests and the benchmark, in a real PostgreSQL or MariaDB of its own
 * (a fresh schema / database per call): wide rows with several meter columns, naive local timestamps,
 * a supply temperature in Fahrenheit kept as text (as old systems do), and room for bad rows.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';

export type LegacyEngine = 'postgres' | 'mariadb';

export interface LegacyRow {
  readAt: string;
  meter: string;
  tSupplyF: string | null;
  meters: (number | null)[];
}

export interface LegacyDb {
  engine: LegacyEngine;
  /** `source` of a connector definition for this table. */
  source: Record<string, unknown>;
  table: string;
  meterCount: number;
  insert(rows: LegacyRow[]): Promise<void>;
  exec(sql: string): Promise<void>;
  count(): Promise<number>;
  /** Drop the schema / database and disconnect. */
  drop(): Promise<void>;
}

const PG_URL =
  process.env.LEGACY_PG_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_URL = process.env.LEGACY_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** Why the engine cannot be used here, or undefined when it answers. */
export async function unreachable(engine: LegacyEngine): Promise<string | undefined> {
  try {
    if (engine === 'postgres') {
      const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
      await c.connect();
      await c.end();
    } else {
      const c = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 2000 });
      await c.end();
    }
    return undefined;
  } catch (e) {
    return `${engine} not reachable at ${engine === 'postgres' ? PG_URL.replace(/:[^:@/]*@/, ':***@') : MYSQL_URL}: ${(e as Error).message}`;
  }
}

const meterCols = (n: number) => Array.from({ length: n }, (_, i) => `m${i + 1}`);

export async function createLegacyTable(engine: LegacyEngine, meterCount = 4): Promise<LegacyDb> {
  const name = `di_legacy_${randomBytes(4).toString('hex')}`;
  const cols = meterCols(meterCount);
  const values = (rows: LegacyRow[]) =>
    rows.flatMap((r) => [r.readAt, r.meter, r.tSupplyF, ...cols.map((_, i) => r.meters[i] ?? null)]);
  if (engine === 'postgres') {
    const url = new URL(PG_URL);
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`create schema ${name}`);
    await c.query(
      `create table ${name}.meter_log (id bigserial primary key, read_at timestamp(3) without time zone not null,
       meter varchar(64), t_supply_f varchar(16), ${cols.map((m) => `${m} double precision`).join(', ')})`,
    );
    return {
      engine,
      table: `${name}.meter_log`,
      meterCount,
      source: {
        kind: 'postgres',
        host: url.hostname,
        port: Number(url.port || 5432),
        database: url.pathname.slice(1),
        user: decodeURIComponent(url.username),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
        table: `${name}.meter_log`,
      },
      async insert(rows) {
        const width = 3 + cols.length;
        for (let i = 0; i < rows.length; i += 1000) {
          const chunk = rows.slice(i, i + 1000);
          const tuples = chunk.map(
            (_, r) => `(${Array.from({ length: width }, (_, k) => `$${r * width + k + 1}`).join(', ')})`,
          );
          await c.query(
            `insert into ${name}.meter_log (read_at, meter, t_supply_f, ${cols.join(', ')}) values ${tuples.join(', ')}`,
            values(chunk),
          );
        }
      },
      async exec(sql) {
        await c.query(sql.replaceAll('{table}', `${name}.meter_log`));
      },
      async count() {
        return Number((await c.query(`select count(*) as n from ${name}.meter_log`)).rows[0].n);
      },
      async drop() {
        await c.query(`drop schema if exists ${name} cascade`).catch(() => undefined);
        await c.end();
      },
    };
  }
  const url = new URL(MYSQL_URL);
  const c = await mysql.createConnection({ uri: MYSQL_URL, multipleStatements: false });
  await c.query(`create database ${name}`);
  await c.query(
    `create table ${name}.meter_log (id bigint auto_increment primary key, read_at datetime(3) not null,
     meter varchar(64), t_supply_f varchar(16), ${cols.map((m) => `${m} double`).join(', ')}, index (read_at, id))`,
  );
  return {
    engine,
    table: 'meter_log',
    meterCount,
    source: {
      kind: 'mysql',
      host: url.hostname,
      port: Number(url.port || 3306),
      database: name,
      user: decodeURIComponent(url.username),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      table: 'meter_log',
    },
    async insert(rows) {
      for (let i = 0; i < rows.length; i += 2000) {
        const chunk = rows.slice(i, i + 2000);
        await c.query(
          `insert into ${name}.meter_log (read_at, meter, t_supply_f, ${cols.join(', ')}) values ?`,
          [chunk.map((r) => [r.readAt, r.meter, r.tSupplyF, ...cols.map((_, k) => r.meters[k] ?? null)])],
        );
      }
    },
    async exec(sql) {
      await c.query(sql.replaceAll('{table}', `${name}.meter_log`));
    },
    async count() {
      const [rows] = await c.query(`select count(*) as n from ${name}.meter_log`);
      return Number((rows as { n: number }[])[0]!.n);
    },
    async drop() {
      await c.query(`drop database if exists ${name}`).catch(() => undefined);
      await c.end();
    },
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Naive wall-clock text of a UTC-free "local" time built from its parts (no zone involved). */
export const naive = (d: Date): string =>
  `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`;

/**
 * `count` rows, one per meter per step, starting at the naive local time `start` ("2026-03-29 00:00:00"
 * read as if it were UTC, only to step it), `stepMs` apart. Meter values are deterministic: meter k of
 * row i reads (i * 10 + k) Wh; the supply temperature is 41 + (i % 10) °F.
 */
export function legacyRows(
  startNaive: string,
  count: number,
  meterCount: number,
  stepMs = 60_000,
  meters = ['mt-1', 'mt-2'],
): LegacyRow[] {
  const t0 = Date.parse(`${startNaive.replace(' ', 'T')}Z`);
  return Array.from({ length: count }, (_, i) => ({
    readAt: naive(new Date(t0 + Math.floor(i / meters.length) * stepMs)),
    meter: meters[i % meters.length]!,
    tSupplyF: String(41 + (i % 10)),
    meters: Array.from({ length: meterCount }, (_, k) => i * 10 + k),
  }));
}

/** The connector mapping for such a table: Berlin wall-clock time, °F -> °C, Wh -> kWh. */
export function legacyMapping(meterCount: number, zone = 'Europe/Berlin') {
  return {
    timestamp: { column: 'read_at', zone },
    location: { value: 'plant' },
    asset: { column: 'meter' },
    sensor: { value: 'main' },
    readings: [
      { column: 't_supply_f', parameter: 'supply_temp', unit: 'F', targetUnit: 'C' },
      ...meterCols(meterCount).map((m) => ({
        column: m,
        parameter: `energy_${m}`,
        unit: 'Wh',
        targetUnit: 'kWh',
      })),
    ],
  };
}
