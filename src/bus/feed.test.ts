import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryFeed, RedisFeed, type ChangeFeed } from './feed.js';
import { createRedisClient } from './redis-client.js';

const ADAPTERS: { name: string; make(): { feeds: [ChangeFeed, ChangeFeed]; close(): Promise<void> } }[] = [
  {
    name: 'memory',
    make() {
      const f = new MemoryFeed();
      return { feeds: [f, f], close: () => f.close() };
    },
  },
  ...(process.env.REDIS_URL
    ? [
        {
          name: 'redis',
          make() {
            const prefix = `feedtest-${randomBytes(4).toString('hex')}`;
            const a = createRedisClient(process.env.REDIS_URL!);
            const b = createRedisClient(process.env.REDIS_URL!);
            const fa = new RedisFeed(a, prefix);
            const fb = new RedisFeed(b, prefix);
            return {
              feeds: [fa, fb] as [ChangeFeed, ChangeFeed],
              async close() {
                await fa.close();
                await fb.close();
                await a.quit();
                await b.quit();
              },
            };
          },
        },
      ]
    : []),
];

for (const adapter of ADAPTERS) {
  describe(`change feed: ${adapter.name}`, () => {
    const open: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      for (const o of open.splice(0)) await o.close();
    });

    it('a message published by one process reaches every subscriber of the channel, and only that channel', async () => {
      const h = adapter.make();
      open.push(h);
      const [pub, sub] = h.feeds;
      const got: unknown[] = [];
      const other: unknown[] = [];
      await sub.subscribe('rules', (m) => got.push(m));
      await sub.subscribe('rules', (m) => got.push(m));
      await sub.subscribe('alerts', (m) => other.push(m));
      await pub.publish('rules', { tenantId: 1, ruleId: 'r1' });
      await expect
        .poll(() => got, { timeout: 3000 })
        .toEqual([
          { tenantId: 1, ruleId: 'r1' },
          { tenantId: 1, ruleId: 'r1' },
        ]);
      expect(other).toEqual([]);
    });

    it('after unsubscribing, a handler hears nothing more', async () => {
      const h = adapter.make();
      open.push(h);
      const [pub, sub] = h.feeds;
      const got: unknown[] = [];
      const off = await sub.subscribe('rules', (m) => got.push(m));
      await pub.publish('rules', 1);
      await expect.poll(() => got.length, { timeout: 3000 }).toBe(1);
      await off();
      await pub.publish('rules', 2);
      await new Promise((r) => setTimeout(r, 200));
      expect(got).toEqual([1]);
    });
  });
}
