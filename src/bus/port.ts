/**
 * The bus port: partitioned, append-only streams with consumer groups.
 *
 * Two adapters implement it: `MemoryBus` (in-process, the embedded default) and `RedisBus`
 * (Redis Streams, standalone or Cluster). One contract suite (`bus.contract.test.ts`) runs against both.
 *
 * A logical stream (e.g. "telemetry") is split into `partitions` physical streams; a record's `key`
 * (e.g. tenant/sensor) is hashed to pick its partition, so one key always lands on one partition and
 * keeps its order there. Consumers never read a whole logical stream: each member of a group owns a set
 * of partitions at a time (see `assignment.ts`) and reads only those.
 */

export interface BusRecord {
  /** Partitioning key: records with the same key stay in order on one partition. */
  key: string;
  /** Opaque payload (JSON text by convention). */
  payload: string;
}

export interface BusEntry extends BusRecord {
  /** Logical stream name, e.g. "telemetry". */
  stream: string;
  partition: number;
  /** Entry id, "<ms>-<seq>" as in Redis Streams; monotonic within a partition. */
  id: string;
  /** How many times this entry has been delivered to a consumer of this group (1 on first read). */
  deliveries: number;
}

export interface ReadOptions {
  stream: string;
  group: string;
  consumer: string;
  partitions: readonly number[];
  /** Max entries returned in total. */
  count: number;
  /** Wait up to this long when nothing is ready (0 = do not wait). */
  blockMs: number;
  /**
   * Ends a blocked wait early (the read resolves with what it has, possibly nothing). Lets a consumer stop
   * or pick up newly assigned partitions without waiting out blockMs.
   */
  signal?: AbortSignal;
}

export interface ClaimOptions {
  stream: string;
  group: string;
  consumer: string;
  partition: number;
  /** Only entries pending (delivered, not acked) for at least this long are claimed. */
  minIdleMs: number;
  count: number;
}

export interface PartitionLag {
  partition: number;
  /** Entries appended but not yet delivered to the group. */
  undelivered: number;
  /** Entries delivered but not yet acknowledged. */
  pending: number;
}

export interface StreamSpec {
  name: string;
  partitions: number;
  /** Approximate cap on entries kept per partition (older ones are trimmed). */
  maxLen: number;
}

export interface Bus {
  readonly kind: 'memory' | 'redis';
  /** Declare a stream (idempotent). Must be called before append/read on it. */
  defineStream(spec: StreamSpec): void;
  partitionOf(stream: string, key: string): number;
  /**
   * Append records; resolves once every record is in the bus (for Redis: XADD answered), with their ids
   * in input order. Callers acknowledge their producers only after this resolves.
   */
  append(stream: string, records: readonly BusRecord[]): Promise<string[]>;
  /** Create the consumer group on every partition if missing; new groups start at the beginning. */
  ensureGroup(stream: string, group: string): Promise<void>;
  /** New entries (never delivered to this group) from the given partitions, oldest first per partition. */
  read(opts: ReadOptions): Promise<BusEntry[]>;
  /** Entries of this consumer that were delivered but not acknowledged (after a restart of the same name). */
  readOwnPending(opts: Omit<ReadOptions, 'blockMs'> & { partition: number }): Promise<BusEntry[]>;
  /** Take over entries another consumer left pending for at least minIdleMs. */
  claim(opts: ClaimOptions): Promise<BusEntry[]>;
  ack(stream: string, group: string, entries: readonly Pick<BusEntry, 'partition' | 'id'>[]): Promise<void>;
  lag(stream: string, group: string): Promise<PartitionLag[]>;
  /** Health probe: resolves when the backing store answers. */
  ping(): Promise<void>;
  /** Safe to call twice; wakes any blocked read. */
  close(): Promise<void>;
}
