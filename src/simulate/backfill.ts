import { DataInsightError } from '../platform/errors.js';
import { BatchBuilder, type Sink } from './batch.js';
import { systemClock, StatsTracker, type Clock, type SimulationStats } from './progress.js';
import { createSimulator } from './simulator.js';
import type { ModelOptions } from './topology.js';

export interface BackfillOptions {
  model: ModelOptions;
  /** First sample time, UTC epoch ms (inclusive). */
  fromTs: number;
  /** End of the range, UTC epoch ms (exclusive). */
  toTs: number;
  /** Time between two samples of one sensor (default 60 s). */
  sampleIntervalMs?: number;
  /** Readings per sink call (default 5000). */
  batchReadings?: number;
  sink: Sink;
  onProgress?: (stats: SimulationStats) => void;
  /** Default 1000 ms. */
  progressIntervalMs?: number;
  signal?: AbortSignal;
  clock?: Clock;
}

export interface BackfillResult extends SimulationStats {
  /** The whole range was generated and accepted. */
  completed: boolean;
  /**
   * Where to start again after a failure or an abort (as `fromTs`, same model options). Some readings
   * after it may already be stored; sending them again is harmless, since storage keeps one value per
   * sensor, parameter and timestamp.
   */
  resumeFromTs: number;
}

/**
 * Seed history: generate [fromTs, toTs) with every sensor sampled at each interval, as fast as the
 * sink accepts (one call at a time, each awaited). Stops at the first failed sink call, because
 * carrying on would leave a hole in the middle of the history; the result says where to resume.
 */
export async function backfill(opts: BackfillOptions): Promise<BackfillResult> {
  const interval = opts.sampleIntervalMs ?? 60_000;
  const batchReadings = opts.batchReadings ?? 5000;
  if (!Number.isSafeInteger(opts.fromTs) || !Number.isSafeInteger(opts.toTs) || opts.toTs <= opts.fromTs) {
    throw new DataInsightError(
      'DI_CONFIG_INVALID',
      `backfill needs integer epoch ms with fromTs < toTs, got ${opts.fromTs}..${opts.toTs}`,
      { field: 'fromTs' },
    );
  }
  if (!Number.isSafeInteger(interval) || interval < 1) {
    throw new DataInsightError(
      'DI_CONFIG_INVALID',
      `sampleIntervalMs must be a positive whole number, got ${interval}`,
      { field: 'sampleIntervalMs' },
    );
  }
  if (!Number.isSafeInteger(batchReadings) || batchReadings < 1) {
    throw new DataInsightError(
      'DI_CONFIG_INVALID',
      `batchReadings must be a positive whole number, got ${batchReadings}`,
      { field: 'batchReadings' },
    );
  }
  const clock = opts.clock ?? systemClock;
  const sim = createSimulator(opts.model);
  const tracker = new StatsTracker(clock, opts.onProgress, opts.progressIntervalMs ?? 1000);
  const batch = new BatchBuilder();
  const span = opts.toTs - opts.fromTs;
  const gauges = (ts: number) => ({ behind: 0, simulatedTs: ts, fraction: (ts - opts.fromTs) / span });

  /** Hand over what is collected; the time to resume from if the sink failed. */
  const flush = async (): Promise<number | undefined> => {
    const from = batch.startTs;
    const readings = batch.readings;
    if (from === undefined) return undefined;
    const ok = await tracker.deliver(opts.sink, batch.take(), readings);
    return ok ? undefined : from;
  };

  for (let ts = opts.fromTs; ts < opts.toTs; ts += interval) {
    if (opts.signal?.aborted) return { ...tracker.finish(gauges(ts)), completed: false, resumeFromTs: ts };
    sim.sensors.forEach((info, index) => {
      const sample = sim.sample(index, ts);
      if (sample !== undefined) batch.add(index, info, sample);
    });
    if (batch.readings >= batchReadings) {
      const failedFrom = await flush();
      if (failedFrom !== undefined)
        return { ...tracker.finish(gauges(failedFrom)), completed: false, resumeFromTs: failedFrom };
      tracker.update(gauges(ts + interval));
      // Let timers and the abort signal through even when the sink answers without real I/O.
      await clock.sleep(0);
    }
  }
  const failedFrom = await flush();
  if (failedFrom !== undefined)
    return { ...tracker.finish(gauges(failedFrom)), completed: false, resumeFromTs: failedFrom };
  return {
    ...tracker.finish({ behind: 0, simulatedTs: opts.toTs, fraction: 1 }),
    completed: true,
    resumeFromTs: opts.toTs,
  };
}
