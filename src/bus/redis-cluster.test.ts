/**
 * The core of the bus and consumer contracts against a real three-node Redis Cluster, started here, plus a
 * check that partitions really spread over the shards. Needs redis-server and redis-cli on the PATH.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../platform/logger.js';
import { clusterSlot } from './keys.js';
import { isCluster } from './redis-client.js';
import { RedisBus } from './redis.js';
import { redisAdapter, uniqueName } from './testing/adapters.js';
import { busContract } from './testing/bus-suite.js';
import { consumerContract } from './testing/consumer-suite.js';
import { clusterUnavailableReason, startLocalCluster, type LocalCluster } from './testing/local-redis.js';

const unavailable = clusterUnavailableReason();

describe.skipIf(unavailable)(`redis cluster${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let cluster: LocalCluster | undefined;
  beforeAll(async () => {
    cluster = await startLocalCluster(3);
  }, 60_000);
  afterAll(() => cluster?.stop());

  const adapter = redisAdapter('redis-cluster', () => cluster!.url);
  busContract(adapter, { core: true });
  consumerContract(adapter, { core: true });

  it('spreads the partitions of a stream over more than one shard', async () => {
    const bus = new RedisBus({ url: cluster!.url, prefix: uniqueName('ditest'), logger: silentLogger() });
    try {
      const stream = uniqueName('spread');
      bus.defineStream({ name: stream, partitions: 8, maxLen: 1000 });
      await bus.append(
        stream,
        Array.from({ length: 200 }, (_, i) => ({ key: `sensor-${i}`, payload: '{}' })),
      );
      const client = bus.client;
      if (!isCluster(client)) throw new Error('expected a Cluster client');
      const holders = new Set<string>();
      for (let p = 0; p < 8; p++) {
        const key = bus.keys.partition(stream, p);
        expect(await client.cluster('KEYSLOT', key)).toBe(clusterSlot(key));
        // Only the node serving a slot counts keys in it (others answer 0, where EXISTS would answer MOVED).
        for (const node of client.nodes('master')) {
          if (Number(await node.cluster('COUNTKEYSINSLOT', clusterSlot(key))) > 0)
            holders.add(`${node.options.port}`);
        }
      }
      expect(holders.size).toBeGreaterThan(1);
    } finally {
      await bus.close();
    }
  });
});
