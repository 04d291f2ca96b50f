import pg from 'pg';
import type { Db, Queryable, QueryResult } from './port.js';

const INT8_OID = 20;

/** bigint columns as numbers, set per pool (not on pg's global type registry). */
const typeParser = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

function wrap(c: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const r = await c.query(sql, params as unknown[] | undefined);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await c.query(sql);
    },
  };
}

export interface PostgresOptions {
  url: string;
  poolSize: number;
  /** Schema to work in (tests isolate themselves in their own schema); created if missing. */
  schema?: string;
  applicationName?: string;
}

export class PostgresDb implements Db {
  readonly kind = 'postgres' as const;
  private closing: Promise<void> | undefined;
  private readonly q: Queryable;

  private constructor(private readonly pool: pg.Pool) {
    this.q = wrap(pool);
    // An idle client that loses its connection must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
  }

  static async open(opts: PostgresOptions): Promise<PostgresDb> {
    if (opts.schema && !/^[a-z_][a-z0-9_]*$/.test(opts.schema))
      throw new Error(`invalid schema name ${opts.schema}`);
    if (opts.schema) {
      const admin = new pg.Client({ connectionString: opts.url });
      await admin.connect();
      try {
        await admin.query(`create schema if not exists ${opts.schema}`);
      } finally {
        await admin.end();
      }
    }
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize,
      application_name: opts.applicationName ?? 'datainsight',
      types: typeParser,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    const db = new PostgresDb(pool);
    await db.ping();
    return db;
  }

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.q.query<R>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.q.exec(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const result = await fn(wrap(client));
      await client.query('commit');
      return result;
    } catch (e) {
      await client.query('rollback').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    await this.pool.query('select 1');
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end().catch(() => undefined);
    return this.closing;
  }
}
