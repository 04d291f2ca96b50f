import { describe, expect, it } from 'vitest';
import { silentLogger } from '../platform/logger.js';
import { Metrics } from '../platform/metrics.js';
import { MemoryCoordinator } from './coordinator.js';
import { consumerConfig, type StreamConsumerOptions } from './consumer-options.js';
import { MemoryBus } from './memory.js';

const base: StreamConsumerOptions = {
  bus: new MemoryBus(),
  coordinator: new MemoryCoordinator(),
  stream: { name: 's', partitions: 4, maxLen: 1000 },
  group: 'g',
  consumer: 'c',
  batchSize: 10,
  blockMs: 100,
  claimIdleMs: 1000,
  leaseMs: 1000,
  maxDeliveries: 3,
  handle: async () => {},
  logger: silentLogger(),
  metrics: new Metrics(),
};

describe('consumerConfig', () => {
  it('fills in defaults', () => {
    expect(consumerConfig(base)).toMatchObject({
      retryDelayMs: 1000,
      lagIntervalMs: 10_000,
      drainTimeoutMs: 30_000,
    });
    expect(consumerConfig({ ...base, retryDelayMs: undefined }).retryDelayMs).toBe(1000);
  });

  it('refuses a claimIdleMs shorter than the lease, naming the field', () => {
    expect(() => consumerConfig({ ...base, claimIdleMs: 500 })).toThrow(
      /claimIdleMs must be an integer >= leaseMs \(1000\), got 500/,
    );
    expect(() => consumerConfig({ ...base, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => consumerConfig({ ...base, consumer: '' })).toThrow(/consumer must be a non-empty id/);
  });
});
