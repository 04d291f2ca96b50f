import { describe, expect, it } from 'vitest';
import { isDataInsightError } from '../platform/errors.js';
import { parseRedisUrl } from './redis-client.js';

describe('parseRedisUrl', () => {
  it('reads a standalone URL with credentials, database and TLS', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({
      cluster: false,
      nodes: [{ host: '127.0.0.1', port: 6379 }],
      options: {},
    });
    expect(parseRedisUrl('rediss://app:s%40cret@cache.internal/2')).toEqual({
      cluster: false,
      nodes: [{ host: 'cache.internal', port: 6379 }],
      options: { username: 'app', password: 's@cret', db: 2, tls: {} },
    });
    expect(parseRedisUrl('redis://:pw@[::1]:7000').nodes).toEqual([{ host: '::1', port: 7000 }]);
  });

  it('reads a Cluster from redis+cluster:// or ?cluster=1, with every seed node', () => {
    const seeds = [
      { host: 'h1', port: 7000 },
      { host: 'h2', port: 7001 },
    ];
    expect(parseRedisUrl('redis+cluster://h1:7000,h2:7001')).toMatchObject({ cluster: true, nodes: seeds });
    expect(parseRedisUrl('redis://h1:7000,h2:7001?cluster=1')).toMatchObject({ cluster: true, nodes: seeds });
    expect(parseRedisUrl('rediss+cluster://:pw@h1:7000').options).toEqual({ password: 'pw', tls: {} });
  });

  it('rejects what it cannot use, naming REDIS_URL and hiding the password', () => {
    for (const bad of ['http://h:1', 'redis://h1:1,h2:2', 'redis+cluster://h:1/3', 'redis://h:99999']) {
      const e = (() => {
        try {
          parseRedisUrl(bad);
        } catch (err) {
          return err;
        }
      })();
      expect(isDataInsightError(e, 'DI_CONFIG_INVALID'), bad).toBe(true);
      expect((e as Error).message).toMatch(/REDIS_URL/);
    }
    expect(() => parseRedisUrl('redis://u:topsecret@h:1,h:2')).toThrow(/^(?!.*topsecret)/);
  });
});
