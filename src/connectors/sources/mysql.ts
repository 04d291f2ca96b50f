/**
 * MySQL / MariaDB source (mysql2): one connection, each session read-only (SET SESSION TRANSACTION
 * READ ONLY) with a server-side statement limit where the server has one (MySQL max_execution_time in
 * ms, MariaDB max_statement_time in s) plus the driver's own timeout; DATETIME values come back as text.
 */
import mysql from 'mysql2/promise';
import type { SqlDialect } from '../position.js';
import type { SqlDriver, SqlResult } from '../source.js';
import type { SqlSourceSpec } from '../spec.js';

export const mysqlDialect: SqlDialect = {
  quote: (id) => `\`${id.replace(/`/g, '``')}\``,
  param: () => '?',
  select: ({ from, where, orderBy, limit }) =>
    `select * from ${from} where ${where} order by ${orderBy} limit ${limit}`,
  minTs: '1000-01-01 00:00:00',
};

export class MysqlDriver implements SqlDriver {
  readonly dialect = mysqlDialect;
  private conn: mysql.Connection | undefined;
  private connecting: Promise<mysql.Connection> | undefined;
  private closed = false;

  constructor(
    private readonly spec: Extract<SqlSourceSpec, { kind: 'mysql' }>,
    private readonly password: string | undefined,
    private readonly timeoutMs: number,
  ) {}

  private connection(): Promise<mysql.Connection> {
    if (this.conn) return Promise.resolve(this.conn);
    this.connecting ??= (async () => {
      const c = await mysql.createConnection({
        host: this.spec.host,
        port: this.spec.port,
        user: this.spec.user,
        password: this.password,
        database: this.spec.database,
        ssl: this.spec.ssl ? {} : undefined,
        dateStrings: true,
        supportBigNumbers: true,
        bigNumberStrings: true,
        decimalNumbers: true,
        connectTimeout: Math.min(this.timeoutMs, 10_000),
      });
      c.on('error', () => this.drop(c));
      try {
        await c.query('set session transaction read only');
        const [rows] = await c.query('select version() as v');
        const version = String((rows as { v: string }[])[0]?.v ?? '');
        const limit = /mariadb/i.test(version)
          ? `set session max_statement_time = ${(this.timeoutMs / 1000).toFixed(3)}`
          : `set session max_execution_time = ${this.timeoutMs}`;
        await c.query(limit).catch(() => undefined); // older servers have neither
      } catch (e) {
        c.destroy();
        throw e;
      }
      this.conn = c;
      return c;
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private drop(c: mysql.Connection): void {
    if (this.conn === c) this.conn = undefined;
    c.destroy();
  }

  async version(timeoutMs: number): Promise<string> {
    const r = await this.run('select version() as v', [], timeoutMs);
    const v = String(r.rows[0]?.v ?? '');
    return /mariadb/i.test(v) ? `MariaDB ${v.split('-')[0]}` : `MySQL ${v}`;
  }

  async run(sql: string, params: readonly unknown[], timeoutMs: number): Promise<SqlResult> {
    if (this.closed) throw new Error('source closed');
    const c = await this.connection();
    try {
      const [rows, fields] = await c.query({ sql, values: params as unknown[], timeout: timeoutMs + 1000 });
      return {
        rows: rows as Record<string, unknown>[],
        columns: ((fields ?? []) as { name: string }[]).map((f) => f.name),
      };
    } catch (e) {
      // A timed-out or broken connection is not reused.
      if (
        (e as { fatal?: boolean; code?: string }).fatal ||
        (e as { code?: string }).code === 'PROTOCOL_SEQUENCE_TIMEOUT'
      )
        this.drop(c);
      throw e;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.conn ?? (await this.connecting?.catch(() => undefined));
    this.conn = undefined;
    await c?.end().catch(() => c.destroy());
  }
}
