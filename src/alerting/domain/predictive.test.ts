import { describe, expect, it } from 'vitest';
import { DataInsightError } from '../../platform/errors.js';
import { replay, type ReplayReading } from '../manage/replay.js';
import { evaluateCondition, observed, type ConditionContext } from './conditions.js';
import { scoreAnomaly, trendForecast } from './predictive.js';
import { validateRule, type Condition, type RuleInput } from './rule.js';

const MIN = 60_000;
const rule = (condition: unknown, extra: Partial<RuleInput> = {}) =>
  validateRule({ id: 'r1', tenant: 't', name: 'n', title: 'x', priority: 'high', condition, ...extra });
const fieldOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as DataInsightError).field;
  }
  return undefined;
};
/** A cold room warming 0.1 C a minute: 5.0 C at minute 0. */
const warming = (m: number) => ({ ts: m * MIN, value: 5 + 0.1 * m });

describe('predictive conditions: validation', () => {
  it('accepts an anomaly and a forecast condition', () => {
    expect(rule({ type: 'anomaly', parameter: 'temp', above: 0.5 }).condition.type).toBe('anomaly');
    const r = rule({ type: 'forecast', parameter: 'temp', op: '>', value: 8, horizonMs: 30 * MIN });
    expect(r.condition).toMatchObject({ type: 'forecast', horizonMs: 30 * MIN });
  });
  it('names the field at fault', () => {
    expect(fieldOf(() => rule({ type: 'anomaly', parameter: 'temp', above: 1.5 }))).toBe('condition.above');
    expect(
      fieldOf(() => rule({ type: 'forecast', parameter: 'temp', op: '=', value: 8, horizonMs: MIN })),
    ).toBe('condition.op');
    expect(
      fieldOf(() => rule({ type: 'forecast', parameter: 'temp', op: '>', value: 8, horizonMs: 0 })),
    ).toBe('condition.horizonMs');
    const deadband = () =>
      rule(
        { type: 'forecast', parameter: 'temp', op: '>', value: 8, horizonMs: MIN },
        { clear: { type: 'deadband', deadband: 1 } },
      );
    expect(fieldOf(deadband)).toBe('clear.type');
  });
});

describe('trend forecast', () => {
  it('projects the least-squares line: 6.0 at minute 10 + 30 min is 5 + 0.1 x 40 = 9', () => {
    const w = Array.from({ length: 10 }, (_, m) => warming(m));
    expect(trendForecast(w, warming(10), 40 * MIN, 30 * MIN)).toBeCloseTo(9, 9);
  });
  it('is unknown with fewer than 5 samples, or samples spanning under a quarter of the lookback', () => {
    expect(trendForecast([warming(8), warming(9)], warming(10), 40 * MIN, 30 * MIN)).toBeUndefined();
    const dense = Array.from({ length: 20 }, (_, i) => ({ ts: 10 * MIN - (i + 1) * 1000, value: 6 }));
    expect(trendForecast(dense, warming(10), 120 * MIN, 30 * MIN)).toBeUndefined();
  });
});

describe('evaluating the predictive conditions', () => {
  const forecast = (op: '>' | '>=' | '<', value: number): Condition => ({
    type: 'forecast',
    parameter: 'temp',
    op,
    value,
    horizonMs: 30 * MIN,
    lookbackMs: 40 * MIN,
  });
  const ctxAt = (m: number): ConditionContext => ({
    parameter: 'temp',
    ...warming(m),
    window: Array.from({ length: m }, (_, i) => warming(i)),
  });
  it('fires when the trend crosses the threshold within the horizon', () => {
    // minute 10: 6.0 C now, 9.0 C in 30 min
    expect(evaluateCondition(forecast('>', 8), ctxAt(10))).toBe(true);
    expect(evaluateCondition(forecast('>', 9.5), ctxAt(10))).toBe(false);
    expect(evaluateCondition(forecast('<', 5), ctxAt(10))).toBe(false);
    expect(observed(forecast('>', 8), ctxAt(10))).toEqual({ value: expect.closeTo(9, 9), threshold: 8 });
    expect(evaluateCondition(forecast('>', 8), ctxAt(2))).toBe('unknown');
  });
  it('compares the anomaly score, unknown while the detector warms up', () => {
    const c: Condition = { type: 'anomaly', parameter: 'temp', above: 0.4 };
    const base = { parameter: 'temp', ts: 0, value: 1 };
    expect(evaluateCondition(c, { ...base, anomalyScore: 0.6 })).toBe(true);
    expect(evaluateCondition(c, { ...base, anomalyScore: 0.2 })).toBe(false);
    expect(evaluateCondition(c, base)).toBe('unknown');
    expect(observed(c, { ...base, anomalyScore: 0.6 })).toEqual({ value: 0.6, threshold: 0.4 });
  });
  it('scores a redelivered reading the same without moving the detector', () => {
    let mem;
    for (let i = 0; i < 50; i++) mem = scoreAnomaly(mem, { ts: i, value: i % 3 }).mem;
    const once = scoreAnomaly(mem, { ts: 50, value: 9 });
    const again = scoreAnomaly(once.mem, { ts: 50, value: 9 });
    expect(again.score).toBe(once.score);
    expect(again.mem).toBe(once.mem);
    expect(scoreAnomaly(undefined, { ts: 0, value: 1 }).score).toBeUndefined();
  });
});

describe('predictive rules through the alert lifecycle (replay)', () => {
  const reading = (m: number, value: number): ReplayReading => ({
    location: 'hq',
    asset: 'cold-room',
    sensor: 't1',
    parameter: 'temp',
    ts: m * MIN,
    value,
  });
  it('a cold room that will pass 8 C within 30 minutes fires before it does, and resolves when it cools', () => {
    const r = rule({
      type: 'forecast',
      parameter: 'temp',
      op: '>',
      value: 8,
      horizonMs: 30 * MIN,
      lookbackMs: 20 * MIN,
    });
    const readings = [
      ...Array.from({ length: 30 }, (_, m) => reading(m, 4)), // steady at 4 C
      ...Array.from({ length: 20 }, (_, i) => reading(30 + i, 4 + 0.1 * (i + 1))), // warming
      ...Array.from({ length: 40 }, (_, i) => reading(50 + i, 6 - 0.05 * (i + 1))), // cooling again
    ];
    const events = replay(r, readings, 90 * MIN);
    const firing = events.find((e) => e.kind === 'firing')!;
    expect(firing).toBeDefined();
    // it fires while the room is still well below 8 C
    expect(readings.find((x) => x.ts === firing.ts)!.value).toBeLessThan(6.5);
    expect(events.some((e) => e.kind === 'resolved' && e.ts > firing.ts)).toBe(true);
  });
  it('an anomaly rule fires on a spike after a calm period', () => {
    const r = rule({ type: 'anomaly', parameter: 'temp', above: 0.4 });
    const calm = Array.from({ length: 300 }, (_, m) => reading(m, 4 + 0.1 * Math.sin(m / 3)));
    const events = replay(
      r,
      [...calm, reading(300, 12), ...Array.from({ length: 50 }, (_, i) => reading(301 + i, 4))],
      400 * MIN,
    );
    expect(events.find((e) => e.kind === 'firing')?.ts).toBe(300 * MIN);
  });
});
