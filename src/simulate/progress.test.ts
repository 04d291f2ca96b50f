import { describe, expect, it } from 'vitest';
import { formatProgress, type SimulationStats } from './progress.js';

const base: SimulationStats = {
  sent: 1_234_567,
  failed: 0,
  errors: 0,
  lastError: undefined,
  elapsedMs: 3_723_400,
  ratePerSecond: 9_987.6,
  behind: 0,
  simulatedTs: undefined,
};

describe('formatProgress', () => {
  it('shows rate, total, errors and elapsed time on one line', () => {
    expect(formatProgress(base)).toBe('9,988 readings/s | 1,234,567 sent | 0 failed (0 errors) | 01:02:03');
  });

  it('adds lag, backfill position and the last error when there are any', () => {
    const line = formatProgress({
      ...base,
      failed: 480,
      errors: 2,
      lastError: 'ingest for tenant acme: HTTP 503: draining',
      behind: 1500,
      fraction: 0.4213,
      simulatedTs: Date.UTC(2025, 4, 1, 12, 30),
    });
    expect(line).toBe(
      '9,988 readings/s | 1,234,567 sent | 480 failed (2 errors) | 01:02:03 | 1,500 behind | 42.1% at 2025-05-01T12:30Z | last error: ingest for tenant acme: HTTP 503: draining',
    );
    expect(line).not.toContain('\n');
  });
});
