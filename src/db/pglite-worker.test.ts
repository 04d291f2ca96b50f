/**
 * PgliteDb runs PGlite in a worker thread: the main thread's event loop keeps turning while a query
 * runs, and the port's semantics (errors, transactions, types, close) hold across the thread boundary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { PgliteDb } from './pglite.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The worker behind a PgliteDb, to kill it as a crash would. */
const workerOf = (db: PgliteDb): Worker => (db as unknown as { worker: Worker }).worker;

describe('PgliteDb (worker thread)', () => {
  let db: PgliteDb;
  beforeAll(async () => {
    db = await PgliteDb.open(undefined);
    await migrate(db);
  });
  afterAll(() => db?.close());

  it('keeps the main thread’s event loop turning while a long query runs', async () => {
    let ticks = 0;
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 10);
    const t0 = performance.now();
    try {
      // CPU-bound inside WASM, several hundred milliseconds: on the main thread no timer could fire.
      const r = await db.query<{ n: number }>(
        'select count(*) as n from generate_series(1, 3000000) g where g % 7 = 3',
      );
      expect(r.rows[0]!.n).toBe(428572);
    } finally {
      clearInterval(timer);
    }
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThan(150);
    // Lenient for a loaded CI machine; blocked, it would be 0 ticks and a gap as long as the query.
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 10 / 3));
    expect(maxGap).toBeLessThan(Math.max(100, elapsed / 2));
  });

  it('pg_sleep in the database does not block the main thread either', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      await db.query('select pg_sleep(0.3)');
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThanOrEqual(10);
  });

  it('a database error is an Error carrying the SQLSTATE code and details', async () => {
    await db.query(`insert into tenants (slug, name) values ('dup', 'One')`);
    const e = await db.query(`insert into tenants (slug, name) values ('dup', 'Two')`).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ code: '23505', table: 'tenants' });
    expect((e as Error).message).toMatch(/duplicate key/);
    await expect(db.query('selec 1')).rejects.toMatchObject({ code: '42601' });
    await expect(db.exec('select 1; select nope();')).rejects.toMatchObject({ code: '42883' });
    await expect(db.query('select $1::int', ['x'])).rejects.toThrow(/invalid input syntax/);
    // The database is still usable.
    expect((await db.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('parameters and rows cross the thread boundary: arrays, JSON, null, booleans, bigint as number', async () => {
    const n = 20_000;
    const ids = Array.from({ length: n }, (_, i) => i);
    const big = Array.from({ length: n }, (_, i) => 1_732_700_000_000 + i);
    const values = Array.from({ length: n }, (_, i) => i / 4);
    const names = Array.from({ length: n }, (_, i) => `s-${i}`);
    const r = await db.query<{ n: number; ts: number; v: number; s: string }>(
      `select count(*) as n, max(ts) as ts, sum(v) as v, max(s) as s
       from unnest($1::int[], $2::bigint[], $3::float8[], $4::text[]) as k(i, ts, v, s)`,
      [ids, big, values, names],
    );
    expect(r.rows[0]).toEqual({
      n,
      ts: big[n - 1],
      v: values.reduce((a, b) => a + b, 0),
      s: 's-9999',
    });
    const doc = { a: [1, 'two', null], b: { c: true } };
    const j = await db.query<Record<string, unknown>>(
      `select $1::jsonb as doc, $2::text as nothing, $3::boolean as yes, $4::bigint[] as longs,
              12345678901::int8 as long, '{"x":1}'::json as plain`,
      [doc, null, false, [1, 2]],
    );
    expect(j.rows[0]).toEqual({
      doc,
      nothing: null,
      yes: false,
      longs: [1, 2],
      long: 12345678901,
      plain: { x: 1 },
    });
    expect(j.rowCount).toBe(1);
  });

  it('a parameter that cannot be sent rejects that call only', async () => {
    await expect(db.query('select $1::text', [() => 1])).rejects.toThrow();
    expect((await db.query('select 2 as two')).rows[0]).toEqual({ two: 2 });
  });

  it('concurrent transactions are serialised and each sees its own writes', async () => {
    await db.exec('create table tx_log (who text not null, n int not null)');
    /** The order in which statements completed, by transaction. */
    const order: string[] = [];
    const run = (who: string) =>
      db.transaction(async (tx) => {
        for (let i = 0; i < 3; i++) {
          await tx.query('insert into tx_log (who, n) values ($1, $2)', [who, i]);
          order.push(who);
          await sleep(5);
        }
        const r = await tx.query<{ mine: number; all: number }>(
          `select count(*) filter (where who = $1) as mine, count(*) as all from tx_log`,
          [who],
        );
        order.push(who);
        return r.rows[0];
      });
    const outside = (async () => {
      await sleep(1);
      // Outside any transaction: waits for the open ones, then sees only committed rows.
      return (await db.query<{ n: number }>('select count(*) as n from tx_log')).rows[0]!.n;
    })();
    const [a, b, seen] = await Promise.all([run('a'), run('b'), outside]);
    // No interleaving: b's statements ran only once a had committed, and b saw a's rows then.
    expect(order).toEqual(['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b']);
    expect(a).toEqual({ mine: 3, all: 3 });
    expect(b).toEqual({ mine: 3, all: 6 });
    expect(seen === 3 || seen === 6).toBe(true);
    expect((await db.query<{ n: number }>('select count(*) as n from tx_log')).rows[0]!.n).toBe(6);
  });

  it('a throw inside the transaction rolls back, and a database error too', async () => {
    await db.exec('create table tx_roll (k int primary key)');
    await expect(
      db.transaction(async (tx) => {
        await tx.query('insert into tx_roll values (1)');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await expect(
      db.transaction(async (tx) => {
        await tx.query('insert into tx_roll values (2)');
        await tx.query('insert into tx_roll values (2)');
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect((await db.query('select * from tx_roll')).rowCount).toBe(0);
    // A transaction that catches a statement's error is aborted by PostgreSQL: commit fails loudly.
    await expect(
      db.transaction(async (tx) => {
        await tx.query('insert into tx_roll values (3)');
        await tx.query('select nope()').catch(() => undefined);
      }),
    ).rejects.toThrow();
    expect((await db.query('select * from tx_roll')).rowCount).toBe(0);
    const v = await db.transaction(async (tx) => {
      await tx.exec('insert into tx_roll values (4); insert into tx_roll values (5);');
      return (await tx.query('select * from tx_roll')).rowCount;
    });
    expect(v).toBe(2);
  });

  it('the tx object rejects clearly once its transaction has ended', async () => {
    let kept: { query: PgliteDb['query']; exec: PgliteDb['exec'] } | undefined;
    await db.transaction(async (tx) => {
      kept = tx;
      await tx.query('select 1');
    });
    await expect(kept!.query('select 1')).rejects.toThrow(/transaction has already ended/);
    await expect(kept!.exec('select 1')).rejects.toThrow(/transaction has already ended/);
    expect((await db.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });
});

describe('PgliteDb close and crash', () => {
  it('close() lets calls already made finish, is safe twice, and later calls reject', async () => {
    const db = await PgliteDb.open(undefined);
    const before = db.query<{ n: number }>('select 41 + 1 as n');
    const closing = db.close();
    await expect(before).resolves.toMatchObject({ rows: [{ n: 42 }] });
    await closing;
    await db.close();
    await expect(db.query('select 1')).rejects.toThrow(/embedded database is closed/);
    await expect(db.exec('select 1')).rejects.toThrow(/embedded database is closed/);
    await expect(db.ping()).rejects.toThrow(/embedded database is closed/);
    await expect(db.transaction(async () => 1)).rejects.toThrow(/embedded database is closed/);
  });

  it('a transaction open when close() is called still commits', async () => {
    const db = await PgliteDb.open(undefined);
    let closing: Promise<void> | undefined;
    const done = db.transaction(async (tx) => {
      closing = db.close();
      await tx.query('create table t (x int)');
      return (await tx.query('insert into t values (1), (2)')).rowCount;
    });
    await expect(done).resolves.toBe(2);
    await closing;
  });

  it('a crash of the worker rejects pending calls naming the embedded database, and later calls', async () => {
    const db = await PgliteDb.open(undefined);
    await db.ping();
    const pending = db.query('select count(*) from generate_series(1, 5000000)');
    await sleep(20);
    await workerOf(db).terminate();
    await expect(pending).rejects.toThrow(/embedded database.*exited/);
    await expect(db.query('select 1')).rejects.toThrow(/embedded database.*exited/);
    await db.close(); // still safe
  });

  it('a data directory keeps its data across a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'di-pglite-'));
    try {
      const a = await PgliteDb.open(join(dir, 'nested', 'db'));
      await a.exec(`create table kept (v text); insert into kept values ('still here')`);
      await a.close();
      const b = await PgliteDb.open(join(dir, 'nested', 'db'));
      expect((await b.query('select v from kept')).rows).toEqual([{ v: 'still here' }]);
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
