import { describe, expect, it } from 'vitest';
import { validateRule, type RuleInput } from '../domain/rule.js';
import { replay, type ReplayReading } from './replay.js';

const rule = (extra: Partial<RuleInput>) =>
  validateRule({
    id: 'r1',
    tenant: 't',
    name: 'n',
    title: 'x',
    priority: 'high',
    condition: { type: 'threshold', parameter: 'temp', op: '>', value: 50 },
    ...extra,
  });

const MIN = 60_000;
/** Readings of one series: [minute, value] pairs. */
const series = (at: Partial<ReplayReading>, points: [number, number][]): ReplayReading[] =>
  points.map(([m, value]) => ({
    location: 'hq',
    asset: 'ch-1',
    sensor: 's1',
    parameter: 'temp',
    ...at,
    ts: m * MIN,
    value,
  }));
const byTs = (rs: ReplayReading[]) => [...rs].sort((a, b) => a.ts - b.ts);
const brief = (events: ReturnType<typeof replay>) => events.map((e) => `${e.kind}@${e.ts / MIN}=${e.value}`);

describe('replay (dry run)', () => {
  it('a threshold fires when crossed and resolves when back, with the reading values', () => {
    const events = replay(
      rule({}),
      series({}, [
        [0, 40],
        [1, 60],
        [2, 70],
        [3, 40],
      ]),
      10 * MIN,
    );
    expect(brief(events)).toEqual(['firing@1=60', 'resolved@3=40']);
    expect(events[0]).toMatchObject({
      fingerprint: 't/r1/hq/ch-1/s1',
      location: 'hq',
      asset: 'ch-1',
      sensor: 's1',
    });
  });

  it('ignores readings outside the scope and of parameters the rule does not read', () => {
    const r = rule({ scope: { locations: ['hq'], assetTypes: ['chiller'] } });
    const readings = byTs([
      ...series({ assetType: 'chiller' }, [[1, 60]]),
      ...series({ assetType: 'boiler', asset: 'b-1' }, [[2, 60]]),
      ...series({ assetType: 'chiller', location: 'lab' }, [[3, 60]]),
      ...series({ assetType: null, asset: 'x' }, [[4, 60]]),
      ...series({ assetType: 'chiller', parameter: 'humidity', sensor: 's2' }, [[5, 99]]),
    ]);
    expect(brief(replay(r, readings, 10 * MIN))).toEqual(['firing@1=60']);
  });

  it('keeps one fingerprint per sensor and returns the events of all in time order', () => {
    const readings = byTs([
      ...series({ sensor: 'a' }, [
        [0, 60],
        [4, 10],
      ]),
      ...series({ sensor: 'b' }, [
        [2, 80],
        [3, 10],
      ]),
    ]);
    const events = replay(rule({}), readings, 10 * MIN);
    expect(events.map((e) => `${e.sensor}:${e.kind}@${e.ts / MIN}`)).toEqual([
      'a:firing@0',
      'b:firing@2',
      'b:resolved@3',
      'a:resolved@4',
    ]);
  });

  it('honours forMs: fires at the due time, whether a later reading or the end of the window finds it', () => {
    const r = rule({ forMs: 5 * MIN });
    expect(
      brief(
        replay(
          r,
          series({}, [
            [0, 60],
            [2, 61],
            [3, 40],
          ]),
          60 * MIN,
        ),
      ),
    ).toEqual([]);
    expect(
      brief(
        replay(
          r,
          series({}, [
            [0, 60],
            [9, 61],
            [10, 40],
          ]),
          60 * MIN,
        ),
      ),
    ).toEqual(['firing@5=60', 'resolved@10=40']);
    expect(
      brief(
        replay(
          r,
          series({}, [
            [0, 60],
            [1, 62],
          ]),
          60 * MIN,
        ),
      ),
    ).toEqual(['firing@5=62']);
    expect(brief(replay(r, series({}, [[0, 60]]), 4 * MIN))).toEqual([]);
  });

  it('a deadband holds the alert until the value is clear by that much', () => {
    const r = rule({ clear: { type: 'deadband', deadband: 5 } });
    expect(
      brief(
        replay(
          r,
          series({}, [
            [0, 60],
            [1, 48],
            [2, 46],
            [3, 45],
          ]),
          10 * MIN,
        ),
      ),
    ).toEqual(['firing@0=60', 'resolved@3=45']);
  });

  it('a band fires outside and reports the value', () => {
    const r = rule({ condition: { type: 'band', parameter: 'temp', low: 5, high: 10 } });
    expect(
      brief(
        replay(
          r,
          series({}, [
            [0, 7],
            [1, 4],
            [2, 6],
            [3, 12],
          ]),
          10 * MIN,
        ),
      ),
    ).toEqual(['firing@1=4', 'resolved@2=6', 'firing@3=12']);
  });

  it('a rate compares the change over its window and reports the change', () => {
    const r = rule({
      condition: { type: 'rate', parameter: 'temp', windowMs: 10 * MIN, op: '>', value: 5 },
    });
    const points: [number, number][] = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30].map(
      (m) => [m, m <= 10 ? 20 : m <= 20 ? 20 + (m - 10) : 30],
    );
    // 10 -> 20 rises by 1 per minute: the change over 10 min passes 5 at minute 16 (26 - 20 = 6).
    expect(brief(replay(r, series({}, points), 40 * MIN))).toEqual(['firing@16=6', 'resolved@26=4']);
  });

  it('a state mismatch is one alert per asset, fed by readings of several sensors', () => {
    const r = rule({
      condition: {
        type: 'stateMismatch',
        when: { parameter: 'cmd_on', op: '=', value: 1 },
        expect: { parameter: 'current', op: '>=', value: 0.5 },
      },
    });
    const readings = byTs([
      ...series({ sensor: 'ctl', parameter: 'cmd_on' }, [
        [0, 0],
        [2, 1],
        [6, 0],
      ]),
      ...series({ sensor: 'meter', parameter: 'current' }, [
        [1, 0.1],
        [3, 0.1],
        [5, 2],
      ]),
    ]);
    const events = replay(r, readings, 10 * MIN);
    expect(brief(events)).toEqual(['firing@2=0.1', 'resolved@5=2']);
    expect(events[0]).toMatchObject({ sensor: '*', fingerprint: 't/r1/hq/ch-1/*' });
  });

  it('an expression reads the asset latest values of each parameter', () => {
    const r = rule({ condition: { type: 'expression', expr: 'power_kw / cooling_tons > 1.2' } });
    const readings = byTs([
      ...series({ sensor: 'm', parameter: 'power_kw' }, [
        [0, 100],
        [2, 130],
        [4, 100],
      ]),
      ...series({ sensor: 'c', parameter: 'cooling_tons' }, [
        [1, 100],
        [3, 100],
      ]),
    ]);
    expect(brief(replay(r, readings, 10 * MIN))).toEqual(['firing@2=1.3', 'resolved@4=1']);
  });

  it('a clear condition on another parameter resolves on that parameter', () => {
    const r = rule({
      clear: { type: 'condition', condition: { type: 'threshold', parameter: 'mode', op: '=', value: 0 } },
    });
    const readings = byTs([
      ...series({}, [
        [0, 60],
        [2, 40],
      ]),
      ...series({ parameter: 'mode' }, [
        [1, 1],
        [3, 0],
      ]),
    ]);
    expect(brief(replay(r, readings, 10 * MIN))).toEqual(['firing@0=60', 'resolved@3=40']);
  });

  it('no data: a gap longer than afterMs fires at the due time and the next reading resolves it (no value)', () => {
    const r = rule({ title: 'silent', condition: { type: 'noData', parameter: 'temp', afterMs: 10 * MIN } });
    const events = replay(
      r,
      series({}, [
        [0, 1],
        [1, 1],
        [30, 1],
        [31, 1],
      ]),
      35 * MIN,
    );
    expect(brief(events)).toEqual(['firing@11=null', 'resolved@30=null']);
    // Silent at the end of the window: fires as of the end.
    expect(brief(replay(r, series({}, [[0, 1]]), 60 * MIN))).toEqual(['firing@10=null']);
  });

  it('no readings, or none matching, produce no events', () => {
    expect(replay(rule({}), [], 10 * MIN)).toEqual([]);
    expect(replay(rule({ enabled: false }), series({}, [[0, 10]]), 10 * MIN)).toEqual([]);
  });
});
