/**
 * Predictive analytics on this machine:
 *
 * - NAB scores (standard, reward_low_FP, reward_low_FN) of our streaming detector on the realKnownCause
 *   files, scored by bench/nab/scorer.ts (NAB's method: windows, scaled sigmoid, one threshold per
 *   profile over the corpus, normalised 0-100). The "raw" column is a windowed Gaussian detector run in
 *   the same process on the same files; the published figures (whole NAB corpus, not this subset) are
 *   in the note. Our detector's DEFAULTS were chosen on these same files (ADR 0016), so "ours" is
 *   optimistic; the note gives the leave-one-file-out figure of bench/nab/tune.ts (parameters chosen
 *   without the file being scored), the honest estimate for data it was not tuned on.
 * - Forecast accuracy: mean MASE of each candidate on the NAB series (rolling-origin backtest, one day
 *   ahead on the diagnosis grid) and of the model the selection chose; raw = seasonal naive.
 * - Fit time: backtest + choice of one NAB series; and one week of 1-minute data per series (10,080
 *   points, bounded to ANALYTICS_MAX_POINTS), measured on a sample and extrapolated to 10,000 series.
 */
import { windowedGaussian } from '../src/analytics/anomaly/baseline.js';
import { DEFAULTS, scoreSeries } from '../src/analytics/anomaly/detector.js';
import { diagnose } from '../src/analytics/diagnosis/report.js';
import { forecastWith, selectModel, stepsFor } from '../src/analytics/forecast.js';
import { regularize, type Point } from '../src/analytics/series.js';
import { loadCorpus, loadProfiles, type NabFile, type ProfileName } from './nab/corpus.js';
import { scoreCorpus } from './nab/scorer.js';
import type { BenchContext, BenchRow, BenchSuite } from './table.js';

const PUBLISHED: Record<ProfileName, string> = {
  standard: 'published (whole corpus): Numenta HTM ~70, windowed Gaussian 39.6',
  reward_low_FP_rate: 'published (whole corpus, approx.): Numenta HTM ~62, windowed Gaussian ~21',
  reward_low_FN_rate: 'published (whole corpus, approx.): Numenta HTM ~75, windowed Gaussian ~47',
};
/**
 * Leave-one-file-out scores from `node --import tsx bench/nab/tune.ts` (48-point grid, about a minute,
 * too slow to rerun in this suite): rerun it after changing the detector and update these figures.
 */
const CROSS_VALIDATED: Record<ProfileName, number> = {
  standard: 65.0,
  reward_low_FP_rate: 55.5,
  reward_low_FN_rate: 71.4,
};
const LABEL: Record<ProfileName, string> = {
  standard: 'NAB standard',
  reward_low_FP_rate: 'NAB reward_low_FP',
  reward_low_FN_rate: 'NAB reward_low_FN',
};

function nabRows(corpus: NabFile[]): BenchRow[] {
  const profiles = loadProfiles();
  const files = (f: (v: number[]) => number[]) =>
    corpus.map((c) => ({ name: c.name, timestamps: c.timestamps, scores: f(c.values), windows: c.windows }));
  const ours = corpus.map((c) => ({
    name: c.name,
    timestamps: c.timestamps,
    scores: scoreSeries(c.values, DEFAULTS, c.timestamps),
    windows: c.windows,
  }));
  const gauss = files((v) => windowedGaussian(v));
  return (Object.keys(profiles) as ProfileName[]).map((p) => {
    const o = scoreCorpus(ours, profiles[p]);
    const g = scoreCorpus(gauss, profiles[p]);
    return {
      suite: 'analytics',
      metric: `${LABEL[p]} score, realKnownCause (7 files, ${o.windows} windows)`,
      unit: '0-100',
      ours: o.score,
      raw: g.score,
      ...(p === 'standard' ? { target: '>= 70', met: o.score >= 70 } : {}),
      note:
        `DEFAULTS chosen on these files (optimistic); leave-one-file-out ${CROSS_VALIDATED[p].toFixed(1)} ` +
        `(bench/nab/tune.ts); threshold ${o.threshold.toFixed(3)}, ${o.fp} FP; raw = windowed Gaussian ` +
        `here; ${PUBLISHED[p]}`,
    };
  });
}

function accuracyRows(corpus: NabFile[], progress: (m: string) => void): BenchRow[] {
  const byModel = new Map<string, number[]>();
  const chosen: number[] = [];
  const fitMs: number[] = [];
  for (const c of corpus) {
    progress(`backtest ${c.name}`);
    const t0 = performance.now();
    const d = diagnose(c.timestamps.map((t, i) => [t, c.values[i]!] as Point));
    fitMs.push(performance.now() - t0);
    for (const s of d.backtest.scores)
      if (Number.isFinite(s.mase)) byModel.set(s.model, [...(byModel.get(s.model) ?? []), s.mase]);
    const pick = d.backtest.scores.find((s) => s.model === d.backtest.chosen);
    if (pick && Number.isFinite(pick.mase)) chosen.push(pick.mase);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const snaive = mean(byModel.get('snaive') ?? [NaN]);
  const rows: BenchRow[] = [...byModel].map(([model, xs]) => ({
    suite: 'analytics',
    metric: `forecast MASE, ${model} (NAB series, mean)`,
    unit: 'MASE',
    ours: mean(xs),
    raw: snaive,
    note: `${xs.length} series; raw = seasonal naive`,
  }));
  rows.push({
    suite: 'analytics',
    metric: 'forecast MASE, chosen model per series (NAB series, mean)',
    unit: 'MASE',
    ours: mean(chosen),
    raw: snaive,
    target: '<= seasonal naive',
    met: mean(chosen) <= snaive,
    note: 'lowest backtest MASE if it beats seasonal naive, else seasonal naive; scored on the backtest it was chosen on (optimistic)',
  });
  rows.push({
    suite: 'analytics',
    metric: 'diagnosis + backtest of one NAB series (mean over 7)',
    unit: 'ms',
    ours: mean(fitMs),
    note: 'timestamp and value checks, 7 candidates x 4 origins',
  });
  return rows;
}

/** A week of 1-minute readings: daily wave, slow drift, noise (deterministic per seed). */
function week(seed: number): Point[] {
  const out: Point[] = [];
  let s = seed;
  for (let t = 0; t < 7 * 86_400_000; t += 60_000) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    out.push([t, 20 + 3 * Math.sin((2 * Math.PI * t) / 86_400_000) + t / 1e9 + (s / 2 ** 31 - 0.5)]);
  }
  return out;
}

function fitTimeRows(ctx: BenchContext): BenchRow[] {
  const sample = Math.max(4, Math.round(40 * ctx.scale));
  const series = Array.from({ length: sample }, (_, i) => week(i + 1));
  const run = (maxPoints: number) => {
    const t0 = performance.now();
    for (const pts of series) {
      const g = regularize(pts, 60_000, maxPoints);
      const steps = stepsFor(3_600_000, g.intervalMs);
      const sel = selectModel(g, steps, 2000);
      forecastWith(g, sel.backtest.chosen, sel.seasonality.period, steps);
    }
    return (performance.now() - t0) / sample;
  };
  return [4000, 1000].flatMap((maxPoints) => {
    ctx.progress(`fit ${sample} series of a week of 1-minute data, at most ${maxPoints} points each`);
    const per = run(maxPoints);
    return [
      {
        suite: 'analytics',
        metric: `backtest + fit, 1 series, 1 week of 1-min data (<= ${maxPoints} points)`,
        unit: 'ms',
        ours: per,
        note: `mean of ${sample} series, horizon 1 h, 7 candidates x 4 origins`,
      },
      {
        suite: 'analytics',
        metric: `backtest + fit, 10,000 such series, one core (<= ${maxPoints} points)`,
        unit: 's',
        ours: (per * 10_000) / 1000,
        note: `extrapolated from ${sample} measured; the analytics role spreads it over rounds`,
      },
    ];
  });
}

export const analyticsBench: BenchSuite = async (ctx) => {
  const corpus = loadCorpus();
  ctx.progress('NAB scoring (our detector and a windowed Gaussian)');
  const rows = nabRows(corpus);
  rows.push(...accuracyRows(corpus, ctx.progress));
  rows.push(...fitTimeRows(ctx));
  return rows;
};
