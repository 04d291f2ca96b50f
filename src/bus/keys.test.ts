import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusKeys, clusterSlot, fnv1a32, partitionFor } from './keys.js';

describe('partitionFor', () => {
  it('is stable: known keys keep their partition forever', () => {
    // Changing these would move live keys to other partitions and break their order.
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect([0, 1, 2, 3].map((i) => partitionFor(`tenant-1/sensor-${i}`, 16))).toEqual([4, 8, 12, 8]);
  });

  it('hashes UTF-8 bytes, so other languages can compute the same partition', () => {
    expect(fnv1a32('é')).toBe(fnv1a32Bytes(Buffer.from('é', 'utf8')));
    expect(fnv1a32('😀x')).toBe(fnv1a32Bytes(Buffer.from('😀x', 'utf8')));
    expect(fnv1a32('a\ud800b\udc00')).toBe(fnv1a32Bytes(Buffer.from('a\ud800b\udc00', 'utf8')));
    // Any code point, and lone surrogates (which UTF-8 encoders write as U+FFFD).
    const unit = fc.oneof(
      fc.constantFrom('\ud800', '\udfff'),
      fc
        .integer({ min: 0, max: 0x10ffff })
        .filter((c) => c < 0xd800 || c > 0xdfff)
        .map((c) => String.fromCodePoint(c)),
    );
    fc.assert(fc.property(fc.string({ unit }), (s) => fnv1a32(s) === fnv1a32Bytes(Buffer.from(s, 'utf8'))));
  });

  it('is deterministic and in range for any key and partition count', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 1024 }), (key, n) => {
        const p = partitionFor(key, n);
        return Number.isInteger(p) && p >= 0 && p < n && partitionFor(key, n) === p;
      }),
    );
  });

  it('spreads similar keys roughly evenly', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.integer({ min: 2, max: 32 }), (prefix, n) => {
        const counts = new Array<number>(n).fill(0);
        const keys = 200 * n;
        for (let i = 0; i < keys; i++) counts[partitionFor(`${prefix}/sensor-${i}`, n)]!++;
        // 200 expected per partition; a fair hash stays well within +-35% (about 5 standard deviations).
        return counts.every((c) => c > 130 && c < 270);
      }),
      { numRuns: 30 },
    );
  });
});

describe('key layout', () => {
  const keys = new BusKeys('di');

  it('gives each partition its own hash tag, and one tag to the leases and members of a group', () => {
    expect(keys.partition('telemetry', 3)).toBe('di:{telemetry:3}');
    expect(keys.lease('telemetry', 'storage', 3)).toBe('di:lease:{telemetry:storage}:3');
    expect(clusterSlot(keys.lease('telemetry', 'storage', 0))).toBe(
      clusterSlot(keys.members('telemetry', 'storage')),
    );
    const slots = new Set(Array.from({ length: 16 }, (_, p) => clusterSlot(keys.partition('telemetry', p))));
    expect(slots.size).toBe(16);
  });

  it('computes slots as Redis does (CRC16/XMODEM of the hash tag)', () => {
    expect(clusterSlot('123456789')).toBe(0x31c3 % 16384);
    expect(clusterSlot('{user1000}.following')).toBe(clusterSlot('{user1000}.followers'));
    expect(clusterSlot('foo')).toBe(12182);
  });

  it('rejects names that would break hash tags', () => {
    expect(() => new BusKeys('d{i}')).toThrow(/prefix name "d\{i\}" is invalid/);
  });
});

function fnv1a32Bytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}
