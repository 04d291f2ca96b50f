import { describe, expect, it } from 'vitest';
import { parseRange, parseTimeParam } from './time-param.js';

const NOW = Date.UTC(2026, 10, 27, 12);

describe('time parameters', () => {
  it('accepts epoch ms, ISO with a zone and relative times', () => {
    expect(parseTimeParam('1732700000000', 'from', NOW)).toBe(1732700000000);
    expect(parseTimeParam('2026-11-02T10:00:00Z', 'from', NOW)).toBe(Date.UTC(2026, 10, 2, 10));
    expect(parseTimeParam('2026-11-02T10:00:00+05:30', 'from', NOW)).toBe(Date.UTC(2026, 10, 2, 4, 30));
    expect(parseTimeParam('now', 'to', NOW)).toBe(NOW);
    expect(parseTimeParam('now-7d', 'from', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseTimeParam('now+1h', 'to', NOW)).toBe(NOW + 3_600_000);
  });

  it('refuses a local time without a zone, naming the parameter', () => {
    expect(() => parseTimeParam('2026-11-02T10:00:00', 'from', NOW)).toThrow(/from=.*ISO-8601 with a zone/);
    expect(() => parseTimeParam('yesterday', 'to', NOW)).toThrow(/^to=/);
  });

  it('defaults the range and refuses an empty one', () => {
    expect(parseRange({}, NOW, 3_600_000)).toEqual({ from: NOW - 3_600_000, to: NOW });
    expect(() => parseRange({ from: 'now', to: 'now-1h' }, NOW, 1)).toThrow(/must be before/);
  });
});
