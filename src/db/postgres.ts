import pg from 'pg';
import { to as copyTo, type CopyToStreamQuery } from 'pg-copy-streams';
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

/** One chunk of `COPY ... TO STDOUT` output, and which of the statements produced it. */
export interface CopyChunk {
  statement: number;
  chunk: Buffer;
}

export interface CopyOutOptions {
  /** Run first, inside the transaction (`set local ...`). */
  setup?: readonly string[];
  /** Stops the copy promptly: the running statement is cancelled and the connection discarded. */
  signal?: AbortSignal;
}

/** A database that can stream `COPY ... TO STDOUT` (PostgreSQL only; not part of the Db port). */
export interface CopyOutDb {
  copyOut(statements: Iterable<string>, opts?: CopyOutOptions): AsyncGenerator<CopyChunk>;
}

export const canCopyOut = (db: object): db is CopyOutDb =>
  typeof (db as Partial<CopyOutDb>).copyOut === 'function';

export class PostgresDb implements Db, CopyOutDb {
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

  /**
   * `COPY (...) TO STDOUT` statements, one after another on one dedicated pooled connection inside
   * one read-only transaction, yielding their output as it arrives (the consumer's pace holds the
   * server back: the socket is only read when the next chunk is asked for). A copy that does not run
   * to its end (aborted, consumer stopped, error) is cancelled on the server with pg_cancel_backend
   * and its connection is discarded rather than returned to the pool mid-COPY.
   */
  async *copyOut(statements: Iterable<string>, opts: CopyOutOptions = {}): AsyncGenerator<CopyChunk> {
    const { signal } = opts;
    signal?.throwIfAborted();
    const client = await this.pool.connect();
    let pid: number | undefined;
    let current: CopyToStreamQuery | undefined;
    let clean = false;
    const cancel = (): void => {
      if (pid !== undefined)
        void this.pool.query('select pg_cancel_backend($1)', [pid]).catch(() => undefined);
    };
    const onAbort = (): void => {
      current?.destroy(signal?.reason instanceof Error ? signal.reason : new Error('copy aborted'));
      cancel();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      await client.query('begin read only');
      for (const sql of opts.setup ?? []) await client.query(sql);
      let i = 0;
      for (const sql of statements) {
        signal?.throwIfAborted();
        current = client.query(copyTo(sql));
        for await (const chunk of current) yield { statement: i, chunk: chunk as Buffer };
        current = undefined;
        signal?.throwIfAborted();
        i++;
      }
      await client.query('commit');
      clean = true;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!clean) {
        current?.destroy();
        cancel();
      }
      // A connection left in the middle of a COPY or a transaction is closed, not reused.
      client.release(!clean);
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
