import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIsoTimestamp } from './iso-time.js';

describe('parseIsoTimestamp', () => {
  it.each([
    ['2024-11-27T10:00:00Z', Date.UTC(2024, 10, 27, 10)],
    ['2024-11-27T10:00:00.123Z', Date.UTC(2024, 10, 27, 10, 0, 0, 123)],
    ['2024-11-27T10:00:00.1Z', Date.UTC(2024, 10, 27, 10, 0, 0, 100)],
    ['2024-11-27T10:00:00.123999999Z', Date.UTC(2024, 10, 27, 10, 0, 0, 123)],
    ['2024-11-27T10:00:00,5Z', Date.UTC(2024, 10, 27, 10, 0, 0, 500)],
    ['2024-11-27T10:00Z', Date.UTC(2024, 10, 27, 10)],
    ['2024-11-27t10:00:00z', Date.UTC(2024, 10, 27, 10)],
    ['2024-11-27T11:00:00+01:00', Date.UTC(2024, 10, 27, 10)],
    ['2024-11-27T11:00:00+0100', Date.UTC(2024, 10, 27, 10)],
    ['2024-11-27T11:00:00+01', Date.UTC(2024, 10, 27, 10)],
    ['2024-11-27T04:30:00-05:30', Date.UTC(2024, 10, 27, 10)],
    ['2024-11-28T00:00:00+14:00', Date.UTC(2024, 10, 27, 10)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['0050-01-01T00:00:00Z', Date.parse('0050-01-01T00:00:00Z')],
    ['1969-12-31T23:59:59.999Z', -1],
  ])('%s', (text, ms) => {
    expect(parseIsoTimestamp(text)).toBe(ms);
  });

  it.each(['2024-11-27T10:00:00', '2024-11-27T10:00:00.123', '2024-11-27T10:00'])(
    'refuses %s for want of a zone, and says how to fix it',
    (text) => {
      expect(parseIsoTimestamp(text)).toBe(
        `ts "${text}" has no time zone; add "Z" for UTC or an offset such as "+01:00"`,
      );
    },
  );

  it.each([
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-00-10T00:00:00Z',
    '2024-11-27T24:00:00Z',
    '2024-11-27T10:60:00Z',
    '2024-11-27T10:00:60Z',
    '2024-11-27T10:00:00+24:00',
    '2024-11-27T10:00:00+01:60',
  ])('refuses the impossible date-time %s', (text) => {
    expect(parseIsoTimestamp(text)).toBe(
      `ts "${text}" is not a valid date-time (check the month, day, time and offset)`,
    );
  });

  it.each([
    '',
    'yesterday',
    '2024-11-27',
    '2024-11-27 10:00:00Z',
    '27/11/2024 10:00',
    '1732700000000',
    '+2024-11-27T10:00:00Z',
    '2024-11-27T10:00:00+013',
  ])('refuses %j as not ISO-8601', (text) => {
    expect(parseIsoTimestamp(text)).toMatch(
      /is not an ISO-8601 date-time; use e.g. "2024-11-27T10:00:00Z" or epoch milliseconds$/,
    );
  });

  it('agrees with Date for every instant it can print', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0000-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (d) => {
          expect(parseIsoTimestamp(d.toISOString())).toBe(d.getTime());
        },
      ),
    );
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(['number', 'string']).toContain(typeof parseIsoTimestamp(s));
      }),
    );
  });
});
