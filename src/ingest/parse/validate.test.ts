import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../reading.js';
import { KEY_PATTERN, validateReading, validateReadings, type ValidationPolicy } from './validate.js';

const NOW = Date.UTC(2024, 10, 27, 10, 0, 0);
const POLICY: ValidationPolicy = { now: NOW, maxPastMs: 7 * 86_400_000, maxFutureMs: 300_000 };
const GOOD: Reading = {
  tenant: 'acme',
  location: 'hq',
  asset: 'chiller-1',
  sensor: 't1',
  parameter: 'temp',
  ts: NOW,
  value: 21.5,
};

describe('validateReading', () => {
  it('accepts a well-formed reading', () => {
    expect(validateReading(GOOD, POLICY)).toBeNull();
  });

  it.each(['a', 'A9', '0', 'chiller-1', 'site.eu_1', 'a'.repeat(64), 'T-1.2_3'])(
    'accepts the key %s',
    (key) => {
      expect(validateReading({ ...GOOD, sensor: key }, POLICY)).toBeNull();
    },
  );

  it.each(['', '-a', '.a', '_a', 'a b', 'a/b', 'a+b', 'a#', 'é', 'a'.repeat(65), 'a\n', '$share'])(
    'rejects the key %j, naming the field and the rule',
    (key) => {
      expect(validateReading({ ...GOOD, asset: key }, POLICY)).toBe(
        `asset ${JSON.stringify(key)} is invalid: use 1 to 64 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit`,
      );
    },
  );

  it.each(['tenant', 'location', 'asset', 'sensor', 'parameter'] as const)('checks %s', (name) => {
    expect(validateReading({ ...GOOD, [name]: 'bad key' }, POLICY)).toMatch(
      new RegExp(`^${name} "bad key" is invalid`),
    );
  });

  it('says when a key is not a string at all (JS callers)', () => {
    const r = { ...GOOD, sensor: 42 } as unknown as Reading;
    expect(validateReading(r, POLICY)).toBe(
      'sensor must be a string (1 to 64 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit)',
    );
  });

  it.each([NaN, Infinity, -Infinity])('rejects the value %d', (value) => {
    expect(validateReading({ ...GOOD, value }, POLICY)).toBe(`value must be a finite number, got ${value}`);
  });

  it('rejects a value that is not a number', () => {
    expect(validateReading({ ...GOOD, value: '1' as unknown as number }, POLICY)).toBe(
      'value must be a finite number, got string',
    );
  });

  it('accepts timestamps on both edges of the window', () => {
    expect(validateReading({ ...GOOD, ts: NOW - POLICY.maxPastMs }, POLICY)).toBeNull();
    expect(validateReading({ ...GOOD, ts: NOW + POLICY.maxFutureMs }, POLICY)).toBeNull();
  });

  it('rejects timestamps outside the window, giving the window in ISO', () => {
    const window = 'the accepted window 2024-11-20T10:00:00.000Z to 2024-11-27T10:05:00.000Z';
    expect(validateReading({ ...GOOD, ts: NOW - POLICY.maxPastMs - 1 }, POLICY)).toBe(
      `ts 2024-11-20T09:59:59.999Z is outside ${window}`,
    );
    expect(validateReading({ ...GOOD, ts: NOW + POLICY.maxFutureMs + 1 }, POLICY)).toBe(
      `ts 2024-11-27T10:05:00.001Z is outside ${window}`,
    );
  });

  it('describes timestamps beyond what a Date can show without throwing', () => {
    expect(validateReading({ ...GOOD, ts: 9e15 }, POLICY)).toMatch(/^ts 9000000000000000 ms is outside/);
  });

  it.each([1.5, NaN, Infinity, 2 ** 53])('rejects the non-integer or unsafe ts %d', (ts) => {
    expect(validateReading({ ...GOOD, ts }, POLICY)).toBe(
      `ts must be an integer number of UTC epoch milliseconds, got ${ts}`,
    );
  });

  it('reports the first problem in a fixed order: keys, then ts, then value', () => {
    expect(validateReading({ ...GOOD, tenant: '', ts: 1.5, value: NaN }, POLICY)).toMatch(/^tenant/);
    expect(validateReading({ ...GOOD, ts: 1.5, value: NaN }, POLICY)).toMatch(/^ts/);
  });

  it('agrees with KEY_PATTERN on arbitrary keys', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 70 }), (key) => {
        expect(validateReading({ ...GOOD, parameter: key }, POLICY) === null).toBe(KEY_PATTERN.test(key));
      }),
    );
  });
});

describe('validateReadings', () => {
  it('keeps the good readings in order and rejects the bad by index and field', () => {
    const bad1 = { ...GOOD, sensor: 'a b' };
    const bad3 = { ...GOOD, value: NaN };
    const good2 = { ...GOOD, parameter: 'hum' };
    const result = validateReadings([GOOD, bad1, good2, bad3], POLICY);
    expect(result.readings).toEqual([GOOD, good2]);
    expect(result.rejections).toEqual([
      { index: 1, field: 'sensor', reason: expect.stringMatching(/^sensor "a b" is invalid/) },
      { index: 3, field: 'value', reason: 'value must be a finite number, got NaN' },
    ]);
  });

  it('returns empty lists for an empty batch', () => {
    expect(validateReadings([], POLICY)).toEqual({ readings: [], rejections: [] });
  });
});
