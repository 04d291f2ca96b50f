import type { SensorBatch, Sink } from './batch.js';

export interface SimulationStats {
  /** Readings the sink accepted. */
  sent: number;
  /** Readings in batches the sink failed on. */
  failed: number;
  /** Sink calls that failed. */
  errors: number;
  lastError: string | undefined;
  elapsedMs: number;
  /** Readings accepted per second since the previous report (the whole run, in the final one). */
  ratePerSecond: number;
  /** Live mode: readings due by the schedule but not yet sent, i.e. how far the sink lags. */
  behind: number;
  /** Timestamp of the latest sample generated, UTC epoch ms (undefined before the first). */
  simulatedTs: number | undefined;
  /** Backfill: share of the time range done, 0..1. */
  fraction?: number;
}

type Gauges = Pick<SimulationStats, 'behind' | 'simulatedTs' | 'fraction'>;

/** Time as the runner sees it; tests pass a fake one so pacing is checked without sleeping. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early (without throwing) once `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: Date.now,
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** Counts what happened to the batches handed to a sink and reports at most once per interval. */
export class StatsTracker {
  private readonly startedAt: number;
  private readonly stats: SimulationStats;
  private lastReportAt: number;
  private sentAtLastReport = 0;

  constructor(
    private readonly clock: Clock,
    private readonly onProgress: ((stats: SimulationStats) => void) | undefined,
    private readonly intervalMs: number,
  ) {
    this.startedAt = clock.now();
    this.lastReportAt = this.startedAt;
    this.stats = {
      sent: 0,
      failed: 0,
      errors: 0,
      lastError: undefined,
      elapsedMs: 0,
      ratePerSecond: 0,
      behind: 0,
      simulatedTs: undefined,
    };
  }

  /** Give one batch to the sink; true when it took it. A failure is counted, not thrown. */
  async deliver(sink: Sink, batch: SensorBatch[], readings: number): Promise<boolean> {
    try {
      await sink(batch);
      this.stats.sent += readings;
      return true;
    } catch (err) {
      this.stats.failed += readings;
      this.stats.errors += 1;
      this.stats.lastError = err instanceof Error ? err.message : String(err);
      return false;
    }
  }

  /** Update the gauges and report if an interval has passed. */
  update(gauges: Gauges): void {
    Object.assign(this.stats, gauges);
    const now = this.clock.now();
    if (now - this.lastReportAt >= this.intervalMs)
      this.report(now, this.lastReportAt, this.sentAtLastReport);
  }

  /** Report one last time, with the rate over the whole run, and return the totals. */
  finish(gauges: Gauges): SimulationStats {
    Object.assign(this.stats, gauges);
    return this.report(this.clock.now(), this.startedAt, 0);
  }

  /** Rate measured over [since, now], in which `sentBefore` had already been sent at `since`. */
  private report(now: number, since: number, sentBefore: number): SimulationStats {
    this.stats.elapsedMs = now - this.startedAt;
    this.stats.ratePerSecond = now > since ? ((this.stats.sent - sentBefore) * 1000) / (now - since) : 0;
    this.sentAtLastReport = this.stats.sent;
    this.lastReportAt = now;
    const snapshot = { ...this.stats };
    this.onProgress?.(snapshot);
    return snapshot;
  }
}

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * One line for a terminal progress display, e.g.
 * `9,980 readings/s | 120,000 sent | 0 failed (0 errors) | 00:00:12` (+ behind, backfill position, last error).
 */
export function formatProgress(s: SimulationStats): string {
  const parts = [
    `${count.format(s.ratePerSecond)} readings/s`,
    `${count.format(s.sent)} sent`,
    `${count.format(s.failed)} failed (${count.format(s.errors)} errors)`,
    clock(s.elapsedMs),
  ];
  if (s.behind > 0) parts.push(`${count.format(s.behind)} behind`);
  if (s.fraction !== undefined) {
    const at =
      s.simulatedTs === undefined ? '' : ` at ${new Date(s.simulatedTs).toISOString().slice(0, 16)}Z`;
    parts.push(`${(s.fraction * 100).toFixed(1)}%${at}`);
  }
  if (s.lastError !== undefined && s.errors > 0) parts.push(`last error: ${s.lastError.slice(0, 80)}`);
  return parts.join(' | ');
}

function clock(ms: number): string {
  const total = Math.floor(ms / 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}
