/**
 * The adapters the bus and consumer contract suites run against. Test support only (imports no vitest).
 *
 * A "world" is one deployment as the tests see it: every simulated process gets its own bus (for Redis, its
 * own connections; for memory, the one shared in-process bus) and its own coordinator view of shared state.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { silentLogger } from '../../platform/logger.js';
import { MemoryCoordinator, type Coordinator } from '../coordinator.js';
import { MemoryBus } from '../memory.js';
import type { Bus } from '../port.js';
import { createRedisClient, isCluster, type RedisClient } from '../redis-client.js';
import { RedisCoordinator } from '../redis-coordinator.js';
import { RedisBus } from '../redis.js';

export interface BusWorld {
  /** A bus as one process sees it. */
  bus(): Bus;
  coordinator(): Coordinator;
  /** Closes every bus handed out and deletes what the test wrote. */
  close(): Promise<void>;
}

export interface Adapter {
  name: string;
  open(): Promise<BusWorld>;
}

export const uniqueName = (base: string): string => `${base}-${randomBytes(4).toString('hex')}`;

export const memoryAdapter: Adapter = {
  name: 'memory',
  async open() {
    const bus = new MemoryBus();
    const coordinator = new MemoryCoordinator();
    return { bus: () => bus, coordinator: () => coordinator, close: () => bus.close() };
  },
};

/** A Redis adapter; `url` is read when a world opens, so a cluster started in beforeAll can supply it. */
export function redisAdapter(name: string, url: () => string): Adapter {
  return {
    name,
    async open() {
      const prefix = uniqueName('ditest');
      const admin = createRedisClient(url());
      const buses: RedisBus[] = [];
      return {
        bus: () => {
          const bus = new RedisBus({ url: url(), prefix, logger: silentLogger() });
          buses.push(bus);
          return bus;
        },
        coordinator: () => new RedisCoordinator({ client: admin, prefix }),
        close: async () => {
          await Promise.allSettled(buses.map((b) => b.close()));
          await deleteKeys(admin, `${prefix}:*`);
          await admin.quit();
        },
      };
    },
  };
}

async function deleteKeys(client: RedisClient, pattern: string): Promise<void> {
  await client.ping(); // a Cluster lists its nodes once connected
  const nodes: Redis[] = isCluster(client) ? client.nodes('master') : [client];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      // One key per DEL: on a Cluster the keys of one node still live in different slots.
      await Promise.all(keys.map((k) => node.del(k)));
      cursor = next;
    } while (cursor !== '0');
  }
}

export const ADAPTERS: Adapter[] = [
  memoryAdapter,
  ...(process.env.REDIS_URL ? [redisAdapter('redis', () => process.env.REDIS_URL!)] : []),
];

/** Polls `probe` until it returns a value other than undefined/false, or fails after `ms`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
