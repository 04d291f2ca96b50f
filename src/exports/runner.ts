import { Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Db } from '../db/port.js';
import { canCopyOut } from '../db/postgres.js';
import type { Logger } from '../platform/logger.js';
import { copyCsv, copyPlan } from './copy.js';
import type { ExportFiles } from './files.js';
import { encoderFor } from './format.js';
import type { ExportJob, ExportJobs } from './jobs.js';
import type { ExportMetrics } from './metrics.js';
import { writeParquet } from './parquet.js';
import { estimateRows, readBatches, type RowBatch } from './reader.js';
import { FILE_EXTENSIONS } from './spec.js';

export interface RunnerOptions {
  db: Db;
  jobs: ExportJobs;
  files: ExportFiles;
  /** This worker's name in the lease. */
  owner: string;
  leaseMs: number;
  batchRows: number;
  retentionMs: number;
  logger: Logger;
  metrics?: ExportMetrics;
  now?: () => number;
  /**
   * CSV and CSV.gz from PostgreSQL through `COPY ... TO STDOUT` (default true); false keeps the
   * keyset reader (tests compare the two).
   */
  copy?: boolean;
}

export type RunOutcome = 'succeeded' | 'failed' | 'lost' | 'released';

/** The job is no longer ours: cancelled, or another worker took it over after our lease lapsed. */
class LeaseLost extends Error {
  constructor() {
    super('the export job was cancelled or taken over by another worker');
  }
}

export const fileKeyOf = (job: Pick<ExportJob, 'id' | 'tenantId' | 'format'>): string =>
  `${job.tenantId}/${job.id}.${FILE_EXTENSIONS[job.format]}`;
const tempPrefixOf = (job: Pick<ExportJob, 'id' | 'tenantId'>): string => `${job.tenantId}/${job.id}.`;

/** Counts the bytes that reach the file (after compression). */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

/** Streams text into the file (through gzip when asked), with backpressure; returns the bytes written. */
async function writeText(
  text: AsyncIterable<string | Buffer>,
  gzip: boolean,
  sink: Writable,
  signal: AbortSignal,
): Promise<number> {
  const counter = new ByteCounter();
  const source = Readable.from(text, { objectMode: false, highWaterMark: 1 });
  if (gzip) await pipeline(source, createGzip({ level: 6 }), counter, sink, { signal });
  else await pipeline(source, counter, sink, { signal });
  return counter.bytes;
}

/**
 * Runs one claimed export: rows read in keyset batches are encoded and streamed (with backpressure,
 * through gzip for csv.gz) into a temporary file (CSV from PostgreSQL: the COPY output of copy.ts); progress is written and the lease renewed as it
 * goes, which is also how a cancel or a takeover is noticed. At the end the job is marked succeeded
 * and the file renamed into place in one database transaction: exactly one complete file per job,
 * however many workers died on the way (a restarted job starts from scratch into its own temp file).
 */
export async function runExport(job: ExportJob, o: RunnerOptions, signal: AbortSignal): Promise<RunOutcome> {
  const now = o.now ?? Date.now;
  const log = o.logger.child({ exportId: job.id, tenantId: job.tenantId, attempt: job.attempts });
  const tempKey = `${tempPrefixOf(job)}${job.attempts}.${o.owner.replace(/[^A-Za-z0-9_-]/g, '_')}.part`;
  const fileKey = fileKeyOf(job);
  let rowsDone = 0;
  let lost = false;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });

  const renew = async (): Promise<void> => {
    if (lost) return;
    const mine = await o.jobs.heartbeat(job.id, o.owner, rowsDone, now() + o.leaseMs);
    if (!mine) {
      lost = true;
      stop.abort();
    }
  };
  let sink: Writable | undefined;
  const timer = setInterval(() => void renew().catch(() => undefined), Math.max(200, o.leaseMs / 3));
  timer.unref();

  try {
    await o.files.removeTemps(tempPrefixOf(job));
    const { spec } = job;
    const estimate = await estimateRows(o.db, spec.series, spec.from, spec.to, spec.resolution);
    await o.jobs.setEstimate(job.id, o.owner, estimate);
    let lastBeat = now();
    /** Progress written and the lease renewed (at most every 250 ms) as rows pass. */
    const progressed = async (rows: number): Promise<void> => {
      o.metrics?.rows.inc(rows - rowsDone);
      rowsDone = rows;
      if (now() - lastBeat >= 250) {
        lastBeat = now();
        await renew();
        if (lost) throw new LeaseLost();
      }
    };
    /** The rows, with progress written and the lease renewed as they pass. */
    async function* batches(): AsyncGenerator<RowBatch> {
      for await (const b of readBatches(o.db, spec.series, {
        from: spec.from,
        to: spec.to,
        resolution: spec.resolution,
        batchRows: o.batchRows,
        signal: stop.signal,
      })) {
        yield b;
        await progressed(rowsDone + b.count);
      }
    }
    sink = await o.files.create(tempKey);
    let bytes: number;
    if (job.format === 'parquet') {
      bytes = await writeParquet(batches(), sink, spec.resolution);
      if (lost) throw new LeaseLost();
    } else if (job.format !== 'jsonl' && o.copy !== false && canCopyOut(o.db)) {
      // PostgreSQL writes the CSV lines itself (see copy.ts); the header is the encoder's.
      const db = o.db;
      const plan = copyPlan(spec.series, spec.from, spec.to, spec.resolution);
      const header = encoderFor(job.format, job.resolution).header();
      async function* text(): AsyncGenerator<Buffer> {
        yield Buffer.from(header);
        yield* copyCsv(db, plan, stop.signal, progressed);
      }
      bytes = await writeText(text(), job.format === 'csv.gz', sink, stop.signal);
      if (lost) throw new LeaseLost();
    } else {
      const encoder = encoderFor(job.format, job.resolution);
      async function* text(): AsyncGenerator<string> {
        const header = encoder.header();
        if (header) yield header;
        for await (const b of batches()) {
          yield b.columns ? encoder.columns(b.series, b.columns) : encoder.batch(b.series, b.rows);
        }
      }
      bytes = await writeText(text(), job.format === 'csv.gz', sink, stop.signal);
    }

    const done = await o.db.transaction(async (tx) => {
      const ok = await o.jobs.succeed(tx, {
        id: job.id,
        owner: o.owner,
        rows: rowsDone,
        bytes,
        fileKey,
        now: now(),
        expiresAt: now() + o.retentionMs,
      });
      if (ok) await o.files.commit(tempKey, fileKey);
      return ok;
    });
    if (!done) {
      await o.files.remove(tempKey);
      return 'lost';
    }
    o.metrics?.bytes.inc(bytes);
    log.info({ rows: rowsDone, bytes, fileKey }, 'export succeeded');
    return 'succeeded';
  } catch (e) {
    sink?.destroy();
    await o.files.remove(tempKey).catch(() => undefined);
    if (lost || e instanceof LeaseLost) {
      log.info('export stopped: cancelled or taken over');
      return 'lost';
    }
    if (signal.aborted) {
      await o.jobs.release(job.id, o.owner).catch(() => undefined);
      log.info('export given back to the queue (shutting down)');
      return 'released';
    }
    log.error({ err: e }, 'export failed');
    await o.jobs.fail(job.id, o.owner, (e as Error).message, now());
    return 'failed';
  } finally {
    clearInterval(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
