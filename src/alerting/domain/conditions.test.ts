import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateClear,
  evaluateCondition,
  observed,
  pushSample,
  type ConditionContext,
  type Sample,
} from './conditions.js';
import { COMPARISON_OPS, validateRule, type Condition, type RuleInput } from './rule.js';

const MIN = 60_000;
const T = 1_000_000_000;

function rule(condition: unknown, extra: Partial<RuleInput> = {}) {
  return validateRule({ id: 'r', tenant: 't', name: 'n', title: 't', priority: 'low', condition, ...extra });
}
const cond = (c: unknown): Condition => rule(c).condition;
const ctx = (parameter: string, value: number, more: Partial<ConditionContext> = {}): ConditionContext => ({
  parameter,
  value,
  ts: T,
  ...more,
});
const latest = (entries: Record<string, [number, number]>) =>
  new Map(Object.entries(entries).map(([k, [value, age]]) => [k, { value, ts: T - age }]));

describe('threshold', () => {
  const expected: Record<(typeof COMPARISON_OPS)[number], [boolean, boolean, boolean]> = {
    '>': [false, false, true],
    '>=': [false, true, true],
    '<': [true, false, false],
    '<=': [true, true, false],
    '=': [false, true, false],
    '!=': [true, false, true],
  };
  for (const op of COMPARISON_OPS) {
    it(`${op} 30 on 29, 30, 31`, () => {
      const c = cond({ type: 'threshold', parameter: 'temp', op, value: 30 });
      expect([29, 30, 31].map((v) => evaluateCondition(c, ctx('temp', v)))).toEqual(expected[op]);
    });
  }

  it('reads the asset latest value when the reading is of another parameter, unknown without it', () => {
    const c = cond({ type: 'threshold', parameter: 'temp', op: '>', value: 30 });
    expect(evaluateCondition(c, ctx('humidity', 50, { latest: latest({ temp: [31, 0] }) }))).toBe(true);
    expect(evaluateCondition(c, ctx('humidity', 50))).toBe('unknown');
  });
});

describe('band', () => {
  const values = [19, 20, 25, 30, 31];
  it('outside fires strictly outside [low, high]', () => {
    const c = cond({ type: 'band', parameter: 'h', low: 20, high: 30 });
    expect(values.map((v) => evaluateCondition(c, ctx('h', v)))).toEqual([true, false, false, false, true]);
  });
  it('inside fires within [low, high], bounds included', () => {
    const c = cond({ type: 'band', parameter: 'h', mode: 'inside', low: 20, high: 30 });
    expect(values.map((v) => evaluateCondition(c, ctx('h', v)))).toEqual([false, true, true, true, false]);
  });
});

describe('rate of change over a window', () => {
  const c = cond({ type: 'rate', parameter: 't', windowMs: 10 * MIN, op: '>', value: 5 });
  const w = (...pts: Array<[number, number]>): Sample[] =>
    pts.map(([age, value]) => ({ ts: T - age, value }));

  it('compares the value now with the value in force one window ago', () => {
    expect(evaluateCondition(c, ctx('t', 26, { window: w([11 * MIN, 20], [5 * MIN, 30]) }))).toBe(true);
    expect(evaluateCondition(c, ctx('t', 25, { window: w([11 * MIN, 20], [5 * MIN, 30]) }))).toBe(false);
    // The base is the newest sample at or before the window start, not the oldest one.
    expect(evaluateCondition(c, ctx('t', 26, { window: w([15 * MIN, 0], [10 * MIN, 22]) }))).toBe(false);
  });

  it('is unknown without a sample as old as the window, or with only one older than two windows', () => {
    expect(evaluateCondition(c, ctx('t', 100, { window: w([9 * MIN, 0]) }))).toBe('unknown');
    expect(evaluateCondition(c, ctx('t', 100))).toBe('unknown');
    expect(evaluateCondition(c, ctx('t', 100, { window: w([21 * MIN, 0]) }))).toBe('unknown');
    expect(evaluateCondition(c, ctx('t', 100, { window: w([20 * MIN, 0]) }))).toBe(true);
  });

  it('falls with <, and either way with abs', () => {
    const fall = cond({ type: 'rate', parameter: 't', windowMs: MIN, op: '<', value: -5 });
    const either = cond({ type: 'rate', parameter: 't', windowMs: MIN, op: '>', value: 5, abs: true });
    const win = { window: w([MIN, 20]) };
    expect(evaluateCondition(fall, ctx('t', 14, win))).toBe(true);
    expect(evaluateCondition(fall, ctx('t', 26, win))).toBe(false);
    expect([14, 20, 26].map((v) => evaluateCondition(either, ctx('t', v, win)))).toEqual([true, false, true]);
  });
});

describe('no data', () => {
  it('a reading of the parameter is data; other readings tell nothing', () => {
    const c = cond({ type: 'noData', parameter: 't', afterMs: MIN });
    expect(evaluateCondition(c, ctx('t', 1))).toBe(false);
    expect(evaluateCondition(c, ctx('h', 1))).toBe('unknown');
  });
});

describe('state mismatch: commanded on but no current', () => {
  const c = cond({
    type: 'stateMismatch',
    when: { parameter: 'cmd_on', op: '=', value: 1 },
    expect: { parameter: 'current', op: '>=', value: 0.5 },
    maxAgeMs: 5 * MIN,
  });
  // Every combination of the command (on, off, missing, stale) and the current (ok, low, missing, stale).
  const cmd: Record<string, [number, number] | undefined> = {
    on: [1, 0],
    off: [0, 0],
    missing: undefined,
    stale: [1, 6 * MIN],
  };
  const cur: Record<string, [number, number] | undefined> = {
    ok: [2, 0],
    low: [0.1, 0],
    missing: undefined,
    stale: [0.1, 6 * MIN],
  };
  const want: Record<string, Record<string, boolean | 'unknown'>> = {
    on: { ok: false, low: true, missing: 'unknown', stale: 'unknown' },
    off: { ok: false, low: false, missing: false, stale: false },
    missing: { ok: 'unknown', low: 'unknown', missing: 'unknown', stale: 'unknown' },
    stale: { ok: 'unknown', low: 'unknown', missing: 'unknown', stale: 'unknown' },
  };
  for (const [cName, cVal] of Object.entries(cmd)) {
    for (const [iName, iVal] of Object.entries(cur)) {
      it(`command ${cName}, current ${iName} -> ${String(want[cName]![iName])}`, () => {
        const entries: Record<string, [number, number]> = {};
        if (cVal) entries['cmd_on'] = cVal;
        if (iVal) entries['current'] = iVal;
        expect(evaluateCondition(c, ctx('other', 0, { latest: latest(entries) }))).toBe(want[cName]![iName]);
      });
    }
  }
  it('uses the reading itself for its own parameter', () => {
    expect(evaluateCondition(c, ctx('current', 0.2, { latest: latest({ cmd_on: [1, 0] }) }))).toBe(true);
  });
});

describe('expression', () => {
  const c = cond({ type: 'expression', expr: 'power_kw / cooling_tons > 1.2', maxAgeMs: MIN });
  it('evaluates over the reading and the asset latest values', () => {
    expect(evaluateCondition(c, ctx('power_kw', 130, { latest: latest({ cooling_tons: [100, 0] }) }))).toBe(
      true,
    );
    expect(evaluateCondition(c, ctx('power_kw', 110, { latest: latest({ cooling_tons: [100, 0] }) }))).toBe(
      false,
    );
  });
  it('is unknown with a missing or stale parameter or a division by zero', () => {
    expect(evaluateCondition(c, ctx('power_kw', 130))).toBe('unknown');
    expect(
      evaluateCondition(c, ctx('power_kw', 130, { latest: latest({ cooling_tons: [100, 2 * MIN] }) })),
    ).toBe('unknown');
    expect(evaluateCondition(c, ctx('power_kw', 0, { latest: latest({ cooling_tons: [0, 0] }) }))).toBe(
      'unknown',
    );
  });
  it('offers the compared sides as {{value}} and {{threshold}}', () => {
    expect(observed(c, ctx('power_kw', 130, { latest: latest({ cooling_tons: [100, 0] }) }))).toEqual({
      value: 1.3,
      threshold: 1.2,
    });
  });
});

describe('clear: deadband hysteresis and clear conditions', () => {
  const thresholdCases: Array<[string, number, boolean[]]> = [
    // op, limit 30, deadband 2, values 27, 28, 29, 31, 32, 33
    ['>', 30, [true, true, false, false, false, false]],
    ['>=', 30, [true, false, false, false, false, false]],
    ['<', 30, [false, false, false, false, true, true]],
    ['<=', 30, [false, false, false, false, false, true]],
  ];
  for (const [op, limit, want] of thresholdCases) {
    it(`${op} ${limit} with deadband 2 clears only past ${limit} by 2`, () => {
      const r = rule(
        { type: 'threshold', parameter: 'x', op, value: limit },
        { clear: { type: 'deadband', deadband: 2 } },
      );
      expect([27, 28, 29, 31, 32, 33].map((v) => evaluateClear(r, ctx('x', v)))).toEqual(want);
    });
  }

  it('a band clears well inside (outside mode) or well outside (inside mode)', () => {
    const out = rule(
      { type: 'band', parameter: 'x', low: 20, high: 30 },
      { clear: { type: 'deadband', deadband: 2 } },
    );
    expect([21, 22, 28, 29].map((v) => evaluateClear(out, ctx('x', v)))).toEqual([false, true, true, false]);
    const inside = rule(
      { type: 'band', parameter: 'x', mode: 'inside', low: 20, high: 30 },
      { clear: { type: 'deadband', deadband: 2 } },
    );
    expect([17, 18, 19, 31, 32, 33].map((v) => evaluateClear(inside, ctx('x', v)))).toEqual([
      true,
      false,
      false,
      false,
      false,
      true,
    ]);
  });

  it('a rate clears when the change falls below the limit by the deadband', () => {
    const r = rule(
      { type: 'rate', parameter: 'x', windowMs: MIN, op: '>', value: 5 },
      { clear: { type: 'deadband', deadband: 2 } },
    );
    const window = [{ ts: T - MIN, value: 0 }];
    expect([2, 3, 4].map((v) => evaluateClear(r, ctx('x', v, { window })))).toEqual([true, true, false]);
    expect(evaluateClear(r, ctx('x', 2))).toBe('unknown');
  });

  it('an explicit clear condition is evaluated as such; no clear is undefined', () => {
    const r = rule(
      { type: 'threshold', parameter: 'x', op: '>', value: 30 },
      {
        clear: { type: 'condition', condition: { type: 'threshold', parameter: 'mode', op: '=', value: 0 } },
      },
    );
    expect(evaluateClear(r, ctx('x', 10, { latest: latest({ mode: [0, 0] }) }))).toBe(true);
    expect(evaluateClear(r, ctx('x', 10))).toBe('unknown');
    expect(
      evaluateClear(rule({ type: 'threshold', parameter: 'x', op: '>', value: 30 }), ctx('x', 10)),
    ).toBeUndefined();
  });

  it('a zero deadband clears exactly when the condition is false', () => {
    fc.assert(
      fc.property(fc.constantFrom('>', '>=', '<', '<='), fc.integer({ min: -5, max: 5 }), (op, v) => {
        const r = rule(
          { type: 'threshold', parameter: 'x', op, value: 0 },
          { clear: { type: 'deadband', deadband: 0 } },
        );
        expect(evaluateClear(r, ctx('x', v))).toBe(!evaluateCondition(r.condition, ctx('x', v)));
      }),
    );
  });
});

describe('observed value and threshold, for templates', () => {
  it('per condition type', () => {
    expect(observed(cond({ type: 'threshold', parameter: 'x', op: '>', value: 3 }), ctx('x', 4))).toEqual({
      value: 4,
      threshold: 3,
    });
    expect(observed(cond({ type: 'band', parameter: 'x', low: 1.5, high: 3 }), ctx('x', 4))).toEqual({
      value: 4,
      threshold: '1.5 to 3',
    });
    expect(observed(cond({ type: 'noData', parameter: 'x', afterMs: 15 * MIN }), ctx('x', 4))).toEqual({
      threshold: '15 min',
    });
    const rate = cond({ type: 'rate', parameter: 'x', windowMs: MIN, op: '>', value: 1 });
    expect(observed(rate, ctx('x', 4, { window: [{ ts: T - MIN, value: 1 }] }))).toEqual({
      value: 3,
      threshold: 1,
    });
  });
});

describe('pushSample keeps a bounded, ordered window', () => {
  it('orders out-of-order samples, replaces a duplicate time, keeps one sample before the window', () => {
    let w: Sample[] = [];
    for (const [ts, value] of [
      [10, 1],
      [30, 3],
      [20, 2],
      [30, 4],
      [100, 5],
      [105, 6],
    ] as const)
      w = pushSample(w, { ts, value }, 80);
    expect(w).toEqual([
      { ts: 20, value: 2 },
      { ts: 30, value: 4 },
      { ts: 100, value: 5 },
      { ts: 105, value: 6 },
    ]);
  });

  it('never grows past its cap, stays sorted, keeps the newest sample and the input unchanged', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ ts: fc.integer({ min: 0, max: 5000 }), value: fc.integer() }), {
          maxLength: 300,
        }),
        (samples) => {
          let w: Sample[] = [];
          let newest = -1;
          for (const s of samples) {
            const before = w.slice();
            const next = pushSample(w, s, 1000, 32);
            expect(w).toEqual(before);
            w = next;
            newest = Math.max(newest, s.ts);
            expect(w.length).toBeLessThanOrEqual(32);
            expect(w.at(-1)!.ts).toBe(newest);
            for (let i = 1; i < w.length; i++) expect(w[i]!.ts).toBeGreaterThan(w[i - 1]!.ts);
            expect(w.filter((x) => x.ts <= newest - 1000).length).toBeLessThanOrEqual(1);
          }
        },
      ),
    );
  });
});
