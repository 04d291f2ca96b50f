/**
 * PostgreSQL source: a one-connection pool whose sessions are read-only
 * (default_transaction_read_only) with a statement_timeout, in the mapping's time zone, and whose
 * timestamps come back as text (so naive times are never shifted by this process's zone).
 */
import pg from 'pg';
import type { SqlDialect } from '../position.js';
import type { SqlDriver, SqlResult } from '../source.js';
import type { SqlSourceSpec } from '../spec.js';

const TEXT_TYPES = new Set([1082, 1083, 1114, 1184, 1266]); // date, time, timestamp, timestamptz, timetz

export const postgresDialect: SqlDialect = {
  quote: (id) => `"${id.replace(/"/g, '""')}"`,
  param: (n) => `$${n}`,
  select: ({ from, where, orderBy, limit }) =>
    `select * from ${from} where ${where} order by ${orderBy} limit ${limit}`,
  minTs: '0001-01-01 00:00:00',
};

export class PostgresDriver implements SqlDriver {
  readonly dialect = postgresDialect;
  private readonly pool: pg.Pool;
  private closed: Promise<void> | undefined;

  constructor(
    spec: Extract<SqlSourceSpec, { kind: 'postgres' }>,
    password: string | undefined,
    zone: string,
    timeoutMs: number,
  ) {
    this.pool = new pg.Pool({
      host: spec.host,
      port: spec.port,
      database: spec.database,
      user: spec.user,
      password,
      ssl: spec.ssl ? { rejectUnauthorized: true } : undefined,
      max: 1,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: Math.min(timeoutMs, 10_000),
      application_name: 'datainsight-connector',
      options: `-c default_transaction_read_only=on -c statement_timeout=${timeoutMs} -c TimeZone=${zone}`,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          TEXT_TYPES.has(oid)
            ? (v: string) => v
            : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client's error (server restart) must not crash the process: the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  async version(timeoutMs: number): Promise<string> {
    const r = await this.run('select version() as v', [], timeoutMs);
    return String(r.rows[0]?.v ?? 'PostgreSQL').split(' on ')[0]!;
  }

  async run(sql: string, params: readonly unknown[], timeoutMs: number): Promise<SqlResult> {
    const r = await this.pool.query({
      text: sql,
      values: params as unknown[],
      query_timeout: timeoutMs + 1000,
    } as pg.QueryConfig);
    return { rows: r.rows as Record<string, unknown>[], columns: r.fields.map((f) => f.name) };
  }

  close(): Promise<void> {
    this.closed ??= this.pool.end().catch(() => undefined);
    return this.closed;
  }
}
