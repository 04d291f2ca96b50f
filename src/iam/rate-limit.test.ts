import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './rate-limit.js';

describe('FailureLimiter', () => {
  const setup = (limit = 5, windowMs = 900_000) => {
    let now = 1_000_000;
    const limiter = new FailureLimiter({ limit, windowMs, now: () => now });
    return { limiter, advance: (ms: number) => (now += ms) };
  };

  it('lets `limit` failures through, refuses the next until the oldest leaves the window', () => {
    const { limiter, advance } = setup();
    for (let i = 0; i < 5; i++) {
      expect(limiter.retryAfterMs('ip|a@b')).toBe(0);
      limiter.fail('ip|a@b');
      advance(60_000);
    }
    // Oldest failure was 5 min ago: 10 min left.
    expect(limiter.retryAfterMs('ip|a@b')).toBe(600_000);
    advance(599_999);
    expect(limiter.retryAfterMs('ip|a@b')).toBe(1);
    advance(1);
    expect(limiter.retryAfterMs('ip|a@b')).toBe(0);
    // One more failure: back at the limit, until the next oldest (1 min younger) expires.
    limiter.fail('ip|a@b');
    expect(limiter.retryAfterMs('ip|a@b')).toBe(60_000);
  });

  it('keys are independent, and a success forgets the failures', () => {
    const { limiter } = setup(2);
    limiter.fail('a');
    limiter.fail('a');
    expect(limiter.retryAfterMs('a')).toBeGreaterThan(0);
    expect(limiter.retryAfterMs('b')).toBe(0);
    limiter.reset('a');
    expect(limiter.retryAfterMs('a')).toBe(0);
  });

  it('stays bounded under a flood of distinct keys', () => {
    let now = 0;
    const limiter = new FailureLimiter({ limit: 1, windowMs: 1000, now: () => now, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) limiter.fail(`k${i}`);
    expect((limiter as unknown as { failures: Map<string, number[]> }).failures.size).toBeLessThanOrEqual(
      100,
    );
    now += 1000;
    limiter.fail('fresh');
    expect(limiter.retryAfterMs('fresh')).toBe(1000);
  });
});
