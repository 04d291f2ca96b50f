// @ts-check
/**
 * The embedded database's thread: PGlite (PostgreSQL compiled to WebAssembly) runs every query
 * synchronously inside WASM, so it lives here, off the main thread, and `PgliteDb` (pglite.ts) only
 * posts messages to it. Plain JavaScript so the same file runs from source (vitest, tsx) and from
 * dist/ (tsc copies it, allowJs) without a loader.
 *
 * Protocol, main -> worker (one message per call):
 *   { id, op: 'query', sql, params, tx? }   -> { id, rows, rowCount }
 *   { id, op: 'exec', sql, tx? }            -> { id }
 *   { id, op: 'begin' }                     -> no answer; `id` names the transaction in the requests
 *                                              that follow (tx: id), answered as they run in it
 *   { id, op: 'end', tx, commit }           -> { id } once COMMIT (or ROLLBACK) ran, or BEGIN's error
 *   { id, op: 'close' }                     -> { id } once PGlite closed
 * A failure answers { id, error: { message, name, code?, detail?, ... } } instead.
 * Worker -> main at start: { ready: true } or { fatal: { message, ... } }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, types } from '@electric-sql/pglite';

/** @typedef {import('@electric-sql/pglite').Transaction} Transaction */
/** @typedef {{ id: number, op: string, sql?: string, params?: unknown[], tx?: number, commit?: boolean }} Request */
/** @typedef {{ queue: Request[], wake: ((m: Request) => void) | undefined, failed: unknown }} TxState */

if (!parentPort) throw new Error('pglite-worker.mjs runs in a worker thread (see pglite.ts)');
const port = parentPort;

/** Fields of PGlite's DatabaseError worth carrying across (the SQLSTATE `code` above all). */
const ERROR_FIELDS = [
  'code',
  'severity',
  'detail',
  'hint',
  'position',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'routine',
];

/**
 * @param {unknown} e
 * @returns {Record<string, string>}
 */
function serializeError(e) {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  /** @type {Record<string, string>} */
  const out = { name: e.name, message: e.message };
  const fields = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (e));
  for (const k of ERROR_FIELDS) {
    const v = fields[k];
    if (typeof v === 'string') out[k] = v;
  }
  // PGlite names its DatabaseError 'error' (the protocol message's name): say what it is.
  if (out.code) out.name = 'DatabaseError';
  return out;
}

/**
 * @param {number} id
 * @param {unknown} e
 */
function fail(id, e) {
  port.postMessage({ id, error: serializeError(e) });
}

/** @type {{ dataDir: string | undefined }} */
const { dataDir } = workerData; // created by the main thread

/** @type {PGlite | undefined} */
let opened;
try {
  opened = await PGlite.create(dataDir ?? 'memory://', {
    parsers: { [types.INT8]: (/** @type {string} */ v) => Number(v) },
  });
} catch (e) {
  // The main thread rejects open() with this and terminates the worker.
  port.postMessage({ fatal: serializeError(e) });
}
if (opened) serve(opened);

/** @param {PGlite} pg */
function serve(pg) {
  /** @type {Map<number, TxState>} */
  const txs = new Map();
  const ROLLBACK = Symbol('rollback');
  let closing = false;

  /**
   * Run one query or script on the database or on a transaction, and answer it.
   * @param {PGlite | Transaction} q
   * @param {Request} m
   */
  async function run(q, m) {
    try {
      if (m.op === 'query') {
        const r = await q.query(/** @type {string} */ (m.sql), m.params);
        // PGlite reports affectedRows 0 for a SELECT: count the rows it returned then.
        port.postMessage({ id: m.id, rows: r.rows, rowCount: Math.max(r.rows.length, r.affectedRows ?? 0) });
      } else if (m.op === 'exec') {
        await q.exec(/** @type {string} */ (m.sql));
        port.postMessage({ id: m.id });
      } else {
        throw new Error(`unknown request ${m.op}`);
      }
    } catch (e) {
      fail(m.id, e);
    }
  }

  /**
   * Open a PGlite transaction whose callback serves the main thread's requests tagged with its id, in
   * order, until the `end` request: commit returns from the callback, rollback throws out of it. The
   * main thread does not wait for BEGIN: its requests queue here until the transaction holds PGlite.
   * @param {number} id
   */
  function begin(id) {
    /** @type {TxState} */
    const state = { queue: [], wake: undefined, failed: undefined };
    txs.set(id, state);
    /** @returns {Promise<Request>} */
    const next = () => {
      const m = state.queue.shift();
      return m ? Promise.resolve(m) : new Promise((resolve) => (state.wake = resolve));
    };
    /** @type {Request | undefined} */
    let end;
    pg.transaction(async (tx) => {
      for (;;) {
        const m = await next();
        if (m.op === 'end') {
          end = m;
          if (!m.commit) throw ROLLBACK;
          return;
        }
        await run(tx, m);
      }
    }).then(
      () => {
        txs.delete(id);
        if (end) port.postMessage({ id: end.id });
      },
      (e) => {
        if (end) {
          txs.delete(id);
          if (e === ROLLBACK) port.postMessage({ id: end.id });
          else fail(end.id, e); // COMMIT (or ROLLBACK) failed
          return;
        }
        // BEGIN itself failed: every request of this transaction, queued or still to come, hears why.
        state.failed = e;
        state.wake = undefined;
        for (const m of state.queue.splice(0)) settleFailed(m, state);
      },
    );
  }

  /**
   * @param {Request} m
   * @param {TxState} state
   */
  function settleFailed(m, state) {
    fail(m.id, state.failed);
    if (m.op === 'end' && m.tx !== undefined) txs.delete(m.tx);
  }

  port.on('message', (/** @type {Request} */ m) => {
    if (m.tx !== undefined) {
      const state = txs.get(m.tx);
      if (!state) return fail(m.id, new Error('the embedded database transaction has already ended'));
      if (state.failed) return settleFailed(m, state);
      if (state.wake) {
        const wake = state.wake;
        state.wake = undefined;
        wake(m);
      } else state.queue.push(m);
      return;
    }
    if (m.op === 'close') {
      closing = true;
      // PGlite's close waits for the transaction and queries ahead of it.
      pg.close().then(
        () => port.postMessage({ id: m.id }),
        (e) => fail(m.id, e),
      );
      return;
    }
    if (closing) {
      const e = new Error('the embedded database is closed');
      if (m.op === 'begin') txs.set(m.id, { queue: [], wake: undefined, failed: e });
      else fail(m.id, e);
      return;
    }
    if (m.op === 'begin') return begin(m.id);
    void run(pg, m);
  });

  port.postMessage({ ready: true });
}
