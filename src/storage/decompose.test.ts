import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decompose } from './decompose.js';
import { DAY, HOUR, MINUTE, tier } from './tiers.js';

describe('decompose a range into roll-up tiers', () => {
  it('a week that starts mid-day uses days in the middle and finer tiers at the edges', () => {
    const from = Date.UTC(2026, 10, 2, 10, 30, 15, 500);
    const to = from + 7 * DAY;
    const segs = decompose(from, to);
    expect(segs[0]).toEqual({ tier: 'raw', from, to: Date.UTC(2026, 10, 2, 10, 31) });
    expect(segs.filter((s) => s.tier === '1d')).toEqual([
      { tier: '1d', from: Date.UTC(2026, 10, 3), to: Date.UTC(2026, 10, 9) },
    ]);
    expect(segs.at(-1)!.to).toBe(to);
  });

  it('an aligned day is one day segment', () => {
    expect(decompose(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 2))).toEqual([
      { tier: '1d', from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 2) },
    ]);
  });

  it('an empty or reversed range has no segments', () => {
    expect(decompose(10, 10)).toEqual([]);
    expect(decompose(10, 5)).toEqual([]);
  });

  it('segments tile the range exactly, aligned to their tier, with few fine rows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 42 }),
        fc.integer({ min: 1, max: 400 * DAY }),
        (from, len) => {
          const to = from + len;
          const segs = decompose(from, to);
          expect(segs[0]!.from).toBe(from);
          expect(segs.at(-1)!.to).toBe(to);
          for (let i = 1; i < segs.length; i++) expect(segs[i]!.from).toBe(segs[i - 1]!.to);
          for (const s of segs) {
            expect(s.to).toBeGreaterThan(s.from);
            const w = tier(s.tier).bucketMs;
            if (w) {
              expect(s.from % w).toBe(0);
              expect(s.to % w).toBe(0);
            }
          }
          // At most two pieces per finer tier: the edges.
          const span = (t: string, w: number) =>
            segs.filter((s) => s.tier === t).reduce((n, s) => n + (s.to - s.from) / w, 0);
          expect(span('1h', HOUR)).toBeLessThanOrEqual(2 * 23);
          expect(span('1m', MINUTE)).toBeLessThanOrEqual(2 * 59);
          expect(segs.filter((s) => s.tier === 'raw').reduce((n, s) => n + s.to - s.from, 0)).toBeLessThan(
            2 * MINUTE,
          );
        },
      ),
    );
  });
});
