import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { converter, UNITS } from './units.js';

const conv = (from: string, to: string) => {
  const c = converter(from, to);
  if (typeof c !== 'function') throw new Error(c.error);
  return c;
};

describe('unit conversion', () => {
  it.each([
    ['F', 'C', 32, 0],
    ['F', 'C', 212, 100],
    ['F', 'C', -40, -40],
    ['K', 'C', 273.15, 0],
    ['C', 'F', 37, 98.6],
    ['W', 'kW', 1500, 1.5],
    ['Wh', 'kWh', 2500, 2.5],
    ['kWh', 'MWh', 1234, 1.234],
    ['MWh', 'kWh', 1, 1000],
    ['kJ', 'kWh', 3600, 1],
    ['bar', 'kPa', 1, 100],
    ['l/s', 'm3/h', 1, 3.6],
    ['%', 'ratio', 50, 0.5],
  ])('%s -> %s: %d gives %d', (from, to, v, expected) => {
    expect(conv(from, to)(v)).toBeCloseTo(expected, 9);
  });

  it('refuses units of different dimensions and unknown units, naming them', () => {
    expect(converter('F', 'kW')).toEqual({ error: 'cannot convert F (temperature) to kW (power)' });
    expect(converter('furlong', 'm')).toMatchObject({
      error: expect.stringContaining('unknown unit "furlong"'),
    });
  });

  it('converting there and back gives the value again, for every pair of one dimension', () => {
    const units = Object.keys(UNITS);
    const pairs = units.flatMap((a) =>
      units.filter((b) => UNITS[a]!.dimension === UNITS[b]!.dimension).map((b) => [a, b] as const),
    );
    fc.assert(
      fc.property(fc.constantFrom(...pairs), fc.double({ min: -1e6, max: 1e6, noNaN: true }), ([a, b], v) => {
        const back = conv(b, a)(conv(a, b)(v));
        expect(back).toBeCloseTo(v, 4);
      }),
    );
  });
});
