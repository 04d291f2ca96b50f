/**
 * StreamConsumer: how every process role consumes a stream for a consumer group. It holds leases on a fair
 * share of the partitions (consumer-leases.ts, ASSIGNMENT.md), so each partition is read by one member at a
 * time and per-key order holds while members come and go, and it runs one loop:
 *
 *   re-read its own pending entries (after a restart or a failed handle())
 *   -> release partitions beyond its share (between batches, when nothing of them is in hand)
 *   -> take over a previous owner's pending entries on newly taken partitions, oldest first
 *   -> read new entries from the partitions it is done taking over
 *
 * handle() is never called concurrently; entries are acked only after it resolves. A failed batch stays
 * pending and is re-read one entry at a time after a backoff, so one poison entry cannot drag the good ones
 * of its batch to the dead-letter stream with it; past maxDeliveries an entry is dead-lettered and acked.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isDataInsightError } from '../platform/errors.js';
import { LeaseKeeper, type OwnedPartition } from './consumer-leases.js';
import { consumerConfig, type ConsumerConfig, type StreamConsumerOptions } from './consumer-options.js';
import { BatchProcessor } from './consumer-batch.js';
import { deadLetterStream } from './dead-letter.js';

export type { StreamConsumerOptions };

export class StreamConsumer {
  private readonly cfg: ConsumerConfig;
  private readonly keeper: LeaseKeeper;
  private readonly labels: { stream: string; group: string };
  private readonly deadStream: string;
  /** Aborted when the partitions change or on close: ends the current blocking read or idle wait. */
  private wake = new AbortController();
  private readonly stopper = new AbortController();
  private running: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  private readonly batches: BatchProcessor;

  constructor(opts: StreamConsumerOptions) {
    this.cfg = consumerConfig(opts);
    const { bus, stream, group } = this.cfg;
    bus.defineStream(stream);
    this.deadStream = deadLetterStream(stream.name);
    bus.defineStream({ name: this.deadStream, partitions: 1, maxLen: this.cfg.deadLetterMaxLen });
    this.labels = { stream: stream.name, group };
    this.batches = new BatchProcessor(this.cfg, this.labels, this.deadStream, (ms) =>
      this.pause(ms, this.stopper.signal),
    );
    this.keeper = new LeaseKeeper({
      coordinator: this.cfg.coordinator,
      scope: this.labels,
      member: this.cfg.consumer,
      partitions: stream.partitions,
      leaseMs: this.cfg.leaseMs,
      logger: this.cfg.logger,
      onChange: () => this.poke(),
    });
  }

  start(): this {
    if (this.running || this.closing) return this;
    this.running = this.run();
    if (this.cfg.lagIntervalMs > 0) {
      this.lagTimer = setInterval(
        () => void this.refreshLag().catch(() => undefined),
        this.cfg.lagIntervalMs,
      );
      this.lagTimer.unref();
    }
    return this;
  }

  /** Partitions whose lease this consumer holds, sorted. */
  ownedPartitions(): number[] {
    return [...this.keeper.owned.keys()].sort((a, b) => a - b);
  }

  /** Publishes (and returns) the lag of the partitions this consumer owns: undelivered + pending entries. */
  async refreshLag(): Promise<number> {
    const lag = await this.cfg.bus.lag(this.labels.stream, this.labels.group);
    const owned = new Set(this.keeper.owned.keys());
    const total = lag
      .filter((l) => owned.has(l.partition))
      .reduce((s, l) => s + l.undelivered + l.pending, 0);
    this.cfg.metrics.busLag.set(this.labels, total);
    return total;
  }

  /** Stops reading, finishes and acks the batch in hand, releases the leases. Safe to call twice; never throws. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const log = this.cfg.logger;
    this.stopper.abort();
    this.wake.abort();
    clearInterval(this.lagTimer);
    this.keeper.freeze(); // keep renewing while the batch in hand drains
    // Wait for a batch in hand up to drainTimeoutMs; anything else (a read, a claim) gets a second, since an
    // aborted read returns at once unless Redis is gone, and what it may still deliver is claimed later.
    const drainUntil = Date.now() + this.cfg.drainTimeoutMs;
    for (;;) {
      const left = drainUntil - Date.now();
      if ((await within(this.running, this.batches.processing ? left : Math.min(left, 1000))) !== 'timeout')
        break;
      if (!this.batches.processing || Date.now() >= drainUntil) {
        const what = this.batches.processing ? 'the batch in hand' : 'a bus call';
        log.error({ ...this.labels, consumer: this.cfg.consumer }, `close: ${what} did not finish in time`);
        break;
      }
    }
    await this.keeper.stop();
    // Past leaseMs the leases lapse by themselves: waiting longer for Redis would gain nothing.
    const released = await within(this.keeper.releaseAll(), this.cfg.leaseMs).catch((e: unknown) => e);
    if (released !== undefined)
      log.warn({ ...this.labels, err: released }, 'close: could not release partition leases');
    this.cfg.metrics.busOwnedPartitions.set(this.labels, 0);
  }

  private poke(): void {
    this.wake.abort();
    this.cfg.metrics.busOwnedPartitions.set(this.labels, this.keeper.owned.size);
  }

  private async run(): Promise<void> {
    const { bus, logger } = this.cfg;
    while (!this.stopper.signal.aborted) {
      try {
        await bus.ensureGroup(this.labels.stream, this.labels.group);
        break;
      } catch (e) {
        logger.error({ err: e, ...this.labels }, 'stream consumer cannot create its group; retrying');
        await this.pause(this.batches.nextBackoff(), this.stopper.signal);
      }
    }
    if (this.stopper.signal.aborted) return;
    this.keeper.start();
    while (!this.stopper.signal.aborted) {
      try {
        await this.step();
      } catch (e) {
        logger.error({ err: e, ...this.labels, consumer: this.cfg.consumer }, 'stream consumer step failed');
        await this.pause(this.batches.nextBackoff(), this.stopper.signal);
        // The group vanished (its stream key was deleted): recreate it; the stream's entries come again.
        if (isDataInsightError(e) && e.field === 'group')
          await bus.ensureGroup(this.labels.stream, this.labels.group).catch(() => undefined);
      }
    }
  }

  private async step(): Promise<void> {
    if (this.wake.signal.aborted && !this.stopper.signal.aborted) this.wake = new AbortController();
    const signal = this.wake.signal;
    const { bus, stream, group, consumer, batchSize } = this.cfg;
    const own = this.nextOwnPending();
    if (own !== undefined) {
      const count = this.batches.isolate ? 1 : batchSize;
      const entries = await bus.readOwnPending({
        stream: stream.name,
        group,
        consumer,
        partitions: [own],
        partition: own,
        count,
      });
      if (entries.length > 0) return this.batches.process(entries);
      this.batches.retryOwn.delete(own);
      const owned = this.keeper.owned.get(own);
      if (owned) owned.ownPendingDone = true;
      if (this.batches.retryOwn.size === 0) this.batches.isolate = false;
      return;
    }
    // Released only now: a failed batch's entries on them were retried first, not left for the next owner.
    const releasing = this.keeper.partitions('releasing');
    if (releasing.length > 0) {
      await this.keeper.release(releasing);
      this.poke();
      return;
    }
    const now = Date.now();
    const recovering = this.keeper
      .partitions('recovering')
      .map((p) => [p, this.keeper.owned.get(p)!] as const);
    const due = recovering.find(([, o]) => o.nextClaimAt <= now);
    if (due) return this.takeOver(due[0], due[1]);
    const recheckIn = Math.min(Infinity, ...recovering.map(([, o]) => o.nextClaimAt - now));
    const partitions = this.keeper.partitions('active');
    if (partitions.length === 0) return this.pause(Math.min(recheckIn, this.cfg.leaseMs), signal);
    const blockMs = Math.min(this.cfg.blockMs, recheckIn);
    const entries = await bus.read({
      stream: stream.name,
      group,
      consumer,
      partitions,
      count: batchSize,
      blockMs,
      signal,
    });
    if (entries.length > 0) await this.batches.process(entries);
  }

  private nextOwnPending(): number | undefined {
    for (const p of this.batches.retryOwn) if (!this.keeper.owned.has(p)) this.batches.retryOwn.delete(p);
    const [first] = this.batches.retryOwn;
    if (first !== undefined) return first;
    return this.keeper.partitions('recovering').find((p) => !this.keeper.owned.get(p)!.ownPendingDone);
  }

  /**
   * A newly taken partition turns active only once no other consumer has entries pending on it: those are
   * claimed (once idle for claimIdleMs) and processed first, so new entries never overtake them.
   */
  private async takeOver(partition: number, owned: OwnedPartition): Promise<void> {
    const { bus, stream, group, consumer, batchSize, claimIdleMs } = this.cfg;
    const claimed = await bus.claim({
      stream: stream.name,
      group,
      consumer,
      partition,
      minIdleMs: claimIdleMs,
      count: batchSize,
    });
    if (claimed.length > 0) {
      this.cfg.metrics.busClaimed.inc(this.labels, claimed.length);
      return this.batches.process(claimed);
    }
    const pending = (await bus.lag(stream.name, group)).find((l) => l.partition === partition)?.pending ?? 0;
    if (pending > 0)
      owned.nextClaimAt = Date.now() + Math.max(10, Math.min(250, Math.floor(claimIdleMs / 4)));
    else owned.state = 'active';
  }

  private async pause(ms: number, signal: AbortSignal): Promise<void> {
    await sleep(ms, undefined, { signal }).catch(() => undefined);
  }
}

/** Waits for `p` at most `ms`; 'timeout' if it took longer. */
async function within<T>(p: Promise<T> | undefined, ms: number): Promise<T | 'timeout' | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
