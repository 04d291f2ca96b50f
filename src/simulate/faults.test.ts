import { describe, expect, it } from 'vitest';
import type { Values } from '../sdk/wire.js';
import type { FaultSpec } from './faults.js';
import { createSimulator } from './simulator.js';

const DAY = Date.UTC(2025, 5, 2);
const MIN = 60_000;
const at = (hh: number, mm = 0): number => DAY + (hh * 60 + mm) * MIN;
const TIMES = Array.from({ length: 6 * 60 }, (_, i) => at(8) + i * MIN); // 08:00-14:00 every minute
const START = at(10);

/** Every sensor's readings over TIMES (undefined where nothing was sent), with and without faults. */
function simulate(faults: FaultSpec[], seed = 11): (Values | undefined)[][] {
  const sim = createSimulator({ seed, tenants: 2, locationsPerTenant: 1, faults });
  const out = sim.sensors.map(() => [] as (Values | undefined)[]);
  for (const ts of TIMES) sim.sensors.forEach((_, i) => out[i]?.push(sim.sample(i, ts)?.values));
  return out;
}

const sensorIndex = (tenant: string, asset: string): number =>
  createSimulator({ seed: 11, tenants: 2, locationsPerTenant: 1 }).sensors.findIndex(
    (s) => s.tenant === tenant && s.asset === asset,
  );
const before = (i: number): boolean => TIMES[i]! < START;
const target = { tenant: 'tenant-1', location: 'site-1', asset: 'chiller-1' };
const clean = simulate([]);
/** Indices of the sensors whose readings differ from the clean run. */
const changed = (faulty: (Values | undefined)[][]): number[] =>
  faulty.flatMap((series, i) => (JSON.stringify(series) === JSON.stringify(clean[i]) ? [] : [i]));

describe('fault injection', () => {
  it('chiller-ignores-commands: commanded on, the chiller shows status 0 and about 0 A from the start time', () => {
    const faulty = simulate([{ kind: 'chiller-ignores-commands', startTs: START, target }]);
    const i = sensorIndex('tenant-1', 'chiller-1');
    const series = faulty[i]!.map((v) => v!);
    expect(series.every((v) => v.on === 1)).toBe(true); // the BMS keeps commanding it on all along
    series.forEach((v, k) => {
      if (before(k)) {
        expect(v.status).toBe(1);
        expect(v.current).toBeGreaterThan(10);
      } else {
        expect(v.status).toBe(0);
        expect(v.current).toBeLessThan(1);
        expect(v.power_kw).toBe(0);
      }
    });
    // With nothing cooling it, the chilled-water loop warms up.
    expect(series.at(-1)!.supply_temp).toBeGreaterThan(series[TIMES.indexOf(START) - 1]!.supply_temp! + 2);
    // The site's meter sees the missing load; nothing else changes.
    expect(changed(faulty)).toEqual([i, sensorIndex('tenant-1', 'meter-1')]);
  });

  it('stuck-sensor: the parameter freezes at its value at the start time', () => {
    const faulty = simulate([{ kind: 'stuck-sensor', startTs: START, target: { ...target, asset: 'ac-2' } }]);
    const i = sensorIndex('tenant-1', 'ac-2');
    const after = faulty[i]!.filter((_, k) => !before(k)).map((v) => v!.room_temp);
    expect(new Set(after).size).toBe(1);
    expect(new Set(clean[i]!.filter((_, k) => !before(k)).map((v) => v!.room_temp)).size).toBeGreaterThan(1);
    expect(faulty[i]!.filter((_, k) => before(k))).toEqual(clean[i]!.filter((_, k) => before(k)));
    expect(faulty[i]!.every((v, k) => v!.humidity === clean[i]![k]!.humidity)).toBe(true); // other parameters live on
  });

  it('spike: exactly one sample jumps by the magnitude', () => {
    const faulty = simulate([
      { kind: 'spike', startTs: START, target: { ...target, asset: 'meter-1' }, magnitude: 5000 },
    ]);
    const i = sensorIndex('tenant-1', 'meter-1');
    const diffs = faulty[i]!.map((v, k) => v!.power_kw! - clean[i]![k]!.power_kw!).filter((d) => d !== 0);
    expect(diffs).toEqual([5000]);
    expect(faulty[i]![TIMES.indexOf(START)]!.power_kw).toBe(
      clean[i]![TIMES.indexOf(START)]!.power_kw! + 5000,
    );
  });

  it('silent: the sensor sends nothing from the start time', () => {
    const faulty = simulate([
      { kind: 'silent', startTs: START, target: { ...target, asset: 'cold-room-1' } },
    ]);
    const i = sensorIndex('tenant-1', 'cold-room-1');
    faulty[i]!.forEach((v, k) => (before(k) ? expect(v).toEqual(clean[i]![k]) : expect(v).toBeUndefined()));
    expect(changed(faulty)).toEqual([i]);
  });

  it('drift: the parameter creeps away by magnitude per hour', () => {
    const faulty = simulate([
      {
        kind: 'drift',
        startTs: START,
        target: { ...target, asset: 'chiller-2' },
        parameter: 'return_temp',
        magnitude: 1.5,
      },
    ]);
    const i = sensorIndex('tenant-1', 'chiller-2');
    faulty[i]!.forEach((v, k) => {
      const hours = Math.max(0, TIMES[k]! - START) / 3_600_000;
      expect(v!.return_temp! - clean[i]![k]!.return_temp!).toBeCloseTo(1.5 * hours, 9);
    });
  });

  it('without a target picks an eligible asset at random, the same one for the same seed', () => {
    const pickOne = (seed: number) => {
      const baseline = simulate([], seed);
      const faulty = simulate([{ kind: 'chiller-ignores-commands', startTs: START }], seed);
      return faulty.flatMap((s, i) => (s.some((v, k) => v?.status !== baseline[i]![k]?.status) ? [i] : []));
    };
    const sensors = createSimulator({ seed: 5, tenants: 2, locationsPerTenant: 1 }).sensors;
    const chosen = pickOne(5);
    expect(chosen).toHaveLength(1);
    expect(sensors[chosen[0]!]?.kind).toBe('chiller');
    expect(pickOne(5)).toEqual(chosen);
  });

  it('starts at the first sample when no start time is given', () => {
    const faulty = simulate([{ kind: 'silent', target: { ...target, asset: 'ac-1' } }]);
    expect(faulty[sensorIndex('tenant-1', 'ac-1')]!.every((v) => v === undefined)).toBe(true);
  });

  it('names what is wrong with a fault it cannot place', () => {
    const make = (faults: FaultSpec[]) => () =>
      createSimulator({ seed: 1, tenants: 1, locationsPerTenant: 1, faults });
    expect(make([{ kind: 'chiller-ignores-commands', target: { asset: 'ac-1' } }])).toThrow(
      /faults\[0\]: no chiller matches \*\/\*\/ac-1/,
    );
    expect(make([{ kind: 'spike', target: { tenant: 'nobody' } }])).toThrow(
      /no asset matches nobody\/\*\/\*/,
    );
    expect(make([{ kind: 'drift', target: { asset: 'meter-1' }, parameter: 'temp' }])).toThrow(
      /faults\[0\]\.parameter "temp" is not measured by meter-1/,
    );
    expect(make([{ kind: 'melt' as never }])).toThrow(/faults\[0\]\.kind "melt" is not one of/);
  });
});
