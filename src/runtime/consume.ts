import { StreamConsumer } from '../bus/consumer.js';
import type { BusEntry, StreamSpec } from '../bus/port.js';
import type { Logger } from '../platform/logger.js';
import type { Runtime } from './runtime.js';

/**
 * A role's consumer of one stream for its group, with this process's identity and the configured
 * leases, claims and retries: what every consuming role (storage, alerting, notifier) shares.
 */
export function consumeStream(
  rt: Runtime,
  o: {
    stream: StreamSpec;
    group: string;
    handle: (entries: BusEntry[]) => Promise<void>;
    logger: Logger;
    batchSize?: number;
  },
): StreamConsumer {
  return new StreamConsumer({
    bus: rt.bus,
    coordinator: rt.coordinator,
    stream: o.stream,
    group: o.group,
    // One name per stream: a Redis bus gives each consumer name its own blocking connection, and
    // consumers sharing one would wait in turn behind each other's blocking reads.
    consumer: `${rt.config.instance}:${o.group}:${o.stream.name}`,
    batchSize: o.batchSize ?? rt.config.consumerBatchSize,
    blockMs: 1000,
    claimIdleMs: rt.config.consumerClaimIdleMs,
    leaseMs: rt.config.consumerLeaseMs,
    maxDeliveries: rt.config.consumerMaxDeliveries,
    handle: o.handle,
    logger: o.logger,
    metrics: rt.metrics,
    drainTimeoutMs: rt.config.shutdownTimeoutMs,
  });
}
