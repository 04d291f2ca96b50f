import { describe, expect, it } from 'vitest';
import { backfill } from './backfill.js';
import type { SensorBatch } from './batch.js';
import type { SimulationStats } from './progress.js';

const FROM = Date.UTC(2025, 5, 1);
const DAY_MS = 86_400_000;
const MODEL = { seed: 3, tenants: 1, locationsPerTenant: 1 }; // 8 sensors, 48 readings per round
const readingsOf = (batch: SensorBatch[]): number =>
  batch.reduce((n, b) => n + b.samples.reduce((m, s) => m + Object.keys(s.values).length, 0), 0);

describe('backfill', () => {
  it('generates the whole range, every sensor at each interval, in batches of about batchReadings', async () => {
    const batches: SensorBatch[][] = [];
    const reports: SimulationStats[] = [];
    const result = await backfill({
      model: MODEL,
      fromTs: FROM,
      toTs: FROM + DAY_MS,
      batchReadings: 5000,
      sink: async (b) => void batches.push(b),
      onProgress: (s) => reports.push(s),
      progressIntervalMs: 0,
    });

    expect(result).toMatchObject({
      completed: true,
      resumeFromTs: FROM + DAY_MS,
      sent: 1440 * 48,
      failed: 0,
      fraction: 1,
    });
    for (const b of batches.slice(0, -1)) {
      expect(readingsOf(b)).toBeGreaterThanOrEqual(5000);
      expect(readingsOf(b)).toBeLessThan(5000 + 48);
    }
    const meterTs = batches
      .flat()
      .filter((b) => b.asset === 'meter-1')
      .flatMap((b) => b.samples.map((s) => s.ts));
    expect(meterTs).toEqual(Array.from({ length: 1440 }, (_, i) => FROM + i * 60_000));
    const fractions = reports.map((r) => r.fraction ?? 0);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
  });

  it('stops at the first failed batch and says where to resume; resuming keeps the energy counter rising', async () => {
    const energy: number[] = [];
    const keepEnergy = (b: SensorBatch[]): void => {
      for (const s of b.filter((x) => x.asset === 'meter-1').flatMap((x) => x.samples))
        energy.push(s.values.energy_kwh!);
    };
    let calls = 0;
    const first = await backfill({
      model: MODEL,
      fromTs: FROM,
      toTs: FROM + DAY_MS,
      batchReadings: 1000,
      sink: async (b) => {
        if (++calls === 3) throw new Error('HTTP 503');
        keepEnergy(b);
      },
    });
    expect(first).toMatchObject({ completed: false, errors: 1, lastError: 'HTTP 503' });
    expect(first.resumeFromTs).toBeGreaterThan(FROM);
    expect((first.resumeFromTs - FROM) % 60_000).toBe(0);

    const second = await backfill({
      model: MODEL,
      fromTs: first.resumeFromTs,
      toTs: FROM + DAY_MS,
      batchReadings: 1000,
      sink: async (b) => keepEnergy(b),
    });
    expect(second.completed).toBe(true);
    energy.forEach((e, i) => i > 0 && expect(e).toBeGreaterThanOrEqual(energy[i - 1]!));
  });

  it('stops when the signal aborts, with where to resume', async () => {
    const ac = new AbortController();
    let calls = 0;
    const result = await backfill({
      model: MODEL,
      fromTs: FROM,
      toTs: FROM + DAY_MS,
      batchReadings: 1000,
      signal: ac.signal,
      sink: async () => {
        if (++calls === 2) ac.abort();
      },
    });
    expect(calls).toBe(2);
    expect(result.completed).toBe(false);
    expect(result.resumeFromTs).toBeLessThan(FROM + DAY_MS);
  });

  it('rejects an empty or inverted range', async () => {
    await expect(backfill({ model: MODEL, fromTs: FROM, toTs: FROM, sink: async () => {} })).rejects.toThrow(
      /fromTs < toTs/,
    );
  });
});
