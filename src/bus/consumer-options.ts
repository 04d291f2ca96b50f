import { DataInsightError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { Coordinator } from './coordinator.js';
import type { Bus, BusEntry, StreamSpec } from './port.js';

export interface StreamConsumerOptions {
  bus: Bus;
  coordinator: Coordinator;
  /** The stream to consume; the consumer defines it on the bus (idempotent) to learn its partitions. */
  stream: StreamSpec;
  group: string;
  /**
   * Unique member id: the Redis consumer name and the coordinator member. Give a restarted process the same
   * id (e.g. host + role + index) and it picks up its own pending entries at once instead of after claimIdleMs.
   */
  consumer: string;
  /** Most entries per handle() call. */
  batchSize: number;
  /** How long one read waits for new entries. */
  blockMs: number;
  /** A previous owner's pending entries are claimed once idle this long; must be >= leaseMs (ASSIGNMENT.md). */
  claimIdleMs: number;
  /** Partition leases and membership expire after this long without renewal. */
  leaseMs: number;
  /** An entry delivered more often than this goes to the dead-letter stream instead of handle(). */
  maxDeliveries: number;
  /** Process a batch; resolve only once its effect is durable: the entries are acked after it resolves. */
  handle: (entries: BusEntry[]) => Promise<void>;
  logger: Logger;
  metrics: Metrics;
  /** First pause after a failed handle(), doubled per further failure (default 1000 ms). */
  retryDelayMs?: number;
  /** Longest pause between retries (default 30 000 ms). */
  retryMaxDelayMs?: number;
  /** How often lag is published to metrics.busLag; 0 = only through refreshLag() (default 10 000 ms). */
  lagIntervalMs?: number;
  /** close() waits this long for the batch in hand before giving up on it (default 30 000 ms). */
  drainTimeoutMs?: number;
  /** Approximate cap of the dead-letter stream (default 100 000). */
  deadLetterMaxLen?: number;
}

export type ConsumerConfig = Required<StreamConsumerOptions>;

export function consumerConfig(o: StreamConsumerOptions): ConsumerConfig {
  const cfg: ConsumerConfig = {
    ...o,
    retryDelayMs: o.retryDelayMs ?? 1000,
    retryMaxDelayMs: o.retryMaxDelayMs ?? 30_000,
    lagIntervalMs: o.lagIntervalMs ?? 10_000,
    drainTimeoutMs: o.drainTimeoutMs ?? 30_000,
    deadLetterMaxLen: o.deadLetterMaxLen ?? 100_000,
  };
  const check = (field: keyof ConsumerConfig, ok: boolean, rule: string): void => {
    if (!ok) {
      throw new DataInsightError(
        'DI_CONFIG_INVALID',
        `stream consumer "${o.consumer}" of group "${o.group}": ${field} ${rule}, got ${String(cfg[field])}`,
        { field },
      );
    }
  };
  const int = (v: number, min: number): boolean => Number.isInteger(v) && v >= min;
  check('consumer', typeof o.consumer === 'string' && o.consumer.length > 0, 'must be a non-empty id');
  check('batchSize', int(cfg.batchSize, 1), 'must be an integer >= 1');
  check('blockMs', int(cfg.blockMs, 0), 'must be an integer >= 0');
  check('leaseMs', int(cfg.leaseMs, 30), 'must be an integer >= 30');
  // A shorter idle time would let a new owner claim entries a zombie owner (lease lost, still running) may
  // still be working on.
  check('claimIdleMs', int(cfg.claimIdleMs, cfg.leaseMs), `must be an integer >= leaseMs (${cfg.leaseMs})`);
  check('maxDeliveries', int(cfg.maxDeliveries, 1), 'must be an integer >= 1');
  check('retryDelayMs', int(cfg.retryDelayMs, 0), 'must be an integer >= 0');
  check('retryMaxDelayMs', int(cfg.retryMaxDelayMs, cfg.retryDelayMs), 'must be an integer >= retryDelayMs');
  check('lagIntervalMs', int(cfg.lagIntervalMs, 0), 'must be an integer >= 0');
  check('drainTimeoutMs', int(cfg.drainTimeoutMs, 0), 'must be an integer >= 0');
  check('deadLetterMaxLen', int(cfg.deadLetterMaxLen, 1), 'must be an integer >= 1');
  return cfg;
}
