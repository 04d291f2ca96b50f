/**
 * The diagnosis of one series: what is wrong with its data and why a forecast may be poor, in plain
 * words and numbers: history against what the seasonality needs, timestamp and value traps, the
 * backtest table of every candidate against naive and seasonal naive, and a verdict.
 */
import { backtest, type BacktestResult } from '../backtest.js';
import { detectSeasonality, type Seasonality } from '../models/seasonality.js';
import { regularize, type Point } from '../series.js';
import { checkTimestamps, type TimestampReport } from './timestamps.js';
import { checkValues, type ValueReport } from './values.js';

export type Severity = 'info' | 'warning' | 'problem';

export interface Finding {
  kind:
    | 'history'
    | 'gaps'
    | 'duplicates'
    | 'clockBackwards'
    | 'daylightSaving'
    | 'stuck'
    | 'outliers'
    | 'levelShift'
    | 'scaleChange'
    | 'model';
  severity: Severity;
  message: string;
}

export interface Diagnosis {
  rows: number;
  from: number;
  to: number;
  intervalMs: number;
  historyMs: number;
  seasonality: Seasonality;
  /** Grid the models were trained and backtested on (after bounding the points). */
  modelIntervalMs: number;
  timestamps: TimestampReport;
  values: ValueReport;
  backtest: BacktestResult;
  findings: Finding[];
  verdict: string[];
}

export interface DiagnoseOptions {
  /** Forecast horizon in steps of the model grid (default: one day, or 24 steps). */
  horizonSteps?: number;
  maxPoints?: number;
  budgetMs?: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function when(ts: number): string {
  const d = new Date(ts);
  const hm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${hm} UTC`;
}

export function span(ms: number): string {
  if (ms >= 2 * DAY) return `${+(ms / DAY).toFixed(1)} days`;
  if (ms >= HOUR) return `${+(ms / HOUR).toFixed(1)} h`;
  return `${Math.round(ms / 60_000)} min`;
}

/** Diagnoses points given in arrival order (a file, or the store's readings by time). */
export function diagnose(points: readonly Point[], opts: DiagnoseOptions = {}): Diagnosis {
  const ts = points.map((p) => p[0]);
  const vs = points.map((p) => p[1]);
  const t = checkTimestamps(ts);
  const order = points.map((_, i) => i).sort((a, b) => ts[a]! - ts[b]! || a - b);
  const sortedTs = order.map((i) => ts[i]!);
  const sortedV = order.map((i) => vs[i]!);
  const v = checkValues(sortedTs, sortedV, t.intervalMs);
  const grid = regularize(points, t.intervalMs || HOUR, opts.maxPoints ?? 4000);
  const seasonality = detectSeasonality(grid.values, grid.intervalMs);
  const stepsPerDay = Math.max(1, Math.round(DAY / grid.intervalMs));
  const horizon = opts.horizonSteps ?? Math.min(stepsPerDay, 48);
  const bt = backtest(grid.values, { horizon, period: seasonality.period, budgetMs: opts.budgetMs ?? 5000 });
  const historyMs = t.rows ? t.last - t.first : 0;
  const findings: Finding[] = [];
  const add = (kind: Finding['kind'], severity: Severity, message: string) =>
    findings.push({ kind, severity, message });

  // history against what the seasonality needs
  if (historyMs < 2 * DAY)
    add('history', 'problem', `insufficient history: ${span(historyMs)}, needs 2 daily cycles (2 days)`);
  else if (historyMs < 14 * DAY)
    add(
      'history',
      'warning',
      `insufficient history: ${span(historyMs)}, needs 2 weekly cycles (14 days) to learn a weekly pattern`,
    );
  add(
    'history',
    'info',
    `${t.rows} readings over ${span(historyMs)}, every ${span(t.intervalMs)}; seasonality: ${
      seasonality.kind === 'none'
        ? 'none found'
        : `${seasonality.kind} (autocorrelation ${seasonality.acf[seasonality.kind].toFixed(2)} at ${seasonality.period} steps)`
    }`,
  );
  if (t.gaps.length) {
    const longest = t.gaps.reduce((a, b) => (b.ms > a.ms ? b : a));
    add(
      'gaps',
      longest.ms >= DAY ? 'problem' : 'warning',
      `${t.gaps.length} gaps, the longest ${span(longest.ms)} from ${when(longest.from)} to ${when(longest.to)}`,
    );
  }
  for (const g of t.dst)
    add(
      'daylightSaving',
      'problem',
      `${g.rows} rows stamped ${when(g.at)}: a daylight-saving glitch (${g.rule} clock change of ${when(g.transition).slice(0, -10)}); local times were stored as UTC`,
    );
  const dstRows = t.dst.reduce((n, g) => n + g.rows - 1, 0);
  if (t.duplicates > dstRows)
    add(
      'duplicates',
      'warning',
      `${t.duplicates - dstRows} duplicated timestamps (one value kept per timestamp)`,
    );
  for (const j of t.backJumps)
    add(
      'clockBackwards',
      'problem',
      `clock jumped back ${span(j.ms)} at ${when(j.from)} (next reading stamped ${when(j.at)})`,
    );
  for (const r of v.flatRuns.slice(0, 3))
    add(
      'stuck',
      'problem',
      `sensor stuck ${span(r.to - r.from)} on ${when(r.from)}: ${r.rows} identical readings of ${r.value}`,
    );
  if (v.outliers.length)
    add(
      'outliers',
      'warning',
      `${v.outliers.length} outliers; the largest ${fmt(v.outliers[0]!.value)} at ${when(v.outliers[0]!.at)} (${v.outliers[0]!.z.toFixed(0)} robust sd from its neighbours)`,
    );
  for (const s of v.levelShifts.slice(0, 3))
    add('levelShift', 'warning', `level shift on ${when(s.at)}: median ${fmt(s.before)} -> ${fmt(s.after)}`);
  for (const c of v.scaleChanges.slice(0, 3))
    add('scaleChange', 'problem', `scale or unit change on ${when(c.at)}: ${c.kind} (ratio ${fmt(c.ratio)})`);
  const tried = bt.scores.filter((s) => Number.isFinite(s.mase)).length;
  if (bt.chosen === 'snaive' && tried > 2) add('model', 'warning', bt.reason);
  else add('model', 'info', `model: ${bt.chosen}; ${bt.reason}`);

  const verdict = findings.filter((f) => f.severity === 'problem').map((f) => f.message);
  if (bt.chosen === 'snaive' && tried > 2) verdict.push(bt.reason);
  if (verdict.length === 0) verdict.push(`no data problem found; forecasting with ${bt.chosen}`);
  return {
    rows: t.rows,
    from: t.first,
    to: t.last,
    intervalMs: t.intervalMs,
    historyMs,
    seasonality,
    modelIntervalMs: grid.intervalMs,
    timestamps: { ...t, gaps: t.gaps.slice(0, 50), backJumps: t.backJumps.slice(0, 50) },
    values: { ...v, outliers: v.outliers.slice(0, 50), levelShifts: v.levelShifts.slice(0, 20) },
    backtest: bt,
    findings,
    verdict,
  };
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : +n.toPrecision(3)).toString();
