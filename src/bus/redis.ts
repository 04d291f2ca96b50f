/**
 * RedisBus: the bus on Redis Streams, on a standalone server or a Redis Cluster. Each partition is one Redis
 * stream with its own hash tag (keys.ts), so on a Cluster partitions spread over the shards and every
 * command here touches one key, or keys of one slot.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { BusKeys, partitionFor } from './keys.js';
import type {
  Bus,
  BusEntry,
  BusRecord,
  ClaimOptions,
  PartitionLag,
  ReadOptions,
  StreamSpec,
} from './port.js';
import { createRedisClient, isCluster, type RedisClient } from './redis-client.js';
import { lagOf } from './redis-lag.js';
import { ClusterReader } from './redis-cluster-reader.js';
import { StandaloneReader, type StreamReader } from './redis-reader.js';
import { runCommands } from './redis-commands.js';
import { autoclaim, readOwnPending, type PendingRead } from './redis-pending.js';
import { entryOf, isBusyGroup, redisError, type CommandRunner } from './redis-replies.js';
import { busClosedError, StreamRegistry } from './streams.js';

export interface RedisBusOptions {
  /** A client the caller owns (close() leaves it open)... */
  client?: RedisClient;
  /** ...or a URL (see redis-client.ts) for a client the bus creates, owns and quits. */
  url?: string;
  /** Key prefix (default "di"), so several deployments or tests can share one Redis. */
  prefix?: string;
  metrics?: Metrics;
  logger?: Logger;
}

export class RedisBus implements Bus {
  readonly kind = 'redis';
  readonly keys: BusKeys;
  readonly client: RedisClient;
  private readonly ownsClient: boolean;
  private readonly streams = new StreamRegistry();
  /** Blocking readers by consumer name: each consumer blocks on connections of its own. */
  private readonly readers = new Map<string, StreamReader>();
  private readonly keyCache = new Map<string, string[]>();
  private closing: Promise<void> | undefined;
  private readonly run: CommandRunner = (cmds, what) => runCommands(this.client, cmds, what);

  constructor(private readonly opts: RedisBusOptions) {
    if (!opts.client && !opts.url) throw new TypeError('RedisBus needs a client or a url');
    this.client = opts.client ?? this.watch(createRedisClient(opts.url!), 'main');
    this.ownsClient = !opts.client;
    this.keys = new BusKeys(opts.prefix);
  }

  defineStream(spec: StreamSpec): void {
    this.streams.define(spec);
  }

  partitionOf(stream: string, key: string): number {
    return this.streams.partitionOf(stream, key);
  }

  async append(stream: string, records: readonly BusRecord[]): Promise<string[]> {
    this.open('append');
    if (records.length === 0) return [];
    const { partitions, maxLen } = this.streams.get(stream);
    const keys = this.partitionKeys(stream);
    const cmds = records.map((r) => {
      const key = keys[partitionFor(r.key, partitions)]!;
      return { key, name: 'XADD', args: [key, 'MAXLEN', '~', maxLen, '*', 'k', r.key, 'p', r.payload] };
    });
    const ids = (await this.run(cmds, `XADD to stream "${stream}"`)) as string[];
    this.opts.metrics?.busAppended.inc({ stream }, records.length);
    return ids;
  }

  async ensureGroup(stream: string, group: string): Promise<void> {
    this.open('ensureGroup');
    const { partitions } = this.streams.get(stream);
    const cmds = Array.from({ length: partitions }, (_, p) => {
      const key = this.keys.partition(stream, p);
      return { key, name: 'XGROUP', args: ['CREATE', key, group, '0', 'MKSTREAM'] };
    });
    await runCommands(this.client, cmds, `XGROUP CREATE "${group}" on stream "${stream}"`, isBusyGroup);
  }

  async read(opts: ReadOptions): Promise<BusEntry[]> {
    this.open('read');
    this.streams.checkPartitions(opts.stream, opts.partitions);
    const keys = this.partitionKeys(opts.stream);
    const targets = opts.partitions.map((partition) => ({ partition, key: keys[partition]! }));
    try {
      const batches = await this.readerFor(opts.consumer).read({ ...opts, targets });
      const out: BusEntry[] = [];
      for (const b of batches) {
        for (const [id, fields] of b.entries) {
          if (fields) out.push(entryOf(opts.stream, b.partition, id, 1, fields));
        }
      }
      return out;
    } catch (e) {
      if (this.closing) return [];
      throw redisError(e, `XREADGROUP on stream "${opts.stream}" for group "${opts.group}"`);
    }
  }

  async readOwnPending(opts: Omit<ReadOptions, 'blockMs'> & { partition: number }): Promise<BusEntry[]> {
    this.open('readOwnPending');
    this.streams.checkPartitions(opts.stream, [opts.partition]);
    const key = this.keys.partition(opts.stream, opts.partition);
    const out: BusEntry[] = [];
    for (;;) {
      const read = await readOwnPending(this.run, key, { ...opts, count: opts.count - out.length });
      const got = await this.toEntries(opts.stream, opts.partition, opts.group, read);
      out.push(...got);
      // Trimmed entries took places in the reply (and are acked away now): read on to fill the batch, so a
      // short answer still means "nothing more pending", as with MemoryBus.
      if (got.length === read.entries.length || out.length >= opts.count) return out;
    }
  }

  async claim(opts: ClaimOptions): Promise<BusEntry[]> {
    this.open('claim');
    this.streams.checkPartitions(opts.stream, [opts.partition]);
    const key = this.keys.partition(opts.stream, opts.partition);
    return this.toEntries(opts.stream, opts.partition, opts.group, await autoclaim(this.run, key, opts));
  }

  /**
   * Entries with their records. Those trimmed (MAXLEN) while pending can never be processed: they are acked
   * so they leave the PEL (Redis 7's XAUTOCLAIM already dropped them; XACK is then a no-op), and logged.
   */
  private async toEntries(
    stream: string,
    partition: number,
    group: string,
    read: PendingRead,
  ): Promise<BusEntry[]> {
    const out: BusEntry[] = [];
    const gone = [...read.deleted];
    for (const [id, fields] of read.entries) {
      if (!fields) gone.push(id);
      else out.push(entryOf(stream, partition, id, read.deliveries.get(id) ?? 1, fields));
    }
    if (gone.length > 0) {
      this.opts.logger?.warn(
        { stream, partition, group, ids: gone },
        'pending entries were trimmed before processing',
      );
      await this.ack(
        stream,
        group,
        gone.map((id) => ({ partition, id })),
      );
    }
    return out;
  }

  async ack(
    stream: string,
    group: string,
    entries: readonly Pick<BusEntry, 'partition' | 'id'>[],
  ): Promise<void> {
    this.open('ack');
    if (entries.length === 0) return;
    this.streams.checkPartitions(
      stream,
      entries.map((e) => e.partition),
    );
    const ids = new Map<number, string[]>();
    for (const e of entries) {
      const list = ids.get(e.partition);
      if (list) list.push(e.id);
      else ids.set(e.partition, [e.id]);
    }
    const keys = this.partitionKeys(stream);
    const cmds = [...ids].map(([p, list]) => ({
      key: keys[p]!,
      name: 'XACK',
      args: [keys[p]!, group, ...list],
    }));
    await this.run(cmds, `XACK on stream "${stream}" for group "${group}"`);
  }

  async lag(stream: string, group: string): Promise<PartitionLag[]> {
    this.open('lag');
    return lagOf(this.partitionKeys(stream), group, this.run);
  }

  async ping(): Promise<void> {
    this.open('ping');
    try {
      await this.client.ping();
    } catch (e) {
      throw redisError(e, 'PING');
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    // Disconnecting the readers' connections wakes their blocked reads at once.
    for (const reader of this.readers.values()) {
      try {
        reader.close();
      } catch (e) {
        this.opts.logger?.warn({ err: e }, 'closing a redis bus reader failed');
      }
    }
    if (!this.ownsClient) return;
    const quit = this.client.quit().catch(() => undefined);
    const timeout = new Promise((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([quit, timeout]);
    this.client.disconnect();
  }

  private open(call: string): void {
    if (this.closing) throw busClosedError('redis', call);
  }

  /**
   * Logs connection errors of a client the bus owns (once until it is ready again: ioredis reports every
   * failed reconnect) instead of leaving them unhandled. Callers that pass a client watch it themselves.
   */
  private watch<C extends RedisClient | Redis>(client: C, role: string): C {
    let reported = false;
    client.on('ready', () => (reported = false));
    client.on('error', (err: Error) => {
      if (!reported) this.opts.logger?.warn({ err, role }, 'redis bus connection error; reconnecting');
      reported = true;
    });
    return client;
  }

  /** Key names per partition, built once per stream: append is the hot path. */
  private partitionKeys(stream: string): string[] {
    let keys = this.keyCache.get(stream);
    if (!keys) {
      const { partitions } = this.streams.get(stream);
      keys = Array.from({ length: partitions }, (_, p) => this.keys.partition(stream, p));
      this.keyCache.set(stream, keys);
    }
    return keys;
  }

  private readerFor(consumer: string): StreamReader {
    let reader = this.readers.get(consumer);
    if (!reader) {
      const watch = (conn: Redis): Redis => this.watch(conn, `reader of ${consumer}`);
      reader = isCluster(this.client)
        ? new ClusterReader(this.client, watch)
        : new StandaloneReader(this.client, watch);
      this.readers.set(consumer, reader);
    }
    return reader;
  }
}
