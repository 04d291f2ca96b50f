/**
 * What a StreamConsumer does with one batch: dead-letter the entries delivered too often, hand the rest to
 * handle(), ack them once it resolved. A failed batch stays pending; its partitions are marked for re-reading
 * (own pending, one entry at a time, so a poison entry is isolated from the good ones of its batch).
 */
import type { ConsumerConfig } from './consumer-options.js';
import { deadLetterRecord } from './dead-letter.js';
import type { BusEntry } from './port.js';

const idOf = (e: BusEntry): string => `${e.partition}/${e.id}`;

export class BatchProcessor {
  /** Partitions whose own pending entries must be re-read before anything new (after a failed batch). */
  readonly retryOwn = new Set<number>();
  /** After a failed batch, own pending entries are retried one at a time to isolate the bad one. */
  isolate = false;
  /** True while a batch is in handle() or being acked: close() waits for it. */
  processing = false;
  private failures = 0;
  /** Last handler error per entry, for the dead letter's reason (best effort, this process only). */
  private readonly lastErrors = new Map<string, string>();

  constructor(
    private readonly cfg: ConsumerConfig,
    private readonly labels: { stream: string; group: string },
    private readonly deadStream: string,
    /** Waits (interruptibly, by close) between retries. */
    private readonly pause: (ms: number) => Promise<void>,
  ) {}

  /** The pause before the next attempt after a failure, growing with consecutive failures. */
  nextBackoff(): number {
    this.failures++;
    return Math.min(this.cfg.retryDelayMs * 2 ** Math.min(this.failures - 1, 30), this.cfg.retryMaxDelayMs);
  }

  async process(entries: BusEntry[]): Promise<void> {
    this.processing = true;
    try {
      await this.run(entries);
    } finally {
      this.processing = false;
    }
  }

  private async run(entries: BusEntry[]): Promise<void> {
    const { bus, stream, group, maxDeliveries, logger, metrics } = this.cfg;
    const dead = entries.filter((e) => e.deliveries > maxDeliveries);
    const live = entries.filter((e) => e.deliveries <= maxDeliveries);
    if (dead.length > 0) await this.deadLetter(dead);
    if (live.length === 0) return;
    try {
      await this.cfg.handle(live);
    } catch (e) {
      metrics.busHandlerErrors.inc(this.labels);
      const message = e instanceof Error ? e.message : String(e);
      if (this.lastErrors.size > 10_000) this.lastErrors.clear();
      for (const x of live) {
        this.lastErrors.set(idOf(x), message);
        this.retryOwn.add(x.partition);
      }
      this.isolate = true;
      logger.error(
        { err: e, ...this.labels, ids: live.map(idOf) },
        'stream handler failed; its entries stay pending and are retried',
      );
      await this.pause(this.nextBackoff());
      return;
    }
    try {
      await bus.ack(stream.name, group, live);
    } catch (e) {
      // The effect is done but not acked: the entries come back once more (handlers are idempotent).
      for (const x of live) this.retryOwn.add(x.partition);
      throw e;
    }
    this.failures = 0;
    for (const x of live) this.lastErrors.delete(idOf(x));
    metrics.busProcessed.inc(this.labels, live.length);
  }

  private async deadLetter(dead: BusEntry[]): Promise<void> {
    const { bus, stream, group, maxDeliveries } = this.cfg;
    const records = dead.map((e) => {
      const last = this.lastErrors.get(idOf(e)) ?? 'not seen by this process';
      const reason = `delivered ${e.deliveries} times (maxDeliveries ${maxDeliveries}); last error: ${last}`;
      return deadLetterRecord(e, group, reason, Date.now());
    });
    await bus.append(this.deadStream, records);
    await bus.ack(stream.name, group, dead);
    for (const e of dead) this.lastErrors.delete(idOf(e));
    this.cfg.metrics.busDeadLettered.inc(this.labels, dead.length);
    this.cfg.logger.warn(
      { ...this.labels, ids: dead.map(idOf), to: this.deadStream },
      'entries moved to the dead-letter stream',
    );
  }
}
