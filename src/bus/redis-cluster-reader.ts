/**
 * The Cluster reader of RedisBus. Keys of different slots cannot share a command (CROSSSLOT), and one
 * connection can block on one command at a time, so each partition gets its own connection to the master
 * serving it; a round issues one XREADGROUP per partition and, as soon as one brings entries (or the read is
 * aborted), wakes the others with CLIENT UNBLOCK, so a round never waits out blockMs once there is work.
 */
import type { Cluster, Redis } from 'ioredis';
import { clusterSlot } from './keys.js';
import {
  batches,
  BlockingConn,
  StreamReader,
  type PartitionBatch,
  type ReaderRequest,
  type ReadTarget,
} from './redis-reader.js';

export class ClusterReader extends StreamReader {
  private readonly conns = new Map<number, BlockingConn>();

  constructor(
    private readonly cluster: Cluster,
    private readonly watch: (conn: Redis) => Redis,
  ) {
    super();
  }

  private master(nodeKey: string): Redis | undefined {
    return this.cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === nodeKey);
  }

  private async connFor(t: ReadTarget): Promise<BlockingConn> {
    const known = this.conns.get(t.partition);
    if (known) return known;
    if (this.cluster.status !== 'ready') await this.cluster.ping();
    const nodeKey = this.cluster.slots[clusterSlot(t.key)]?.[0];
    const node = nodeKey === undefined ? undefined : this.master(nodeKey);
    if (!node) throw new Error(`no master known for slot ${clusterSlot(t.key)} of ${t.key}`);
    // A copy of the pool's node connection: same auth and TLS, and no reconnect (a new one is made next read).
    const conn = new BlockingConn(this.watch(node.duplicate()), () => this.master(nodeKey!));
    conn.redis.once('end', () => this.conns.get(t.partition) === conn && this.conns.delete(t.partition));
    this.conns.set(t.partition, conn);
    return conn;
  }

  protected async round(
    req: ReaderRequest,
    targets: ReadTarget[],
    per: number,
    blockMs: number,
  ): Promise<PartitionBatch[]> {
    const tasks = targets.map((t) => ({ t, settled: false, conn: undefined as BlockingConn | undefined }));
    // Once one partition brought entries (or the read was aborted) no other partition should wait.
    let woken = false;
    const wakeOthers = (): void => {
      woken = true;
      for (const task of tasks) if (!task.settled && task.conn) void task.conn.unblock(() => task.settled);
    };
    const onAbort = (): void => wakeOthers();
    if (blockMs > 0) req.signal?.addEventListener('abort', onAbort, { once: true });
    const results = await Promise.allSettled(
      tasks.map(async (task) => {
        try {
          task.conn = await this.connFor(task.t);
          const ms = woken || req.signal?.aborted ? 0 : blockMs;
          const got = batches(await task.conn.xreadgroup(req.group, req.consumer, per, ms, [task.t.key]), [
            task.t,
          ]);
          task.settled = true;
          if (got.some((b) => b.entries.length > 0)) wakeOthers();
          return got;
        } catch (e) {
          task.settled = true;
          // MOVED after a resharding, or a dropped connection: start afresh on the next read.
          task.conn?.close();
          this.conns.delete(task.t.partition);
          if (e instanceof Error && e.message.startsWith('MOVED')) this.cluster.refreshSlotsCache();
          wakeOthers();
          throw e;
        }
      }),
    );
    req.signal?.removeEventListener('abort', onAbort);
    const out = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed && out.length === 0) throw failed.reason;
    return out;
  }

  close(): void {
    for (const conn of this.conns.values()) conn.close();
    this.conns.clear();
  }
}
