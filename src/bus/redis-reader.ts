/**
 * Blocking XREADGROUP for RedisBus, on connections of their own so a waiting read never delays an append.
 *
 * A read asks for at most `count` entries in total, but XREADGROUP's COUNT applies per key; so a read is
 * done in rounds that never over-read (an entry read and then dropped would sit in the PEL until claimed,
 * which would stall a graceful hand-over): round 1 asks every partition for an equal share and may block;
 * if that left much room and some partitions filled their share, one more round asks only those.
 *
 * Standalone: one connection per consumer, one multi-key XREADGROUP per round (here).
 * Cluster: one connection per consumer and partition (redis-cluster-reader.ts).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { parseStreams, type RawEntry } from './redis-replies.js';

export interface ReadTarget {
  partition: number;
  key: string;
}

export interface ReaderRequest {
  group: string;
  consumer: string;
  targets: ReadTarget[];
  count: number;
  blockMs: number;
  signal?: AbortSignal | undefined;
}

export interface PartitionBatch {
  partition: number;
  entries: RawEntry[];
}

/** A connection that may sit in a blocking command, and the way to wake it from another connection. */
export class BlockingConn {
  private clientId: number | undefined;

  constructor(
    readonly redis: Redis,
    private readonly control: () => Redis | undefined,
  ) {
    redis.on('close', () => (this.clientId = undefined));
  }

  async xreadgroup(
    group: string,
    consumer: string,
    count: number,
    blockMs: number,
    keys: string[],
  ): Promise<unknown> {
    if (blockMs > 0 && this.clientId === undefined) this.clientId = Number(await this.redis.client('ID'));
    const block = blockMs > 0 ? ['BLOCK', blockMs] : [];
    return this.redis.call('XREADGROUP', [
      'GROUP',
      group,
      consumer,
      'COUNT',
      count,
      ...block,
      'STREAMS',
      ...keys,
      ...keys.map(() => '>'),
    ]);
  }

  /**
   * Ends the blocking command as if it timed out (no entry is delivered by an unblocked read). Commands on two
   * connections are not ordered, so UNBLOCK can arrive before the read does; then it is sent again shortly.
   */
  async unblock(settled: () => boolean): Promise<void> {
    for (let wait = 1; !settled(); wait = Math.min(wait * 2, 50)) {
      const control = this.control();
      if (!control || this.clientId === undefined) return;
      const woke = await control.client('UNBLOCK', this.clientId, 'TIMEOUT').catch(() => 0);
      if (woke === 1) return;
      await delay(wait);
    }
  }

  close(): void {
    this.redis.disconnect();
  }
}

export abstract class StreamReader {
  private rotation = 0;

  async read(req: ReaderRequest): Promise<PartitionBatch[]> {
    const n = req.targets.length;
    if (n === 0 || req.count <= 0) return [];
    // Rotate the start so that, when count < partitions, every partition gets its turn.
    const start = this.rotation++ % n;
    let targets = [...req.targets.slice(start), ...req.targets.slice(0, start)];
    let remaining = req.count;
    let blockMs = req.signal?.aborted ? 0 : req.blockMs;
    const out: PartitionBatch[] = [];
    while (remaining > 0 && targets.length > 0) {
      const per = Math.max(1, Math.floor(remaining / targets.length));
      const round = targets.slice(0, Math.floor(remaining / per));
      let got: PartitionBatch[];
      try {
        got = await this.round(req, round, per, blockMs);
      } catch (e) {
        // Entries of an earlier round are in our PEL already: hand them over rather than fail the read.
        if (out.length > 0) break;
        throw e;
      }
      blockMs = 0;
      const total = got.reduce((sum, b) => sum + b.entries.length, 0);
      out.push(...got);
      remaining -= total;
      if (total === 0 || remaining < req.count / 2) break;
      const full = new Set(got.filter((b) => b.entries.length === per).map((b) => b.partition));
      targets = round.filter((t) => full.has(t.partition));
    }
    return out;
  }

  protected abstract round(
    req: ReaderRequest,
    targets: ReadTarget[],
    per: number,
    blockMs: number,
  ): Promise<PartitionBatch[]>;

  abstract close(): void;
}

export function batches(reply: unknown, targets: ReadTarget[]): PartitionBatch[] {
  const byKey = new Map(targets.map((t) => [t.key, t.partition]));
  return parseStreams(reply).map(([key, entries]) => ({ partition: byKey.get(key)!, entries }));
}

/** Wakes `conn` when `signal` aborts during a blocking command; returns the clean-up. */
function unblockOnAbort(
  signal: AbortSignal | undefined,
  conn: BlockingConn,
  settled: () => boolean,
): () => void {
  if (!signal) return () => {};
  const onAbort = (): void => void conn.unblock(settled);
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  return () => signal.removeEventListener('abort', onAbort);
}

export class StandaloneReader extends StreamReader {
  private conn: BlockingConn | undefined;

  /** `watch` takes each connection the reader opens, to handle its error events. */
  constructor(
    private readonly client: Redis,
    private readonly watch: (conn: Redis) => Redis,
  ) {
    super();
  }

  protected async round(
    req: ReaderRequest,
    targets: ReadTarget[],
    per: number,
    blockMs: number,
  ): Promise<PartitionBatch[]> {
    const conn = (this.conn ??= new BlockingConn(this.watch(this.client.duplicate()), () => this.client));
    let settled = false;
    const done = blockMs > 0 ? unblockOnAbort(req.signal, conn, () => settled) : () => {};
    try {
      const keys = targets.map((t) => t.key);
      return batches(await conn.xreadgroup(req.group, req.consumer, per, blockMs, keys), targets);
    } finally {
      settled = true;
      done();
    }
  }

  close(): void {
    this.conn?.close();
  }
}
