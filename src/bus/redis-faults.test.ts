/**
 * Fault injection against a Redis server started (and killed) here: what a consumer does when Redis dies.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../platform/logger.js';
import { Metrics } from '../platform/metrics.js';
import { StreamConsumer } from './consumer.js';
import { createRedisClient } from './redis-client.js';
import { RedisCoordinator } from './redis-coordinator.js';
import { RedisBus } from './redis.js';
import { eventually } from './testing/adapters.js';
import { records } from './testing/fixtures.js';
import { clusterUnavailableReason, startLocalRedis } from './testing/local-redis.js';

const unavailable = clusterUnavailableReason();

describe.skipIf(unavailable)(`redis faults${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('a consumer closes promptly and without throwing after Redis died under it', async () => {
    const server = await startLocalRedis();
    const bus = new RedisBus({ url: server.url, logger: silentLogger() });
    const client = createRedisClient(server.url).on('error', () => undefined); // expected: Redis dies
    try {
      const stream = { name: 'telemetry', partitions: 2, maxLen: 1000 };
      let processed = 0;
      const consumer = new StreamConsumer({
        bus,
        coordinator: new RedisCoordinator({ client }),
        stream,
        group: 'storage',
        consumer: 'c1',
        batchSize: 10,
        blockMs: 200,
        leaseMs: 400,
        claimIdleMs: 400,
        maxDeliveries: 3,
        retryDelayMs: 20,
        lagIntervalMs: 0,
        handle: async (b) => void (processed += b.length),
        logger: silentLogger(),
        metrics: new Metrics(),
      }).start();
      await bus.append(stream.name, records(20));
      await eventually(() => processed === 20, 5000, '20 entries processed');
      await server.stop();
      const started = Date.now();
      await expect(Promise.all([consumer.close(), consumer.close()])).resolves.toBeDefined();
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await bus.close();
      client.disconnect();
      await server.stop();
    }
  });
});
