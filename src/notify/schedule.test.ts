import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRIORITIES } from '../alerting/domain/rule.js';
import { afterQuietHours, nextLocalTime, schedule, zoneOffset } from './schedule.js';

const digest = { every: 'day' as const, at: '08:00' };
const at = (iso: string) => Date.parse(iso);

describe('delivery schedule', () => {
  it('critical is due at once, even in quiet hours', () => {
    const now = at('2026-11-27T23:30:00Z');
    expect(
      schedule({
        priority: 'critical',
        now,
        timeZone: 'UTC',
        quietHours: { start: '22:00', end: '07:00' },
        digest,
      }).dueAt,
    ).toBe(now);
  });

  it('high waits for the batching window, or joins the person’s open batch', () => {
    const now = at('2026-11-27T12:00:00Z');
    expect(schedule({ priority: 'high', now, timeZone: 'UTC', digest }).dueAt).toBe(now + 10_000);
    expect(
      schedule({ priority: 'high', now, timeZone: 'UTC', digest, openGroupDueAt: now + 4000 }).dueAt,
    ).toBe(now + 4000);
    expect(schedule({ priority: 'high', now, timeZone: 'UTC', digest }).deadlineAt).toBe(
      now + 10_000 + 60_000,
    );
  });

  it('medium is grouped after its delay; low goes to the next digest at the person’s local time', () => {
    const now = at('2026-11-27T12:00:00Z');
    expect(schedule({ priority: 'medium', now, timeZone: 'UTC', digest }).dueAt).toBe(now + 300_000);
    // 08:00 in Kolkata (UTC+05:30) is 02:30 UTC; at 12:00 UTC today's has passed: tomorrow's.
    expect(schedule({ priority: 'low', now, timeZone: 'Asia/Kolkata', digest }).dueAt).toBe(
      at('2026-11-28T02:30:00Z'),
    );
    // Weekly on Monday: 2026-11-30 is a Monday.
    expect(
      schedule({ priority: 'low', now, timeZone: 'UTC', digest: { every: 'week', at: '08:00', weekday: 1 } })
        .dueAt,
    ).toBe(at('2026-11-30T08:00:00Z'));
  });

  it('quiet hours across midnight defer to their end in the person’s zone', () => {
    const q = { start: '22:00', end: '07:00' };
    expect(afterQuietHours(at('2026-11-27T23:00:00Z'), q, 'UTC')).toBe(at('2026-11-28T07:00:00Z'));
    expect(afterQuietHours(at('2026-11-28T06:59:00Z'), q, 'UTC')).toBe(at('2026-11-28T07:00:00Z'));
    expect(afterQuietHours(at('2026-11-28T07:00:00Z'), q, 'UTC')).toBe(at('2026-11-28T07:00:00Z'));
    expect(afterQuietHours(at('2026-11-27T21:59:00Z'), q, 'UTC')).toBe(at('2026-11-27T21:59:00Z'));
    // New York is UTC-5 in November: 23:00 local is 04:00 UTC next day.
    expect(afterQuietHours(at('2026-11-28T04:00:00Z'), q, 'America/New_York')).toBe(
      at('2026-11-28T12:00:00Z'),
    );
  });

  it('a digest time is right across a daylight-saving change', () => {
    // Europe/Berlin leaves summer time on 2026-10-25: 08:00 local is 06:00 UTC before, 07:00 UTC after.
    expect(nextLocalTime(at('2026-10-24T12:00:00Z'), '08:00', 'Europe/Berlin')).toBe(
      at('2026-10-25T07:00:00Z'),
    );
    expect(zoneOffset(at('2026-07-01T00:00:00Z'), 'Europe/Berlin')).toBe(2 * 3_600_000);
  });

  it('whatever the input, nothing is due before now and every deadline is after its due time', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PRIORITIES),
        fc.integer({ min: at('2024-01-01T00:00:00Z'), max: at('2030-01-01T00:00:00Z') }),
        fc.constantFrom('UTC', 'Asia/Kolkata', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe'),
        fc.option(fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 23 })), {
          nil: undefined,
        }),
        (priority, now, timeZone, q) => {
          const quietHours = q ? { start: `${q[0]}:00`, end: `${q[1]}:30` } : undefined;
          const s = schedule({ priority, now, timeZone, quietHours, digest });
          expect(s.dueAt).toBeGreaterThanOrEqual(now);
          expect(s.deadlineAt).toBeGreaterThan(s.dueAt);
          if (priority === 'critical') expect(s.dueAt).toBe(now);
          if (priority === 'low') expect(s.dueAt - now).toBeLessThanOrEqual(2 * 86_400_000);
        },
      ),
    );
  });
});
