/** The diagnosis finds each data trap the NAB README lists, on the NAB files themselves. */
import { describe, expect, it } from 'vitest';
import { loadNabFile } from '../../../bench/nab/corpus.js';
import type { Point } from '../series.js';
import { diagnose } from './report.js';
import { dstTransitions } from './timestamps.js';

const points = (file: string): Point[] => {
  const f = loadNabFile(file);
  return f.timestamps.map((t, i) => [t, f.values[i]!]);
};
const HOUR = 3_600_000;

describe('diagnosis on NAB files', () => {
  it('machine_temperature: a 55-minute backwards clock jump and 12 duplicated timestamps', () => {
    const d = diagnose(points('machine_temperature_system_failure.csv'));
    expect(d.timestamps.backJumps).toHaveLength(1);
    expect(d.timestamps.backJumps[0]!.ms).toBe(55 * 60_000);
    expect(d.timestamps.duplicates).toBe(12);
    expect(d.verdict.join('\n')).toMatch(/clock jumped back 55 min at 7 Jan 2014 02:55 UTC/);
  });

  it('ec2_request_latency: 12 rows stamped 03:00 by a daylight-saving glitch', () => {
    const d = diagnose(points('ec2_request_latency_system_failure.csv'));
    expect(d.timestamps.dst).toHaveLength(1);
    expect(d.timestamps.dst[0]).toMatchObject({ rows: 12, rule: 'US', at: Date.UTC(2014, 2, 9, 3) });
    expect(d.verdict.join('\n')).toMatch(/12 rows stamped 9 Mar 2014 03:00 UTC: a daylight-saving glitch/);
  });

  it('ambient_temperature: 10 gaps, the longest 174 hours', () => {
    const d = diagnose(points('ambient_temperature_system_failure.csv'));
    expect(d.timestamps.gaps).toHaveLength(10);
    expect(Math.max(...d.timestamps.gaps.map((g) => g.ms))).toBe(174 * HOUR);
    expect(d.verdict.join('\n')).toMatch(/10 gaps, the longest 7\.3 days/);
  });

  it('rogue_agent_key_updown: a flat run of 550 identical values (stuck sensor)', () => {
    const d = diagnose(points('rogue_agent_key_updown.csv'));
    expect(d.values.flatRuns[0]!.rows).toBe(550);
    expect(d.verdict.join('\n')).toMatch(/sensor stuck .* 550 identical readings/);
  });

  it('nyc_taxi: finds its daily/weekly seasonality and backtests every candidate', () => {
    const d = diagnose(points('nyc_taxi.csv'));
    expect(d.seasonality.kind).not.toBe('none');
    const names = d.backtest.scores.map((s) => s.model);
    expect(names).toEqual(['naive', 'snaive', 'ses', 'holt', 'holtWinters', 'theta', 'arima']);
    const sn = d.backtest.scores.find((s) => s.model === 'snaive')!;
    expect(sn.maseByStep.length).toBe(d.backtest.horizon);
    expect(Number.isFinite(sn.mase)).toBe(true);
  });
});

describe('diagnosis on made-up series', () => {
  it('says when history is too short for a weekly pattern', () => {
    const start = Date.UTC(2026, 0, 1);
    const pts: Point[] = Array.from({ length: 72 }, (_, i) => [start + i * HOUR, Math.sin(i / 4)]);
    const d = diagnose(pts);
    expect(d.findings.map((f) => f.message)).toContain(
      'insufficient history: 3 days, needs 2 weekly cycles (14 days) to learn a weekly pattern',
    );
  });
  it('finds a x1000 unit change (W reported as kW)', () => {
    const start = Date.UTC(2026, 0, 1);
    const pts: Point[] = Array.from({ length: 24 * 10 }, (_, i) => [
      start + i * HOUR,
      (i < 24 * 5 ? 1000 : 1) * (5 + Math.sin(i / 3)),
    ]);
    expect(diagnose(pts).findings.some((f) => f.kind === 'scaleChange' && /x1000/.test(f.message))).toBe(
      true,
    );
  });
  it('knows the US and EU clock changes', () => {
    const t = dstTransitions(2014);
    expect(t.find((x) => x.rule === 'US')!.at).toBe(Date.UTC(2014, 2, 9, 2));
    expect(t.filter((x) => x.rule === 'EU').map((x) => x.at)).toEqual([
      Date.UTC(2014, 2, 30, 2),
      Date.UTC(2014, 9, 26, 3),
    ]);
  });
});
