/**
 * Value checks on a series in time order: flat runs (a stuck sensor), outliers (robust z against a
 * rolling median), level shifts (the median of one block against the previous), and unit or scale
 * changes (a shift whose ratio is a power of ten or a known unit factor, or a jump in spread).
 */
import { median } from '../models/stats.js';

export interface FlatRun {
  from: number;
  to: number;
  rows: number;
  value: number;
}
export interface Outlier {
  at: number;
  value: number;
  z: number;
}
export interface Shift {
  at: number;
  before: number;
  after: number;
  /** Shift in units of the typical within-block spread. */
  size: number;
}
export interface ScaleChange {
  at: number;
  ratio: number;
  /** Why it looks like a unit change: "x10", "x1000", "spread x12", "F vs C"... */
  kind: string;
}

export interface ValueReport {
  flatRuns: FlatRun[];
  outliers: Outlier[];
  levelShifts: Shift[];
  scaleChanges: ScaleChange[];
}

export interface ValueOptions {
  /** A run of identical values this long (rows) counts as stuck (default: 60 rows and at least 1 h). */
  minFlatRows?: number;
  minFlatMs?: number;
  /** Robust z above which a point is an outlier (default 8). */
  outlierZ?: number;
  /** Block length (rows) for level shift and scale checks (default: one day of readings, >= 24). */
  blockRows?: number;
}

const mad = (xs: number[]) => {
  const m = median(xs);
  return median(xs.map((x) => Math.abs(x - m)));
};

export function flatRuns(
  ts: readonly number[],
  v: readonly number[],
  minRows: number,
  minMs: number,
): FlatRun[] {
  const out: FlatRun[] = [];
  let start = 0;
  for (let i = 1; i <= v.length; i++) {
    if (i < v.length && v[i] === v[start]) continue;
    const rows = i - start;
    if (rows >= minRows && ts[i - 1]! - ts[start]! >= minMs)
      out.push({ from: ts[start]!, to: ts[i - 1]!, rows, value: v[start]! });
    start = i;
  }
  return out.sort((a, b) => b.rows - a.rows);
}

export function outliers(ts: readonly number[], v: readonly number[], z: number, window = 61): Outlier[] {
  const out: Outlier[] = [];
  const half = window >> 1;
  // floor for the local spread: a tenth of the series' robust spread, or of its sd when most values agree
  let m = 0;
  for (const x of v) m += x;
  m /= v.length || 1;
  let sd = 0;
  for (const x of v) sd += (x - m) ** 2;
  sd = Math.sqrt(sd / (v.length || 1));
  const floor = 0.1 * (mad([...v]) * 1.4826 || sd) || 1e-9;
  for (let i = 0; i < v.length; i += 1) {
    const w = v.slice(Math.max(0, i - half), Math.min(v.length, i + half + 1)) as number[];
    const m = median(w);
    const s = Math.max(mad(w) * 1.4826, floor);
    const zi = Math.abs(v[i]! - m) / s;
    if (zi >= z) out.push({ at: ts[i]!, value: v[i]!, z: zi });
  }
  return out.sort((a, b) => b.z - a.z);
}

const UNIT_FACTORS: [number, string][] = [
  [10, 'x10'],
  [100, 'x100'],
  [1000, 'x1000'],
  [1_000_000, 'x1e6'],
  [3.6, 'm/s vs km/h'],
  [1.8, 'C vs F span'],
];

export function levelAndScale(
  ts: readonly number[],
  v: readonly number[],
  blockRows: number,
): { levelShifts: Shift[]; scaleChanges: ScaleChange[] } {
  const blocks: { at: number; med: number; mad: number }[] = [];
  for (let i = 0; i + blockRows <= v.length; i += blockRows) {
    const b = v.slice(i, i + blockRows) as number[];
    blocks.push({ at: ts[i]!, med: median(b), mad: mad(b) * 1.4826 });
  }
  const typical = median(blocks.map((b) => b.mad)) || 1e-9;
  const levelShifts: Shift[] = [];
  const scaleChanges: ScaleChange[] = [];
  for (let k = 1; k < blocks.length; k++) {
    const a = blocks[k - 1]!;
    const b = blocks[k]!;
    const size = Math.abs(b.med - a.med) / Math.max(typical, Math.min(a.mad, b.mad));
    if (size >= 5) levelShifts.push({ at: b.at, before: a.med, after: b.med, size });
    const ratio = Math.abs(a.med) > 1e-9 && Math.abs(b.med) > 1e-9 ? Math.abs(b.med / a.med) : NaN;
    const r = ratio >= 1 ? ratio : 1 / ratio;
    const unit = UNIT_FACTORS.find(([f]) => f >= 10 && Math.abs(r / f - 1) < 0.1);
    if (unit && Math.sign(a.med) === Math.sign(b.med)) scaleChanges.push({ at: b.at, ratio, kind: unit[1] });
    else if (a.mad > 0 && b.mad > 0 && Math.max(b.mad / a.mad, a.mad / b.mad) >= 20 && size >= 2)
      scaleChanges.push({
        at: b.at,
        ratio: b.mad / a.mad,
        kind: `spread x${(b.mad / a.mad).toPrecision(2)}`,
      });
  }
  return { levelShifts: levelShifts.sort((x, y) => y.size - x.size), scaleChanges };
}

export function checkValues(
  ts: readonly number[],
  v: readonly number[],
  intervalMs: number,
  opts: ValueOptions = {},
): ValueReport {
  const perDay = intervalMs > 0 ? Math.round(86_400_000 / intervalMs) : 24;
  const blockRows = opts.blockRows ?? Math.max(24, perDay);
  return {
    flatRuns: flatRuns(ts, v, opts.minFlatRows ?? 60, opts.minFlatMs ?? 3_600_000),
    outliers: outliers(ts, v, opts.outlierZ ?? 8),
    ...levelAndScale(ts, v, blockRows),
  };
}
