import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Db, Queryable, QueryResult } from './port.js';

/** A request to the worker; see the protocol in pglite-worker.mjs. */
type Request =
  | { op: 'query'; sql: string; params: readonly unknown[] | undefined; tx: number | undefined }
  | { op: 'exec'; sql: string; tx: number | undefined }
  | { op: 'begin' }
  | { op: 'end'; tx: number; commit: boolean }
  | { op: 'close' };

interface Reply {
  id: number;
  rows?: unknown[];
  rowCount?: number;
  error?: SerializedError;
}

type SerializedError = { name: string; message: string } & Record<string, string>;

interface Pending {
  resolve(reply: Reply): void;
  reject(e: Error): void;
}

const WORKER_URL = new URL('./pglite-worker.mjs', import.meta.url);

/** The error PGlite raised in the worker, rebuilt here: message, and the SQLSTATE `code` and details. */
function toError(e: SerializedError): Error {
  const err = new Error(e.message);
  Object.assign(err, e);
  return err;
}

const txEnded = (): Error =>
  new Error(
    'the embedded database transaction has already ended (committed or rolled back); use its tx object only inside the transaction callback',
  );

/**
 * Embedded PostgreSQL (PGlite, WebAssembly) in a worker thread of this process. PGlite executes a query
 * synchronously inside WASM, so on the main thread it would stall the event loop (MQTT acks, HTTP, the
 * alerting evaluator) for the duration of every batch write; here the main thread only posts one
 * message per call and receives one answer. One connection: PGlite serialises queries itself, and a
 * transaction holds it exclusively until it ends (other calls queue in the worker meanwhile).
 */
export class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  private closing: Promise<void> | undefined;
  /** Why calls reject: closed, or the worker died. */
  private failure: Error | undefined;
  /** The worker has exited: nothing can be sent any more. */
  private dead = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly q: Queryable;

  private constructor(private readonly worker: Worker) {
    this.q = this.queryable(undefined);
    worker.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.settled(m.id);
      if (m.error) p.reject(toError(m.error));
      else p.resolve(m);
    });
    let crash: Error | undefined;
    worker.on('error', (e) => (crash = e));
    worker.on('exit', (code) => {
      this.dead = true;
      this.failure ??= new Error(
        `the embedded database (PGlite worker thread) exited unexpectedly with code ${code}` +
          (crash ? `: ${crash.message}` : ''),
        { cause: crash },
      );
      const pending = [...this.pending.values()];
      this.pending.clear();
      for (const p of pending) p.reject(this.failure);
    });
    // An idle database must not keep the process alive (as PGlite on the main thread did not);
    // the worker is referenced only while an answer is awaited.
    worker.unref();
  }

  /** `dataDir` undefined keeps the database in memory (tests that need no persistence). */
  static async open(dataDir: string | undefined): Promise<PgliteDb> {
    const dir = dataDir ? resolve(dataDir) : undefined;
    if (dir) mkdirSync(dir, { recursive: true });
    // execArgv []: the worker is plain JavaScript and needs none of the parent's loaders (tsx, vitest).
    const worker = new Worker(WORKER_URL, { workerData: { dataDir: dir }, execArgv: [] });
    try {
      await new Promise<void>((ready, fail) => {
        const onMessage = (m: { ready?: true; fatal?: SerializedError }) => {
          cleanup();
          if (m.ready) ready();
          else fail(m.fatal ? toError(m.fatal) : new Error('unexpected message from the PGlite worker'));
        };
        const onError = (e: Error) => {
          cleanup();
          fail(e);
        };
        const onExit = (code: number) => {
          cleanup();
          fail(
            new Error(`the embedded database (PGlite worker thread) exited with code ${code} while opening`),
          );
        };
        const cleanup = () => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
      });
    } catch (e) {
      await worker.terminate();
      throw e;
    }
    return new PgliteDb(worker);
  }

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.q.query<R>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.q.exec(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const refused = this.refusal(false);
    if (refused) throw refused;
    // Not awaited: the transaction's requests queue in the worker behind BEGIN, so PGlite is not held
    // idle for a round trip to this thread; a failed BEGIN answers them (and `end`) with its error.
    const txId = this.nextId++;
    this.worker.postMessage({ id: txId, op: 'begin' } satisfies Request & { id: number });
    let ended = false;
    const tx = this.queryable(txId, () => ended);
    let result: T;
    try {
      result = await fn(tx);
    } catch (e) {
      ended = true;
      // Rolls back; the caller hears of its own error, not of a failed rollback (the worker's exit).
      await this.request({ op: 'end', tx: txId, commit: false }).catch(() => undefined);
      throw e;
    }
    ended = true;
    await this.request({ op: 'end', tx: txId, commit: true });
    return result;
  }

  async ping(): Promise<void> {
    await this.q.query('select 1');
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.failure ??= new Error('the embedded database is closed');
      // Queries already sent, and an open transaction, finish first: PGlite's close waits for them.
      if (!this.dead) await this.request({ op: 'close' }).catch(() => undefined);
      await this.worker.terminate();
    })();
    return this.closing;
  }

  private queryable(tx: number | undefined, isEnded?: () => boolean): Queryable {
    return {
      query: async <R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> => {
        if (isEnded?.()) throw txEnded();
        const r = await this.request({ op: 'query', sql, params, tx });
        return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
      },
      exec: async (sql: string): Promise<void> => {
        if (isEnded?.()) throw txEnded();
        await this.request({ op: 'exec', sql, tx });
      },
    };
  }

  /** Why a request cannot go: closed or dead; after close() only a transaction already open may finish. */
  private refusal(inTx: boolean): Error | undefined {
    if (this.dead || (this.closing && !inTx))
      return this.failure ?? new Error('the embedded database is closed');
    return undefined;
  }

  /** Post one request and await its answer. */
  private request(req: Request): Promise<Reply> {
    const id = this.nextId++;
    const refused = this.refusal(req.op === 'close' || ('tx' in req && req.tx !== undefined));
    if (refused) return Promise.reject(refused);
    return new Promise<Reply>((resolve, reject) => {
      try {
        this.worker.postMessage({ id, ...req });
      } catch (e) {
        // Parameters that cannot cross to the worker (a function, a symbol): DataCloneError.
        reject(e as Error);
        return;
      }
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
    });
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }
}
