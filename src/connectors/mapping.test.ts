import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileMapping, numericValue } from './mapping.js';
import type { Mapping } from './spec.js';
import { parseSourceTime } from './timezone.js';

const wide: Mapping = {
  timestamp: { column: 'ts', zone: 'Europe/Berlin', format: 'auto' },
  location: { value: 'plant' },
  asset: { column: 'meter' },
  sensor: { value: 'main' },
  readings: Array.from({ length: 10 }, (_, i) => ({
    column: `m${i}`,
    parameter: `energy_${i}`,
    unit: 'Wh',
    targetUnit: 'kWh',
  })),
};

describe('rows to readings', () => {
  it('unpivots a wide row with ten meter columns into ten readings, converted, at the UTC instant', () => {
    const m = compileMapping(wide, ['id']);
    const row = {
      id: 1,
      ts: '2026-01-15 12:00:00',
      meter: 'mt-1',
      ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`m${i}`, 1000 * (i + 1)])),
    };
    const out = m.map('acme', [row]);
    expect(out.deadLetters).toEqual([]);
    expect(out.readings).toHaveLength(10);
    expect(out.readings[3]).toEqual({
      tenant: 'acme',
      location: 'plant',
      asset: 'mt-1',
      sensor: 'main',
      parameter: 'energy_3',
      ts: Date.parse('2026-01-15T11:00:00Z'),
      value: 4,
    });
  });

  it('converts Fahrenheit to the sensor type unit given by targetUnits', () => {
    const m = compileMapping(
      { ...wide, readings: [{ column: 't', parameter: 'temp', unit: 'F' }] },
      ['id'],
      new Map([['temp', 'C']]),
    );
    expect(
      m.map('a', [{ id: 1, ts: '2026-01-15 12:00:00', meter: 'x', t: 212 }]).readings[0]?.value,
    ).toBeCloseTo(100, 9);
  });

  it('per-column sensor and a parameter named by a column (narrow tables)', () => {
    const m = compileMapping(
      { ...wide, readings: [{ column: 'val', parameter: { column: 'param' }, sensor: { column: 'probe' } }] },
      ['id'],
    );
    const out = m.map('a', [{ id: 9, ts: 0, meter: 'x', probe: 'p1', param: 'humidity', val: '45.5' }]);
    expect(out.readings).toEqual([
      { tenant: 'a', location: 'plant', asset: 'x', sensor: 'p1', parameter: 'humidity', ts: 0, value: 45.5 },
    ]);
  });

  it('bad rows become dead letters with their key and reason; good values of the same row are kept', () => {
    const m = compileMapping({ ...wide, readings: wide.readings.slice(0, 2) }, ['id']);
    const out = m.map('a', [
      { id: 1, ts: 'garbage', meter: 'x', m0: 1, m1: 2 },
      { id: 2, ts: '2026-01-15 12:00:00', meter: 'bad meter!', m0: 1, m1: 2 },
      { id: 3, ts: '2026-01-15 12:00:00', meter: 'x', m0: 'n/a', m1: 2 },
      { id: 4, ts: '2026-01-15 12:00:00', meter: 'x', m0: null, m1: 5 },
    ]);
    expect(out.deadLetters.map((d) => [d.key, d.field, d.reason])).toEqual([
      ['id=1', 'ts', expect.stringContaining('timestamp "garbage" is not a time')],
      ['id=2', 'meter', expect.stringContaining('asset "bad meter!" must be 1 to 64 characters')],
      ['id=3', 'm0', 'value "n/a" is not a number'],
    ]);
    expect(out.deadLetters[2]?.row).toMatchObject({ id: 3, m0: 'n/a' });
    expect(out.rowsRejected).toBe(2);
    expect(out.readings.map((r) => [r.parameter, r.value])).toEqual([
      ['energy_1', 0.002],
      ['energy_1', 0.005],
    ]);
  });

  it('refuses a unit that cannot become the target, naming the field', () => {
    expect(() =>
      compileMapping(
        { ...wide, readings: [{ column: 't', parameter: 'temp', unit: 'F', targetUnit: 'kW' }] },
        [],
      ),
    ).toThrow(expect.objectContaining({ field: 'mapping.readings[0].unit' }));
  });

  it('numbers in any form a driver returns', () => {
    expect([
      numericValue('12.50'),
      numericValue(' -3e2 '),
      numericValue(true),
      numericValue(7n),
      numericValue(''),
      numericValue(null),
    ]).toEqual([12.5, -300, 1, 7, null, null]);
    expect(numericValue('12,5')).toEqual({ error: '"12,5" is not a number' });
  });

  it('every row gives a reading per non-empty value cell or a dead letter: nothing is dropped silently', () => {
    const m = compileMapping({ ...wide, readings: wide.readings.slice(0, 3) }, ['id']);
    const cell = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constant(null),
      fc.string({ maxLength: 5 }),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            ts: fc.oneof(fc.constant('2026-05-01 10:00:00'), fc.string({ maxLength: 8 })),
            meter: fc.constantFrom('a', 'b c'),
            m0: cell,
            m1: cell,
            m2: cell,
          }),
          { maxLength: 20 },
        ),
        (rows) => {
          const out = m.map(
            't',
            rows.map((r, i) => ({ ...r, id: i })),
          );
          let expected = 0;
          for (const r of rows) {
            const rowOk = typeof parseSourceTime(r.ts, 'Europe/Berlin') === 'number' && r.meter === 'a';
            if (!rowOk) {
              expected++;
              continue;
            }
            for (const v of [r.m0, r.m1, r.m2]) if (numericValue(v) !== null) expected++;
          }
          expect(out.readings.length + out.deadLetters.length).toBe(expected);
          for (const r of out.readings) expect(Number.isFinite(r.value)).toBe(true);
        },
      ),
    );
  });
});
