import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  epochToWall,
  formatWall,
  isValidZone,
  parseSourceTime,
  wallToEpoch,
  zoneOffsetMs,
} from './timezone.js';

const utc = (s: string) => Date.parse(s);

describe('naive timestamps in a zone', () => {
  it('Berlin winter is UTC+1, summer UTC+2', () => {
    expect(parseSourceTime('2026-01-15 12:00:00', 'Europe/Berlin')).toBe(utc('2026-01-15T11:00:00Z'));
    expect(parseSourceTime('2026-07-15T12:00:00.250', 'Europe/Berlin')).toBe(utc('2026-07-15T10:00:00.250Z'));
  });

  it('the skipped hour (spring forward) moves forward; the repeated hour (fall back) is the earlier instant', () => {
    // 2026-03-29 02:00 Berlin clocks jump to 03:00: 02:30 does not exist -> 03:30 CEST = 01:30Z.
    expect(parseSourceTime('2026-03-29 02:30:00', 'Europe/Berlin')).toBe(utc('2026-03-29T01:30:00Z'));
    // 2026-10-25 03:00 CEST goes back to 02:00 CET: 02:30 happens twice; the first is 00:30Z.
    expect(parseSourceTime('2026-10-25 02:30:00', 'Europe/Berlin')).toBe(utc('2026-10-25T00:30:00Z'));
    expect(parseSourceTime('2026-10-25 03:30:00', 'Europe/Berlin')).toBe(utc('2026-10-25T02:30:00Z'));
  });

  it('southern hemisphere and half-hour zones', () => {
    expect(parseSourceTime('2026-01-15 12:00', 'Australia/Sydney')).toBe(utc('2026-01-15T01:00:00Z'));
    expect(parseSourceTime('2026-01-15 12:00', 'Asia/Kolkata')).toBe(utc('2026-01-15T06:30:00Z'));
  });

  it('values with a zone, epoch numbers and Date objects are absolute', () => {
    expect(parseSourceTime('2026-01-15T12:00:00Z', 'Europe/Berlin')).toBe(utc('2026-01-15T12:00:00Z'));
    expect(parseSourceTime('2026-01-15 12:00:00+00', 'Europe/Berlin')).toBe(utc('2026-01-15T12:00:00Z'));
    expect(parseSourceTime('2026-01-15T12:00:00+05:30', 'UTC')).toBe(utc('2026-01-15T06:30:00Z'));
    expect(parseSourceTime(1_768_478_400, 'Europe/Berlin')).toBe(1_768_478_400_000);
    expect(parseSourceTime('1768478400000', 'UTC')).toBe(1_768_478_400_000);
    expect(parseSourceTime(1_768_478_400, 'UTC', 'epoch_ms')).toBe(1_768_478_400);
    expect(parseSourceTime(new Date(5), 'UTC')).toBe(5);
  });

  it('rejects what is not a time, saying why', () => {
    expect(parseSourceTime('2026-02-30 00:00:00', 'UTC')).toEqual({
      error: '"2026-02-30 00:00:00" is not a valid date and time',
    });
    expect(parseSourceTime('yesterday', 'UTC')).toMatchObject({
      error: expect.stringContaining('is not a time'),
    });
    expect(parseSourceTime(null, 'UTC')).toEqual({ error: 'is empty' });
    expect(isValidZone('Europe/Berlin')).toBe(true);
    expect(isValidZone('Mars/Olympus')).toBe(false);
  });

  const zones = [
    'Europe/Berlin',
    'America/New_York',
    'Australia/Sydney',
    'Asia/Kolkata',
    'America/St_Johns',
    'UTC',
    'Pacific/Chatham',
  ];

  it('any instant shown as wall time in its zone and read back is the same instant, or the earlier twin in a repeated hour', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: utc('1990-01-01T00:00:00Z'), max: utc('2040-01-01T00:00:00Z') }),
        (zone, t) => {
          const wall = epochToWall(t, zone);
          const back = wallToEpoch(wall, zone);
          expect(formatWall(epochToWall(back, zone))).toBe(formatWall(wall));
          expect(back).toBeLessThanOrEqual(t);
          if (back !== t) expect(t - back).toBe(zoneOffsetMs(zone, back) - zoneOffsetMs(zone, t)); // the DST shift
        },
      ),
      { numRuns: 2000 },
    );
  });
});
