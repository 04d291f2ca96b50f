/**
 * A streaming anomaly detector per series, with bounded state (about 520 numbers, ~4 KB, per series
 * whatever the sampling rate or the length of the series; a few microseconds per reading):
 *
 * 1. four cheap views of each reading, each a robust z-score against exponentially weighted location and
 *    mean-absolute-deviation estimates (outliers are clipped before they update them):
 *    - prediction error of a short-term model (an exponentially weighted mean, the one-step forecast);
 *    - the value against the series' long-run level (level shifts, drifts);
 *    - the first difference against the usual steps (jumps, spikes, a stuck sensor that starts moving);
 *    - the value against a seasonal profile (the mean per hour of the week, from the timestamps),
 *      when timestamps are given: a normal Monday-morning peak is not a surprise, a missing one is;
 * 2. a contextual rarity in the spirit of CAD/KNN-CAD: values are quantised into bins around the
 *    long-run level and the detector counts (with forgetting) which bin follows which; a transition
 *    that has rarely been seen is surprising even when each value on its own is ordinary (off in
 *    DEFAULTS: on the NAB files it added more false alarms than detections);
 * 3. an anomaly likelihood per view, Numenta's method: the short-term average of the view's surprise
 *    against the long-run mean and spread of that average, turned into a tail probability; the most
 *    surprising view wins; on a log scale in [0, 1] (so 0.99, 0.999 and 0.9999 stay apart);
 * 4. a probation (`warmup`) while the statistics settle, then episodes: a score counts in full only
 *    when it exceeds the (slowly decaying) recent peak, and once a score passes `onset` the next
 *    `refractory` readings are damped, so one incident gives one mark at its onset rather than hundreds.
 *
 * The score is in [0, 1]; the threshold is the rule's or the chart's. DEFAULTS are general (the same for
 * every series) but were chosen on the NAB realKnownCause files (ADR 0016 says how, and what a
 * cross-validated choice scores).
 */
import { normalCdf } from '../models/stats.js';

export interface DetectorParams {
  /** Weight of a new value in the fast mean (the short-term prediction). */
  fast: number;
  /** Weight of a new value in the long-run robust statistics of each view. */
  slow: number;
  /** Weight in the short-term average of each view's surprise (Numenta averages ~10 readings). */
  short: number;
  /** Weight in the long-run statistics of the averaged surprise. */
  long: number;
  /** Per-reading decay of the remembered peak score. */
  peakDecay: number;
  /** Factor applied to a score that is not the onset of an episode. */
  damp: number;
  /** Readings before any score is given (the statistics are still settling). */
  warmup: number;
  /** Readings after an episode's onset during which further scores are damped. */
  refractory: number;
  /** Score (before damping) that opens an episode. */
  onset: number;
  /** Season of the seasonal profile in ms (0: none); it is split into SEASON_SLOTS slots. */
  seasonMs: number;
  /** Which views take part (bit mask of VIEW_*); all by default. */
  views: number;
}

export const VIEW_ERROR = 1;
export const VIEW_LEVEL = 2;
export const VIEW_STEP = 4;
export const VIEW_SEASON = 8;
export const VIEW_CONTEXT = 16;
const VIEWS = 5;

/** Slots of the seasonal profile (an hour each for a week). */
export const SEASON_SLOTS = 168;
/** Bins of the contextual view: half a spread each around the long-run level. */
export const BINS = 12;

/**
 * Chosen on the NAB realKnownCause files (bench/nab/tune.ts): slow, long, onset and refractory are the
 * best point of a small grid on all 7 files; the others are round values. The contextual view is off:
 * on these files it added more false alarms than detections.
 */
export const DEFAULTS: DetectorParams = {
  fast: 0.2,
  slow: 0.003,
  short: 0.5,
  long: 0.001,
  peakDecay: 0.999,
  damp: 0.4,
  warmup: 150,
  refractory: 200,
  onset: 0.7,
  seasonMs: 7 * 86_400_000,
  views: VIEW_ERROR | VIEW_LEVEL | VIEW_STEP | VIEW_SEASON,
};

/** A robust running location and spread: exponentially weighted mean and mean absolute deviation. */
interface Robust {
  m: number;
  d: number;
  n: number;
}

/** Everything the detector keeps per series: plain numbers, serialisable as JSON. */
export interface DetectorState {
  n: number;
  last: number;
  fastMean: number;
  err: Robust;
  level: Robust;
  step: Robust;
  /** Seasonal profile: mean per slot and readings seen per slot; residual spread. */
  slotMean: number[];
  slotN: number[];
  seasRes: Robust;
  /** Contextual view: decayed counts of bin transitions (BINS x BINS), previous bin. */
  trans: number[];
  prevBin: number;
  /** Per view: short-term average of the surprise, long-run mean and variance of that average. */
  sShort: number[];
  sMean: number[];
  sVar: number[];
  sN: number[];
  peak: number;
  cool: number;
}

const robust = (): Robust => ({ m: 0, d: 0, n: 0 });

export const initialState = (): DetectorState => ({
  n: 0,
  last: 0,
  fastMean: 0,
  err: robust(),
  level: robust(),
  step: robust(),
  slotMean: [],
  slotN: [],
  seasRes: robust(),
  trans: [],
  prevBin: -1,
  sShort: new Array<number>(VIEWS).fill(0),
  sMean: new Array<number>(VIEWS).fill(0),
  sVar: new Array<number>(VIEWS).fill(0),
  sN: new Array<number>(VIEWS).fill(0),
  peak: 0,
  cool: 0,
});

const EPS = 1e-9;
/** z-scores are capped: beyond this a reading is "very surprising", no need to rank further. */
const Z_CAP = 20;

/** |x - m| in units of the robust spread (MAD x 1.25 ~ one standard deviation for a normal). */
function robustZ(r: Robust, x: number): number {
  const scale = 1.25 * r.d + 1e-6 * Math.abs(r.m) + EPS;
  return Math.min(Z_CAP, Math.abs(x - r.m) / scale);
}

/** Updates in place; a deviation is clipped at 4 spreads once settled, so an outlier moves it little. */
function robustUpdate(r: Robust, x: number, w: number): void {
  r.n++;
  const a = Math.max(w, 1 / r.n);
  if (r.n === 1) {
    r.m = x;
    return;
  }
  let e = x - r.m;
  if (r.n > 20) {
    const c = 4 * (1.25 * r.d + 1e-6 * Math.abs(r.m) + EPS);
    e = Math.max(-c, Math.min(c, e));
  }
  r.m += a * e;
  r.d += a * (Math.abs(e) - r.d);
}

const copyRobust = (r: Robust): Robust => ({ m: r.m, d: r.d, n: r.n });

/** log10 of the normal upper tail probability, accurate far into the tail (no underflow to 0). */
export function log10Tail(z: number): number {
  if (z < 5) return Math.log10(Math.max(1e-300, 1 - normalCdf(z)));
  // Mills ratio: Q(z) ~ phi(z) / z * (1 - 1/z^2 + 3/z^4)
  const lnQ = -0.5 * z * z - Math.log(z * Math.sqrt(2 * Math.PI)) + Math.log(1 - 1 / (z * z) + 3 / z ** 4);
  return lnQ / Math.LN10;
}

export interface Scored {
  score: number;
  /** The score before episode damping: how unusual the reading is on its own. */
  likelihood: number;
  state: DetectorState;
}

const cloneState = (prev: DetectorState): DetectorState => ({
  ...prev,
  err: copyRobust(prev.err),
  level: copyRobust(prev.level),
  step: copyRobust(prev.step),
  seasRes: copyRobust(prev.seasRes),
  slotMean: prev.slotMean.slice(),
  slotN: prev.slotN.slice(),
  trans: prev.trans.slice(),
  sShort: prev.sShort.slice(),
  sMean: prev.sMean.slice(),
  sVar: prev.sVar.slice(),
  sN: prev.sN.slice(),
});

/** Scores one reading; pure: returns the new state, the input state is not changed. */
export function scoreReading(
  prev: DetectorState,
  value: number,
  p: DetectorParams = DEFAULTS,
  ts?: number,
): Scored {
  const s = cloneState(prev);
  const r = step(s, value, p, ts);
  return { ...r, state: s };
}

/** One reading, updating `s` in place. */
function step(
  s: DetectorState,
  value: number,
  p: DetectorParams,
  ts: number | undefined,
): { score: number; likelihood: number } {
  if (!Number.isFinite(value)) return { score: 0, likelihood: 0 };
  if (s.n === 0) {
    s.fastMean = value;
    s.last = value;
    robustUpdate(s.level, value, p.slow);
    s.n = 1;
    return { score: 0, likelihood: 0 };
  }
  const z = new Array<number>(VIEWS).fill(0);
  const on = new Array<boolean>(VIEWS).fill(false);

  // 1. prediction error of the short-term model
  const err = value - s.fastMean;
  z[0] = robustZ(s.err, err);
  on[0] = (p.views & VIEW_ERROR) !== 0;
  robustUpdate(s.err, err, p.slow);
  s.fastMean += p.fast * err;
  // 2. level against the long-run level
  z[1] = robustZ(s.level, value);
  on[1] = (p.views & VIEW_LEVEL) !== 0;
  // 3. first difference against the usual steps
  const step = value - s.last;
  z[2] = robustZ(s.step, step);
  on[2] = (p.views & VIEW_STEP) !== 0;
  robustUpdate(s.step, step, p.slow);
  s.last = value;
  // 4. seasonal profile: the slot's mean, the residual against it in units of the residuals' spread
  if (ts !== undefined && p.seasonMs > 0 && (p.views & VIEW_SEASON) !== 0) {
    const phase = (((ts % p.seasonMs) + p.seasonMs) % p.seasonMs) / p.seasonMs;
    const k = Math.min(SEASON_SLOTS - 1, Math.floor(phase * SEASON_SLOTS));
    const seen = s.slotN[k] ?? 0;
    if (seen >= 2) {
      const res = value - s.slotMean[k]!;
      z[3] = robustZ(s.seasRes, res);
      on[3] = s.seasRes.n > 50;
      robustUpdate(s.seasRes, res, p.slow);
    }
    // a slot forgets over ~10 of its own readings (a handful of seasons)
    const a = Math.max(0.1, 1 / (seen + 1));
    s.slotMean[k] = seen === 0 ? value : s.slotMean[k]! + a * (value - s.slotMean[k]!);
    s.slotN[k] = Math.min(1e6, seen + 1);
  }
  // 5. contextual rarity of the transition between quantised values
  if ((p.views & VIEW_CONTEXT) !== 0 && s.level.n > 20) {
    const scale = 1.25 * s.level.d + 1e-6 * Math.abs(s.level.m) + EPS;
    const bin = Math.max(0, Math.min(BINS - 1, Math.floor((value - s.level.m) / (0.5 * scale) + BINS / 2)));
    if (s.prevBin >= 0) {
      const row = s.prevBin * BINS;
      let total = 0;
      for (let b = 0; b < BINS; b++) total += s.trans[row + b] ?? 0;
      const seen = s.trans[row + bin] ?? 0;
      // surprise in bits of the transition (add-half smoothing), as a z-like number
      const prob = (seen + 0.5) / (total + 0.5 * BINS);
      z[4] = Math.min(Z_CAP, -Math.log2(prob));
      on[4] = total >= 10;
      const keep = 1 - p.slow;
      for (let b = 0; b < BINS; b++) s.trans[row + b] = (s.trans[row + b] ?? 0) * keep;
      s.trans[row + bin] = (s.trans[row + bin] ?? 0) + 1;
    }
    s.prevBin = bin;
  }
  robustUpdate(s.level, value, p.slow);
  s.n++;

  // one likelihood per view (their surprises have different spreads), the most surprising wins
  let best = -Infinity;
  for (let k = 0; k < VIEWS; k++) {
    if (!on[k]) continue;
    const short = s.sShort[k]! + p.short * (z[k]! - s.sShort[k]!);
    const ds = short - s.sMean[k]!;
    s.sShort[k] = short;
    // early on, a plain average (the weight 1/n) instead of an under-estimated exponential one
    s.sN[k] = s.sN[k]! + 1;
    const a = Math.max(p.long, 1 / s.sN[k]!);
    s.sMean[k] = s.sMean[k]! + a * ds;
    s.sVar[k] = (1 - a) * (s.sVar[k]! + a * ds * ds);
    best = Math.max(best, ds / (Math.sqrt(s.sVar[k]!) + EPS));
  }

  if (s.n <= p.warmup || best === -Infinity) return { score: 0, likelihood: 0 };
  const scaled = Math.min(1, -log10Tail(best) / 10);
  const fresh = scaled > s.peak && s.cool <= 0;
  s.peak = Math.max(scaled, s.peak * p.peakDecay);
  if (s.cool > 0) s.cool--;
  if (fresh && scaled >= p.onset) s.cool = p.refractory;
  return { score: fresh ? scaled : scaled * p.damp, likelihood: scaled };
}

/** A detector holding the state of many series, bounded by `maxSeries` (least recently used dropped). */
export class AnomalyDetector {
  private readonly states = new Map<string, DetectorState>();
  constructor(
    private readonly params: DetectorParams = DEFAULTS,
    private readonly maxSeries = 100_000,
  ) {}

  score(series: string, value: number, ts?: number): number {
    const prev = this.states.get(series) ?? initialState();
    const r = scoreReading(prev, value, this.params, ts);
    this.states.delete(series);
    this.states.set(series, r.state);
    if (this.states.size > this.maxSeries) this.states.delete(this.states.keys().next().value!);
    return r.score;
  }

  state(series: string): DetectorState | undefined {
    return this.states.get(series);
  }

  restore(series: string, state: DetectorState): void {
    this.states.set(series, state);
  }

  get size(): number {
    return this.states.size;
  }
}

/** Scores a whole series in order (for charts, backfills and the benchmark). */
export function scoreSeries(
  values: readonly number[],
  p: DetectorParams = DEFAULTS,
  timestamps?: readonly number[],
): number[] {
  const st = initialState();
  return values.map((v, i) => step(st, v, p, timestamps?.[i]).score);
}
