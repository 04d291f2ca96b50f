import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlertEvent, AlertState } from './alert-state.js';
import type { RuleInput } from './rule.js';
import { transition } from './state-machine.js';
import { brief, Driver, inputFor, xRule } from './testing/harness.js';

const ruleArb = fc
  .record({
    forMs: fc.constantFrom(0, 50, 300),
    clear: fc.constantFrom(undefined, { type: 'deadband' as const, deadband: 10 }),
    renotifyMs: fc.constantFrom(undefined, 200),
    flapping: fc.constantFrom(undefined, { maxChanges: 3, windowMs: 500 }),
    condition: fc.constantFrom<RuleInput['condition']>(
      { type: 'threshold', parameter: 'x', op: '>', value: 50 },
      { type: 'noData', parameter: 'x', afterMs: 250 },
    ),
  })
  // A deadband needs a threshold to clear from.
  .map((r) => (r.condition.type === 'noData' ? { ...r, clear: undefined } : r));

type Op =
  | { kind: 'reading'; sensor: number; ts: number; value: number }
  | { kind: 'tick'; advance: number }
  | { kind: 'ack' | 'resolve'; sensor: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('reading' as const),
      sensor: fc.integer({ min: 0, max: 1 }),
      ts: fc.integer({ min: 0, max: 3000 }),
      value: fc.integer({ min: 0, max: 100 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), advance: fc.integer({ min: 0, max: 400 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom('ack' as const, 'resolve' as const),
      sensor: fc.integer({ min: 0, max: 1 }),
    }),
  },
);

/** Checks the event stream of one fingerprint: one open alert at a time, events only where they make sense. */
class Auditor {
  open = false;
  firings = 0;
  lastStateEventTs = -Infinity;
  check(events: AlertEvent[], state: AlertState, forMs: number): void {
    for (const e of events) {
      switch (e.kind) {
        case 'pending':
          expect(this.open).toBe(false);
          break;
        case 'firing':
          expect(this.open).toBe(false);
          expect(e.ts - e.activeSince).toBe(forMs);
          this.open = true;
          this.firings++;
          break;
        case 'resolved':
          expect(this.open).toBe(true);
          expect(this.firings).toBe(1);
          this.open = false;
          this.firings = 0;
          break;
        default:
          expect(this.open).toBe(true);
      }
      if (e.kind === 'pending' || e.kind === 'firing' || e.kind === 'resolved' || e.kind === 'flapping') {
        expect(e.ts).toBeGreaterThanOrEqual(this.lastStateEventTs);
        this.lastStateEventTs = e.ts;
      }
    }
    expect(state.status === 'firing').toBe(this.open);
  }
}

describe('alert lifecycle properties', () => {
  it('for any readings (out of order, duplicated), ticks, acks and manual resolves: one open alert per fingerprint, coherent events, no pending past forMs, redelivery is silent', () => {
    fc.assert(
      fc.property(ruleArb, fc.array(opArb, { maxLength: 80 }), (r, ops) => {
        const rule = xRule(r);
        const drivers = [new Driver(rule), new Driver(rule)];
        const auditors = [new Auditor(), new Auditor()];
        let now = 0;
        for (const op of ops) {
          if (op.kind === 'tick') {
            now += op.advance;
            drivers.forEach((d, i) => {
              auditors[i]!.check(d.tick(now), d.state ?? { status: 'inactive', changes: [] }, rule.forMs);
              if (d.state?.status === 'pending') expect(now).toBeLessThan(d.state.activeSince! + rule.forMs);
            });
            continue;
          }
          const d = drivers[op.sensor]!;
          if (op.kind === 'reading') {
            const input = inputFor(rule, op.ts, op.value);
            const before = d.state;
            const events = d.input(input);
            if (before?.watermark !== undefined && op.ts < before.watermark) {
              expect(events).toEqual([]);
              expect({ ...d.state, lastSeenTs: 0 }).toEqual({ ...before, lastSeenTs: 0 });
            }
            auditors[op.sensor]!.check(events, d.state!, rule.forMs);
            // Idempotence: the same reading again changes nothing.
            const again = transition(d.state, input, rule);
            expect(again.events).toEqual([]);
            expect(again.state).toEqual(d.state);
          } else if (d.state?.status === 'firing') {
            const events = op.kind === 'ack' ? d.ack('ana', now) : d.resolve('ana', now);
            auditors[op.sensor]!.check(events, d.state, rule.forMs);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});

/** A straightforward model of the simplest rule (x > 50, forMs, in-order readings, sample and hold). */
function reference(readings: Array<[number, number]>, forMs: number): string[] {
  const out: string[] = [];
  let open = false;
  let pendingSince: number | undefined;
  for (const [ts, v] of readings) {
    const c = v > 50;
    if (pendingSince !== undefined && ts >= pendingSince + forMs) {
      out.push(`firing@${pendingSince + forMs}`);
      open = true;
      pendingSince = undefined;
    }
    if (open) {
      if (!c) {
        out.push(`resolved@${ts}`);
        open = false;
      }
    } else if (pendingSince !== undefined) {
      if (!c) pendingSince = undefined;
    } else if (c) {
      if (forMs === 0) {
        out.push(`firing@${ts}`);
        open = true;
      } else {
        out.push(`pending@${ts}`);
        pendingSince = ts;
      }
    }
  }
  return out;
}

const readingsArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 100 })), {
  maxLength: 40,
});

describe('alert lifecycle against a reference model', () => {
  it('in-order readings give exactly the reference events', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 100, 700), readingsArb, (forMs, raw) => {
        const readings = raw.sort((a, b) => a[0] - b[0]);
        const d = new Driver(xRule({ forMs }));
        for (const [ts, v] of readings) d.reading(ts, v);
        expect(brief(d.log)).toEqual(reference(readings, forMs));
      }),
      { numRuns: 500 },
    );
  });

  it('out-of-order readings act as the in-order readings that were newest when they came', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 100, 700), readingsArb, (forMs, readings) => {
        const d = new Driver(xRule({ forMs }));
        for (const [ts, v] of readings) d.reading(ts, v);
        let newest = -Infinity;
        const effective = readings.filter(([ts]) => ts >= newest && ((newest = ts), true));
        expect(brief(d.log)).toEqual(reference(effective, forMs));
      }),
      { numRuns: 500 },
    );
  });

  it('events do not depend on how often the engine ticks', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 100, 700),
        readingsArb,
        fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 30 }),
        (forMs, raw, tickTimes) => {
          const readings = raw.sort((a, b) => a[0] - b[0]);
          const end = (readings.at(-1)?.[0] ?? 0) + 1000;
          const lazy = new Driver(xRule({ forMs }));
          for (const [ts, v] of readings) lazy.reading(ts, v);
          lazy.tick(end);
          // Ticks anywhere between readings (never past the next one, as a wall clock would not be).
          const busy = new Driver(xRule({ forMs }));
          const ticks = tickTimes.sort((a, b) => a - b);
          let t = 0;
          for (const [ts, v] of readings) {
            while (t < ticks.length && ticks[t]! <= ts) busy.tick(ticks[t++]!);
            busy.reading(ts, v);
          }
          busy.tick(end);
          expect(brief(busy.log)).toEqual(brief(lazy.log));
        },
      ),
      { numRuns: 500 },
    );
  });
});
