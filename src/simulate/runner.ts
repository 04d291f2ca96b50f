import { DataInsightError } from '../platform/errors.js';
import { BatchBuilder, type Sink } from './batch.js';
import { systemClock, StatsTracker, type Clock, type SimulationStats } from './progress.js';
import { Schedule } from './schedule.js';
import { createSimulator } from './simulator.js';
import type { ModelOptions } from './topology.js';

export interface RunOptions {
  model: ModelOptions;
  /** Target readings per second (a reading is one parameter value of one sample). */
  ratePerSecond: number;
  /** Stop after this much time (default: run until `count` or the signal). */
  durationMs?: number;
  /** Stop once this many readings are generated (it may overshoot by less than one sample). */
  count?: number;
  sink: Sink;
  onProgress?: (stats: SimulationStats) => void;
  /** Default 1000 ms. */
  progressIntervalMs?: number;
  /** How often due samples are gathered and handed to the sink (default 100 ms). */
  tickMs?: number;
  /**
   * After a slow sink call, catch up at most this many times the target rate (default 2), so a stall
   * is not followed by a burst that knocks the server over in turn.
   */
  maxCatchUp?: number;
  signal?: AbortSignal;
  clock?: Clock;
}

/**
 * Live mode: sample the model in real time at the target rate, stamping each sample with its due
 * time, and hand the samples to the sink one tick's worth at a time, waiting for each call. A sink
 * failure is counted and the run goes on. Resolves with the final stats when the duration or count
 * is reached or the signal aborts.
 */
export async function runSimulation(opts: RunOptions): Promise<SimulationStats> {
  const clock = opts.clock ?? systemClock;
  const tickMs = positive('tickMs', opts.tickMs ?? 100);
  const maxCatchUp = positive('maxCatchUp', opts.maxCatchUp ?? 2);
  const sim = createSimulator(opts.model);
  const startTs = clock.now();
  const sizes = sim.sensors.map((s) => s.parameters.length);
  const schedule = new Schedule(sizes, opts.ratePerSecond, startTs);
  const endTs = opts.durationMs === undefined ? Infinity : startTs + positive('durationMs', opts.durationMs);
  const count = opts.count === undefined ? Infinity : positive('count', opts.count);
  // Never below one sample of the largest sensor, or a low rate could never send it.
  const cap = Math.max(
    Math.ceil(((opts.ratePerSecond * tickMs) / 1000) * maxCatchUp),
    sizes.reduce((a, b) => Math.max(a, b), 0),
  );
  const tracker = new StatsTracker(clock, opts.onProgress, opts.progressIntervalMs ?? 1000);
  const batch = new BatchBuilder();
  let generated = 0;
  let simulatedTs: number | undefined;

  const finished = (): boolean => schedule.nextTs >= endTs || generated >= count;
  // A batch takes whole samples up to the cap (a first sample always fits).
  const fits = (): boolean =>
    batch.readings === 0 || batch.readings + (sizes[schedule.nextIndex] ?? 0) <= cap;
  while (!opts.signal?.aborted && !finished()) {
    const now = clock.now();
    while (schedule.nextTs <= now && fits() && !finished()) {
      const { index, ts } = schedule.take();
      const sample = sim.sample(index, ts);
      simulatedTs = ts;
      const info = sim.sensors[index];
      if (sample === undefined || info === undefined) continue;
      batch.add(index, info, sample);
      generated += Object.keys(sample.values).length;
    }
    const readings = batch.readings;
    if (readings > 0) await tracker.deliver(opts.sink, batch.take(), readings);
    tracker.update({ behind: schedule.owed(Math.min(clock.now(), endTs)), simulatedTs });
    // Wait for the next due sample, but at least a tick from the last wake-up: that bounds what
    // one sink call carries, and so the catch-up rate.
    const wakeAt = Math.max(schedule.nextTs, now + tickMs);
    if (!finished()) await clock.sleep(Math.max(0, wakeAt - clock.now()), opts.signal);
  }
  // Ended by the signal, the readings still due are what the run leaves unsent.
  return tracker.finish({
    behind: finished() ? 0 : schedule.owed(Math.min(clock.now(), endTs)),
    simulatedTs,
  });
}

function positive(field: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) {
    throw new DataInsightError('DI_CONFIG_INVALID', `${field} must be a positive number, got ${v}`, {
      field,
    });
  }
  return v;
}
