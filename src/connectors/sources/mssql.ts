/**
 * Microsoft SQL Server source (mssql / tedious). Read-only by ApplicationIntent=ReadOnly and, as the
 * docs ask, a login granted db_datareader only; requestTimeout bounds each query. Naive DATETIME /
 * DATETIME2 values are handed on as wall-clock text (the driver would read them as UTC).
 * NOT exercised against a live SQL Server in this repository's tests: only its dialect is unit-tested.
 */
import mssql from 'mssql';
import type { SqlDialect } from '../position.js';
import type { SqlDriver, SqlResult } from '../source.js';
import type { SqlSourceSpec } from '../spec.js';

export const mssqlDialect: SqlDialect = {
  quote: (id) => `[${id.replace(/]/g, ']]')}]`,
  param: (n) => `@p${n}`,
  select: ({ from, where, orderBy, limit }) =>
    `select top (${limit}) * from ${from} where ${where} order by ${orderBy}`,
  minTs: '1753-01-01 00:00:00',
};

const naive = (d: Date): string => d.toISOString().replace('T', ' ').replace('Z', '');

export class MssqlDriver implements SqlDriver {
  readonly dialect = mssqlDialect;
  private pool: mssql.ConnectionPool | undefined;
  private connecting: Promise<mssql.ConnectionPool> | undefined;

  constructor(
    private readonly spec: Extract<SqlSourceSpec, { kind: 'mssql' }>,
    private readonly password: string | undefined,
    private readonly timeoutMs: number,
  ) {}

  private connect(): Promise<mssql.ConnectionPool> {
    if (this.pool?.connected) return Promise.resolve(this.pool);
    this.connecting ??= new mssql.ConnectionPool({
      server: this.spec.host,
      port: this.spec.port,
      user: this.spec.user,
      password: this.password,
      database: this.spec.database,
      requestTimeout: this.timeoutMs,
      connectionTimeout: Math.min(this.timeoutMs, 10_000),
      pool: { max: 1, min: 0 },
      options: {
        encrypt: this.spec.encrypt,
        trustServerCertificate: this.spec.trustServerCertificate,
        readOnlyIntent: true,
        useUTC: true,
      },
    })
      .connect()
      .then((p) => (this.pool = p))
      .finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  async version(timeoutMs: number): Promise<string> {
    const r = await this.run('select @@version as v', [], timeoutMs);
    return String(r.rows[0]?.v ?? 'SQL Server').split('\n')[0]!;
  }

  async run(sql: string, params: readonly unknown[], _timeoutMs: number): Promise<SqlResult> {
    const pool = await this.connect();
    const req = pool.request();
    params.forEach((v, i) => req.input(`p${i + 1}`, v));
    const r = await req.query(sql);
    const meta = (r.recordset?.columns ?? {}) as Record<string, { type?: unknown }>;
    const columns = Object.keys(meta);
    const naiveCols = columns.filter((c) => meta[c]?.type !== mssql.DateTimeOffset);
    const rows = (r.recordset ?? []).map((row: Record<string, unknown>) => {
      for (const c of naiveCols) if (row[c] instanceof Date) row[c] = naive(row[c]);
      return row;
    });
    return { rows, columns };
  }

  async close(): Promise<void> {
    const p = this.pool ?? (await this.connecting?.catch(() => undefined));
    this.pool = undefined;
    await p?.close().catch(() => undefined);
  }
}
