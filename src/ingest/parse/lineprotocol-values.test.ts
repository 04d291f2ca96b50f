import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFieldValue, decodeTimestamp, encodeTimestamp, type Precision } from './lineprotocol-values.js';

const PRECISIONS: Precision[] = ['ns', 'us', 'ms', 's'];
const SCALE_NS: Record<Precision, bigint> = { ns: 1n, us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n };
const INT64_NS_LIMIT = 9_223_372_036_854_775_806n;

describe('decodeTimestamp', () => {
  it('accepts exactly the values whose nanoseconds fit the protocol range, and floors them to ms', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PRECISIONS),
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
        (p, value) => {
          const ns = value * SCALE_NS[p];
          const result = decodeTimestamp(String(value), p);
          if (ns > INT64_NS_LIMIT || ns < -INT64_NS_LIMIT) {
            expect(result).toBe(`timestamp "${value}" is out of range for precision ${p}`);
          } else {
            const floored = ns >= 0n ? ns / 1_000_000n : -((-ns + 999_999n) / 1_000_000n);
            expect(result).toBe(Number(floored));
          }
        },
      ),
    );
  });

  it('ignores leading zeros when checking the range', () => {
    expect(decodeTimestamp(`000000${'9223372036854775806'}`, 'ns')).toBe(9_223_372_036_854);
    expect(decodeTimestamp('-000', 'ns')).toBe(0);
  });

  it('shortens a huge bad timestamp in the reason', () => {
    expect(decodeTimestamp('9'.repeat(10_000), 'ns')).toBe(
      `timestamp "${'9'.repeat(40)}..." is out of range for precision ns`,
    );
  });
});

describe('encodeTimestamp', () => {
  it('is the inverse of decodeTimestamp wherever the precision can carry the value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PRECISIONS), fc.maxSafeInteger(), (p, ms) => {
        const text = encodeTimestamp(ms, p);
        if (text !== undefined) expect(decodeTimestamp(text, p)).toBe(ms);
        else expect(Math.abs(ms) > 9_223_372_036_854 || (p === 's' && ms % 1000 !== 0)).toBe(true);
      }),
    );
  });

  it('refuses what it cannot write exactly', () => {
    expect(encodeTimestamp(1.5, 'ms')).toBeUndefined();
    expect(encodeTimestamp(NaN, 'ms')).toBeUndefined();
    expect(encodeTimestamp(1001, 's')).toBeUndefined();
    expect(encodeTimestamp(9_223_372_036_855, 'ms')).toBeUndefined();
  });
});

describe('decodeFieldValue', () => {
  it('gives float, integer and unsigned the types their suffix says', () => {
    expect(decodeFieldValue('k', '12')).toEqual({ type: 'float', value: 12 });
    expect(decodeFieldValue('k', '12i')).toEqual({ type: 'integer', value: 12n });
    expect(decodeFieldValue('k', '12u')).toEqual({ type: 'unsigned', value: 12n });
  });

  it('parses every integer in range exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
        expect(decodeFieldValue('k', `${n}i`)).toEqual({ type: 'integer', value: n });
      }),
    );
  });

  it('parses every finite double from its shortest text exactly', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = Object.is(x, -0) ? '-0' : String(x);
        expect(decodeFieldValue('k', text)).toEqual({ type: 'float', value: x });
      }),
    );
  });
});
