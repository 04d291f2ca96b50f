import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WireSample } from '../sdk/wire.js';
import { createSimulator, type Simulator } from './simulator.js';
import type { AssetMix, ModelOptions } from './topology.js';

const DAY = Date.UTC(2025, 5, 2); // a Monday, 00:00 UTC (utcOffsetMinutes defaults to 0)
const MIN = 60_000;
const NONE: Required<AssetMix> = { chillers: 0, acUnits: 0, energyMeters: 0, coldRooms: 0 };

function only(assets: AssetMix, seed: number, extra: Partial<ModelOptions> = {}): Simulator {
  return createSimulator({
    seed,
    tenants: 1,
    locationsPerTenant: 1,
    assets: { ...NONE, ...assets },
    ...extra,
  });
}

/** Sample every sensor at each time, returning one series per sensor. */
function run(sim: Simulator, times: readonly number[]): (WireSample | undefined)[][] {
  const series = sim.sensors.map(() => [] as (WireSample | undefined)[]);
  for (const ts of times) sim.sensors.forEach((_, i) => series[i]?.push(sim.sample(i, ts)));
  return series;
}

const everyMinutes = (from: number, to: number, step: number): number[] =>
  Array.from({ length: Math.floor((to - from) / (step * MIN)) }, (_, i) => from + i * step * MIN);

/** Increasing timestamps from random gaps (0 ms to 2 h), starting at some hour of some day. */
const timeline = fc
  .tuple(
    fc.integer({ min: 0, max: 365 * 24 }),
    fc.array(fc.integer({ min: 0, max: 2 * 60 * MIN }), { minLength: 1, maxLength: 120 }),
  )
  .map(([startHour, gaps]) => {
    let ts = DAY + startHour * 60 * MIN;
    return gaps.map((g) => (ts += g));
  });

describe('createSimulator: topology', () => {
  it('names tenants, sites, assets and one sensor per asset with its parameters', () => {
    const sim = createSimulator({ seed: 1, tenants: 2, locationsPerTenant: 2 });
    expect(sim.sensors).toHaveLength(2 * 2 * 8);
    expect(sim.sensors.slice(0, 8).map((s) => `${s.tenant}/${s.location}/${s.asset}/${s.sensor}`)).toEqual([
      'tenant-1/site-1/chiller-1/chiller-1-main',
      'tenant-1/site-1/chiller-2/chiller-2-main',
      'tenant-1/site-1/ac-1/ac-1-main',
      'tenant-1/site-1/ac-2/ac-2-main',
      'tenant-1/site-1/ac-3/ac-3-main',
      'tenant-1/site-1/ac-4/ac-4-main',
      'tenant-1/site-1/cold-room-1/cold-room-1-main',
      'tenant-1/site-1/meter-1/meter-1-main',
    ]);
    expect(sim.sensors[0]?.parameters).toEqual([
      'on',
      'status',
      'supply_temp',
      'return_temp',
      'current',
      'voltage',
      'power_kw',
      'cooling_tons',
      'efficiency',
    ]);
    expect(sim.sensors[2]?.parameters).toEqual([
      'on',
      'setpoint',
      'room_temp',
      'humidity',
      'current',
      'voltage',
    ]);
    expect(sim.sensors[6]?.parameters).toEqual(['temp', 'door_open']);
    expect(sim.sensors[7]?.parameters).toEqual(['energy_kwh', 'power_kw', 'voltage', 'current']);
    expect(createSimulator({ seed: 1, tenants: ['acme'], locationsPerTenant: 1 }).sensors[0]?.tenant).toBe(
      'acme',
    );
  });

  it('rejects options it cannot honour, naming the option', () => {
    expect(() => createSimulator({ seed: 1, tenants: 0, locationsPerTenant: 1 })).toThrow(
      /tenants must be a positive integer/,
    );
    expect(() => createSimulator({ seed: 1, tenants: ['a b'], locationsPerTenant: 1 })).toThrow(
      /"a b" is not a valid tenant name/,
    );
    expect(() => only({}, 1)).toThrow(/at least one asset/);
    expect(() => only({ chillers: 1 }, 1).sample(5, DAY)).toThrow(RangeError);
    const sim = only({ chillers: 1 }, 1);
    sim.sample(0, DAY + MIN);
    expect(() => sim.sample(0, DAY)).toThrow(/earlier than the previous one/);
  });
});

describe('createSimulator: determinism', () => {
  const day = everyMinutes(DAY, DAY + 24 * 60 * MIN, 5);

  it('gives identical readings for the same seed and different ones for another seed', () => {
    const opts = { tenants: 2, locationsPerTenant: 2 };
    const a = run(createSimulator({ seed: 42, ...opts }), day);
    expect(run(createSimulator({ seed: 42, ...opts }), day)).toEqual(a);
    expect(run(createSimulator({ seed: 43, ...opts }), day)).not.toEqual(a);
  });

  it("does not change a site's readings when other tenants are added", () => {
    const small = run(createSimulator({ seed: 7, tenants: 1, locationsPerTenant: 1 }), day);
    const big = run(createSimulator({ seed: 7, tenants: 3, locationsPerTenant: 2 }), day);
    expect(big.slice(0, small.length)).toEqual(small);
  });
});

describe('createSimulator: physical plausibility', () => {
  it('chiller: about 0 A, 0 kW and 0 tons when not running; efficiency = power_kw / cooling_tons', () => {
    fc.assert(
      fc.property(fc.integer(), timeline, (seed, times) => {
        const sim = only({ chillers: 3 }, seed);
        for (const series of run(sim, times)) {
          for (const s of series) {
            const v = s!.values;
            expect(v.status).toBe(v.on); // no fault injected: the chiller obeys its command
            if (v.status === 0) {
              expect(v.current).toBeLessThan(1);
              expect([v.power_kw, v.cooling_tons, v.efficiency]).toEqual([0, 0, 0]);
            } else {
              expect(v.current).toBeGreaterThan(10);
              expect(v.cooling_tons).toBeGreaterThan(0);
              expect(Math.abs(v.efficiency! - v.power_kw! / v.cooling_tons!)).toBeLessThanOrEqual(
                0.0005 + 1e-9,
              );
              expect(v.efficiency).toBeGreaterThan(0.4);
              expect(v.efficiency).toBeLessThan(1.2);
              expect(v.supply_temp).toBeLessThan(v.return_temp! + 0.3);
            }
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('energy meter: energy_kwh never decreases, power_kw never negative', () => {
    fc.assert(
      fc.property(fc.integer(), timeline, (seed, times) => {
        const sim = createSimulator({ seed, tenants: 1, locationsPerTenant: 1 });
        const meter = run(sim, times)[7]!.map((s) => s!.values);
        meter.forEach((v, i) => {
          expect(v.power_kw).toBeGreaterThanOrEqual(0);
          if (i > 0) expect(v.energy_kwh).toBeGreaterThanOrEqual(meter[i - 1]!.energy_kwh!);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('AC: once switched on in the morning, the room settles within 0.6 °C of the setpoint', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 0, max: 364 }),
        fc.integer({ min: 1, max: 10 }),
        (seed, day, step) => {
          const start = DAY + day * 24 * 60 * MIN + 6 * 60 * MIN; // 06:00, before working hours
          const series = run(only({ acUnits: 4 }, seed), everyMinutes(start, start + 5 * 60 * MIN, step));
          for (const s of series) {
            const values = s.map((x) => x!.values);
            const first = values[0]!;
            const settled = values.filter((_, i) => s[i]!.ts >= start + 3.5 * 60 * MIN); // 09:30 onwards
            for (const v of settled) {
              expect(v.on).toBe(1);
              expect(Math.abs(v.room_temp! - v.setpoint!)).toBeLessThan(0.6);
              expect(Math.abs(v.room_temp! - v.setpoint!)).toBeLessThanOrEqual(
                Math.abs(first.room_temp! - first.setpoint!) + 0.6,
              );
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('every value is finite and switches, doors and humidity stay in range', () => {
    fc.assert(
      fc.property(fc.integer(), timeline, (seed, times) => {
        for (const series of run(createSimulator({ seed, tenants: 1, locationsPerTenant: 1 }), times)) {
          for (const s of series) {
            const v = s!.values;
            for (const x of Object.values(v)) expect(Number.isFinite(x)).toBe(true);
            for (const k of ['on', 'status', 'door_open'] as const)
              if (k in v) expect([0, 1]).toContain(v[k]);
            if ('humidity' in v) expect(v.humidity).toBeGreaterThanOrEqual(0);
            if ('humidity' in v) expect(v.humidity).toBeLessThanOrEqual(100);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('cold room: the door is open for a plausible share of working hours, whatever the sample rate', () => {
    for (const step of [1, 15]) {
      const samples = run(
        only({ coldRooms: 20 }, 3),
        everyMinutes(DAY + 8 * 60 * MIN, DAY + 20 * 60 * MIN, step),
      ).flat();
      const openShare = samples.filter((s) => s!.values.door_open === 1).length / samples.length;
      // 4 openings an hour of 20 s to 3 min: open about 11% of the time.
      expect(openShare).toBeGreaterThan(0.05);
      expect(openShare).toBeLessThan(0.2);
    }
  });
});
