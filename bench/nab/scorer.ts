/**
 * The Numenta Anomaly Benchmark's scoring, as NAB's `sweeper.py` and `runner.normalize` define it:
 *
 * - the first min(floor(15% of rows), 15% of 5000) rows of each file are a probation period, ignored;
 * - inside a labelled window a detection at row i scores scaledSigmoid(-(right - i + 1) / width) times
 *   tpWeight / scaledSigmoid(-1), so the left edge earns exactly tpWeight; only the best (= earliest)
 *   detection of a window counts; a window with none costs -fnWeight;
 * - outside windows a detection costs fpWeight times scaledSigmoid(|prevRight - i| / (prevWidth - 1)),
 *   or -fpWeight before the first window;
 * - one threshold per profile, swept over every distinct score of the whole corpus at once;
 * - normalised: 100 * (raw - null) / (perfect - null), null = the null detector's tuned score (it
 *   flags nothing: -fnWeight per window with a scorable row), perfect = tpWeight per window of the
 *   files (NAB's runner.normalize counts every window of the windows file).
 */

export interface CostMatrix {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

export interface ScoredFile {
  name: string;
  timestamps: number[];
  scores: number[];
  /** Windows as [first, last] timestamps, each present in `timestamps`. */
  windows: [number, number][];
}

export interface Point {
  score: number;
  sweep: number;
  /** Window key, null outside windows, 'probationary' inside the probation period. */
  window: string | null;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** NAB's scaledSigmoid: -1 beyond 3 (strictly), else 2 sigmoid(-5 x) - 1. */
export function scaledSigmoid(position: number): number {
  return position > 3 ? -1 : 2 * sigmoid(-5 * position) - 1;
}

export function probationLength(rows: number, percent = 0.15): number {
  return Math.min(Math.floor(percent * rows), percent * 5000);
}

/** Per-row sweep scores (NAB calcSweepScore). */
export function sweepPoints(file: ScoredFile, cost: CostMatrix): Point[] {
  const { timestamps, scores } = file;
  // NAB's timestamps.index(t): the FIRST row with that timestamp (duplicated timestamps exist)
  const index = new Map<number, number>();
  timestamps.forEach((t, i) => {
    if (!index.has(t)) index.set(t, i);
  });
  const windows = file.windows.slice();
  const maxTP = scaledSigmoid(-1);
  const probation = probationLength(timestamps.length);
  const out: Point[] = [];
  let cur: [number, number] | undefined;
  let curName: string | null = null;
  let curRight = 0;
  let curWidth = 0;
  let prevRight: number | undefined;
  let prevWidth = 0;
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i]!;
    if (windows.length > 0 && t === windows[0]![0]) {
      cur = windows.shift()!;
      curName = `${file.name}|${cur[0]}`;
      curRight = index.get(cur[1])!;
      curWidth = curRight - index.get(cur[0])! + 1;
    }
    let sweep: number;
    if (cur) {
      sweep = (scaledSigmoid(-(curRight - i + 1) / curWidth) * cost.tpWeight) / maxTP;
    } else {
      const unweighted =
        prevRight === undefined ? -1 : scaledSigmoid(Math.abs(prevRight - i) / (prevWidth - 1));
      sweep = unweighted * cost.fpWeight;
    }
    out.push({ score: scores[i]!, sweep, window: i >= probation ? curName : 'probationary' });
    if (cur && t === cur[1]) {
      prevRight = i;
      prevWidth = curWidth;
      cur = undefined;
      curName = null;
    }
  }
  return out;
}

export interface ThresholdScore {
  threshold: number;
  score: number;
  tp: number;
  fp: number;
}

/** Raw score at every distinct threshold, highest threshold first (NAB calcScoreByThreshold). */
export function scoreByThreshold(points: readonly Point[], cost: CostMatrix): ThresholdScore[] {
  const scorable = points.filter((p) => p.window !== 'probationary').sort((a, b) => b.score - a.score);
  const parts = new Map<string, number>();
  for (const p of scorable) if (p.window !== null) parts.set(p.window, -cost.fnWeight);
  let fpSum = 0;
  let windowSum = -cost.fnWeight * parts.size;
  const out: ThresholdScore[] = [];
  let threshold = 1.1;
  let tp = 0;
  let fp = 0;
  for (const p of scorable) {
    if (p.score !== threshold) {
      out.push({ threshold, score: fpSum + windowSum, tp, fp });
      threshold = p.score;
    }
    if (p.window === null) {
      fp++;
      fpSum += p.sweep;
    } else {
      tp++;
      const before = parts.get(p.window)!;
      if (p.sweep > before) {
        parts.set(p.window, p.sweep);
        windowSum += p.sweep - before;
      }
    }
  }
  out.push({ threshold, score: fpSum + windowSum, tp, fp });
  return out;
}

/** Raw score of one file at a fixed threshold (NAB scoreDataSet: the row at or just above it). */
export function rawScoreAt(points: readonly Point[], cost: CostMatrix, threshold: number): number {
  const rows = scoreByThreshold(points, cost);
  let prev: ThresholdScore | undefined;
  for (const r of rows) {
    if (r.threshold === threshold) return r.score;
    if (r.threshold < threshold) return (prev ?? r).score;
    prev = r;
  }
  return rows.at(-1)!.score;
}

export interface ProfileResult {
  threshold: number;
  raw: number;
  nullScore: number;
  perfect: number;
  /** Normalised 0-100 score. */
  score: number;
  tp: number;
  fp: number;
  windows: number;
}

/** One file's sweep points and window count, computed once for a profile (CV reuses them). */
export interface SweptFile {
  points: Point[];
  windows: number;
}

export const sweepFile = (file: ScoredFile, cost: CostMatrix): SweptFile => ({
  points: sweepPoints(file, cost),
  windows: file.windows.length,
});

/** Tunes one threshold over the whole corpus and normalises the result. */
export function scoreCorpus(files: readonly ScoredFile[], cost: CostMatrix): ProfileResult {
  return scoreSwept(
    files.map((f) => sweepFile(f, cost)),
    cost,
  );
}

/** scoreCorpus on files already swept with the same cost matrix. */
export function scoreSwept(files: readonly SweptFile[], cost: CostMatrix): ProfileResult {
  const all = files.flatMap((f) => f.points);
  const rows = scoreByThreshold(all, cost);
  const best = rows.reduce((a, b) => (b.score > a.score ? b : a));
  const scorable = new Set(
    all.filter((p) => p.window !== null && p.window !== 'probationary').map((p) => p.window),
  ).size;
  const windows = files.reduce((n, f) => n + f.windows, 0);
  const nullScore = -cost.fnWeight * scorable;
  const perfect = cost.tpWeight * windows;
  return {
    threshold: best.threshold,
    raw: best.score,
    nullScore,
    perfect,
    score: (100 * (best.score - nullScore)) / (perfect - nullScore),
    tp: best.tp,
    fp: best.fp,
    windows,
  };
}
