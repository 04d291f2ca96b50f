/**
 * MemoryBus: the in-process bus of the embedded mode. It emulates Redis Streams per partition (ids, consumer
 * groups, pending entries lists, XAUTOCLAIM, approximate MAXLEN) so code proven against it behaves the same
 * against RedisBus; one contract suite runs over both.
 */
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { MemoryPartition, type Delivered } from './memory-partition.js';
import type {
  Bus,
  BusEntry,
  BusRecord,
  ClaimOptions,
  PartitionLag,
  ReadOptions,
  StreamSpec,
} from './port.js';
import { busClosedError, StreamRegistry } from './streams.js';
import { DataInsightError } from '../platform/errors.js';

export interface MemoryBusOptions {
  metrics?: Metrics;
  logger?: Logger;
}

export class MemoryBus implements Bus {
  readonly kind = 'memory';
  private readonly streams = new StreamRegistry();
  private readonly parts = new Map<string, MemoryPartition[]>();
  private readonly closeWaiters = new Set<() => void>();
  /** Where the next multi-partition read starts, so one busy partition cannot starve the others. */
  private rotation = 0;
  private closed = false;

  constructor(private readonly opts: MemoryBusOptions = {}) {}

  defineStream(spec: StreamSpec): void {
    const s = this.streams.define(spec);
    if (!this.parts.has(s.name))
      this.parts.set(
        s.name,
        Array.from({ length: s.partitions }, () => new MemoryPartition()),
      );
  }

  partitionOf(stream: string, key: string): number {
    return this.streams.partitionOf(stream, key);
  }

  async append(stream: string, records: readonly BusRecord[]): Promise<string[]> {
    this.open('append');
    const spec = this.streams.get(stream);
    const parts = this.partitions(stream);
    const touched = new Set<MemoryPartition>();
    const ids = records.map((r) => {
      const part = parts[this.streams.partitionOf(stream, r.key)]!;
      touched.add(part);
      return part.append(r.key, r.payload, Date.now(), spec.maxLen);
    });
    for (const part of touched) for (const wake of [...part.waiters]) wake();
    this.opts.metrics?.busAppended.inc({ stream }, records.length);
    return ids;
  }

  async ensureGroup(stream: string, group: string): Promise<void> {
    this.open('ensureGroup');
    for (const part of this.partitions(stream)) part.createGroup(group);
  }

  async read(opts: ReadOptions): Promise<BusEntry[]> {
    this.open('read');
    const parts = this.groupPartitions(opts.stream, opts.group, opts.partitions);
    if (parts.length === 0 || opts.count <= 0) return [];
    const deadline = Date.now() + opts.blockMs;
    for (;;) {
      const out = this.collect(opts, parts);
      const left = deadline - Date.now();
      if (out.length > 0 || left <= 0 || this.closed || opts.signal?.aborted) return out;
      await this.waitForAppend(parts, left, opts.signal);
    }
  }

  private collect(opts: ReadOptions, parts: [number, MemoryPartition][]): BusEntry[] {
    const out: BusEntry[] = [];
    const start = this.rotation++;
    for (let i = 0; i < parts.length && out.length < opts.count; i++) {
      const [p, part] = parts[(start + i) % parts.length]!;
      const got = part.readNew(opts.group, opts.consumer, opts.count - out.length, Date.now());
      for (const d of got) out.push(toEntry(opts.stream, p, d));
    }
    return out;
  }

  /** Resolves on the next append to one of `parts`, on close, on abort, or after `ms`: no polling. */
  private waitForAppend(
    parts: [number, MemoryPartition][],
    ms: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        for (const [, part] of parts) part.waiters.delete(wake);
        this.closeWaiters.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      for (const [, part] of parts) part.waiters.add(wake);
      this.closeWaiters.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  async readOwnPending(opts: Omit<ReadOptions, 'blockMs'> & { partition: number }): Promise<BusEntry[]> {
    this.open('readOwnPending');
    const [[p, part]] = this.groupPartitions(opts.stream, opts.group, [opts.partition]) as [
      [number, MemoryPartition],
    ];
    return part
      .ownPending(opts.group, opts.consumer, opts.count, Date.now())
      .map((d) => toEntry(opts.stream, p, d));
  }

  async claim(opts: ClaimOptions): Promise<BusEntry[]> {
    this.open('claim');
    const [[p, part]] = this.groupPartitions(opts.stream, opts.group, [opts.partition]) as [
      [number, MemoryPartition],
    ];
    return part
      .claim(opts.group, opts.consumer, opts.minIdleMs, opts.count, Date.now())
      .map((d) => toEntry(opts.stream, p, d));
  }

  async ack(
    stream: string,
    group: string,
    entries: readonly Pick<BusEntry, 'partition' | 'id'>[],
  ): Promise<void> {
    this.open('ack');
    this.streams.checkPartitions(
      stream,
      entries.map((e) => e.partition),
    );
    const parts = this.partitions(stream);
    for (const e of entries) parts[e.partition]!.ack(group, [e.id]);
  }

  async lag(stream: string, group: string): Promise<PartitionLag[]> {
    this.open('lag');
    const all = this.partitions(stream).map((_, p) => p);
    return this.groupPartitions(stream, group, all).map(([partition, part]) => ({
      partition,
      ...part.lag(group),
    }));
  }

  async ping(): Promise<void> {
    this.open('ping');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const wake of [...this.closeWaiters]) wake();
    this.opts.logger?.debug('memory bus closed');
  }

  private open(call: string): void {
    if (this.closed) throw busClosedError('memory', call);
  }

  private partitions(stream: string): MemoryPartition[] {
    this.streams.get(stream);
    return this.parts.get(stream)!;
  }

  /** The requested partitions, after checking they exist and the group was created on them (like NOGROUP). */
  private groupPartitions(
    stream: string,
    group: string,
    partitions: readonly number[],
  ): [number, MemoryPartition][] {
    this.streams.checkPartitions(stream, partitions);
    const parts = this.partitions(stream);
    return partitions.map((p) => {
      const part = parts[p]!;
      if (!part.hasGroup(group)) {
        throw new DataInsightError(
          'DI_CONFIG_INVALID',
          `consumer group "${group}" does not exist on stream "${stream}" partition ${p}: call ensureGroup first`,
          { field: 'group' },
        );
      }
      return [p, part];
    });
  }
}

function toEntry(stream: string, partition: number, d: Delivered): BusEntry {
  return {
    stream,
    partition,
    id: d.entry.id,
    key: d.entry.key,
    payload: d.entry.payload,
    deliveries: d.deliveries,
  };
}
