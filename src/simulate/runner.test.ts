import { describe, expect, it } from 'vitest';
import type { SensorBatch } from './batch.js';
import type { Clock, SimulationStats } from './progress.js';
import { runSimulation, type RunOptions } from './runner.js';

const T0 = Date.UTC(2025, 5, 2, 9);
/** 1 tenant x 1 site, default mix: 8 sensors, 48 readings per round. */
const MODEL = { seed: 1, tenants: 1, locationsPerTenant: 1 };

/** A clock whose sleep() just moves time forward: pacing is checked without waiting. */
function fakeClock(): Clock & { advance(ms: number): void } {
  let t = T0;
  return {
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

/** A sink that keeps every call, stamped with the clock time it was made at. */
function recorder(clock: Clock, onCall?: (n: number) => void) {
  const calls: { at: number; batch: SensorBatch[]; readings: number }[] = [];
  const sink = async (batch: SensorBatch[]): Promise<void> => {
    const readings = batch.reduce(
      (n, b) => n + b.samples.reduce((m, s) => m + Object.keys(s.values).length, 0),
      0,
    );
    calls.push({ at: clock.now(), batch, readings });
    onCall?.(calls.length);
  };
  return { calls, sink, total: () => calls.reduce((n, c) => n + c.readings, 0) };
}

function opts(clock: Clock, sink: RunOptions['sink'], extra: Partial<RunOptions> = {}): RunOptions {
  return { model: MODEL, ratePerSecond: 1000, durationMs: 10_000, sink, clock, ...extra };
}

describe('runSimulation', () => {
  it('holds the target rate evenly: every second carries about rate readings, each stamped with its due time', async () => {
    const clock = fakeClock();
    const { calls, sink, total } = recorder(clock);

    const stats = await runSimulation(opts(clock, sink));

    expect(total()).toBeGreaterThan(10_000 * 0.98);
    expect(total()).toBeLessThan(10_000 * 1.02);
    expect(stats).toMatchObject({ sent: total(), failed: 0, errors: 0, behind: 0 });
    const perSecond = new Map<number, number>();
    const lastTs = new Map<string, number>();
    for (const c of calls) {
      for (const b of c.batch) {
        for (const s of b.samples) {
          expect(s.ts).toBeGreaterThanOrEqual(T0);
          expect(s.ts).toBeLessThan(T0 + 10_000);
          expect(s.ts).toBeLessThanOrEqual(c.at); // never sent before it is due
          expect(s.ts).toBeGreaterThan(lastTs.get(b.sensor) ?? -1); // each sensor in time order
          lastTs.set(b.sensor, s.ts);
          const sec = Math.floor((s.ts - T0) / 1000);
          perSecond.set(sec, (perSecond.get(sec) ?? 0) + Object.keys(s.values).length);
        }
      }
    }
    for (const n of perSecond.values()) expect(Math.abs(n - 1000)).toBeLessThanOrEqual(50);
  });

  it('after a stalled sink, catches up at no more than maxCatchUp x the rate per tick', async () => {
    const clock = fakeClock();
    // The 5th call takes 3 s.
    const { calls, sink, total } = recorder(clock, (n) => n === 5 && clock.advance(3000));

    await runSimulation(opts(clock, sink, { tickMs: 100, maxCatchUp: 2 }));

    const cap = 1000 * 0.1 * 2;
    expect(Math.max(...calls.map((c) => c.readings))).toBeLessThanOrEqual(cap);
    const afterStall = calls.slice(5);
    for (let k = 1; k < afterStall.length; k++)
      expect(afterStall[k]!.at - afterStall[k - 1]!.at).toBeGreaterThanOrEqual(100);
    // It still delivers the whole schedule by the end, without a burst.
    expect(total()).toBeGreaterThan(10_000 * 0.97);
  });

  it('stops after count readings (overshooting by less than one sample)', async () => {
    const clock = fakeClock();
    const { sink, total } = recorder(clock);
    await runSimulation(opts(clock, sink, { durationMs: undefined, count: 2500 }));
    expect(total()).toBeGreaterThanOrEqual(2500);
    expect(total()).toBeLessThan(2500 + 9);
  });

  it('stops promptly when the signal aborts', async () => {
    const clock = fakeClock();
    const ac = new AbortController();
    const { calls, sink } = recorder(clock, (n) => n === 3 && ac.abort());
    const stats = await runSimulation(opts(clock, sink, { durationMs: undefined, signal: ac.signal }));
    expect(calls).toHaveLength(3);
    expect(stats.sent).toBe(calls.reduce((n, c) => n + c.readings, 0));
  });

  it('counts failed batches and carries on', async () => {
    const clock = fakeClock();
    let n = 0;
    const stats = await runSimulation(
      opts(clock, async () => {
        if (++n % 4 === 0) throw new Error('broker unavailable');
      }),
    );
    expect(stats.errors).toBe(Math.floor(n / 4));
    expect(stats.failed).toBeGreaterThan(0);
    expect(stats.sent + stats.failed).toBeGreaterThan(9_800);
    expect(stats.lastError).toBe('broker unavailable');
  });

  it('reports progress about once per interval, with the recent rate', async () => {
    const clock = fakeClock();
    const reports: SimulationStats[] = [];
    const { sink } = recorder(clock);
    const final = await runSimulation(
      opts(clock, sink, { onProgress: (s) => reports.push(s), progressIntervalMs: 2000 }),
    );
    expect(reports.length).toBeGreaterThanOrEqual(5);
    expect(reports.length).toBeLessThanOrEqual(6);
    for (const r of reports.slice(0, -1)) expect(Math.abs(r.ratePerSecond - 1000)).toBeLessThan(60);
    expect(reports.at(-1)).toEqual(final);
    expect(final.elapsedMs).toBeGreaterThanOrEqual(9_900);
  });

  it('refuses a rate the model cannot stamp with distinct milliseconds', async () => {
    const clock = fakeClock();
    await expect(runSimulation(opts(clock, async () => {}, { ratePerSecond: 100_000 }))).rejects.toThrow(
      /ratePerSecond 100000 is more than this model can send with distinct timestamps \(48000\/s for 8 sensors\)/,
    );
    await expect(runSimulation(opts(clock, async () => {}, { ratePerSecond: 0 }))).rejects.toMatchObject({
      field: 'ratePerSecond',
    });
  });
});
