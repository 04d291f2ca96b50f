import { mkdirSync } from 'node:fs';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult } from './port.js';

const PARSERS = { [types.INT8]: (v: string) => Number(v) };

function wrap(q: PGlite | Transaction): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const r = await q.query<R>(sql, params as unknown[] | undefined);
      // PGlite reports affectedRows 0 for a SELECT: count the rows it returned then.
      return { rows: r.rows, rowCount: Math.max(r.rows.length, r.affectedRows ?? 0) };
    },
    async exec(sql: string): Promise<void> {
      await q.exec(sql);
    },
  };
}

/**
 * Embedded PostgreSQL (PGlite, WebAssembly) in this process. One connection: PGlite serialises
 * queries itself, and a transaction holds it exclusively until it ends.
 */
export class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  private closing: Promise<void> | undefined;
  private readonly q: Queryable;

  private constructor(private readonly pg: PGlite) {
    this.q = wrap(pg);
  }

  /** `dataDir` undefined keeps the database in memory (tests that need no persistence). */
  static async open(dataDir: string | undefined): Promise<PgliteDb> {
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const pg = await PGlite.create(dataDir ?? 'memory://', { parsers: PARSERS });
    return new PgliteDb(pg);
  }

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.q.query<R>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.q.exec(sql);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction((tx) => fn(wrap(tx)));
  }

  async ping(): Promise<void> {
    await this.pg.query('select 1');
  }

  close(): Promise<void> {
    this.closing ??= this.pg.closed ? Promise.resolve() : this.pg.close();
    return this.closing;
  }
}
