/**
 * How the detector's DEFAULTS were chosen (ADR 0016), and the honest check of that choice:
 *
 *   node --import tsx bench/nab/tune.ts [gridJson]
 *
 * A small grid of general parameter sets (the same for every file) is scored on the NAB
 * realKnownCause files. For the three profiles it prints:
 *
 * - all files: the grid point with the best standard score on all 7 files (that is how DEFAULTS were
 *   picked: tuned on the files it is scored on, an optimistic figure);
 * - leave-one-file-out: for each file, the grid point is chosen on the other 6 files only, and that
 *   file is scored with it; the 7 held-out score series are then scored together by NAB's method (one
 *   threshold per profile over the corpus, as NAB does for every detector). A second, stricter figure
 *   also takes the threshold from the 6 training files.
 *
 * `gridJson` overrides the grid: {"param": [values...], ...}, crossed with DEFAULTS for the rest.
 */
import { DEFAULTS, scoreSeries, type DetectorParams } from '../../src/analytics/anomaly/detector.js';
import { loadCorpus, loadProfiles, type NabFile, type ProfileName } from './corpus.js';
import { rawScoreAt, scoreCorpus, scoreSwept, sweepFile, type ScoredFile, type SweptFile } from './scorer.js';

/** The grid DEFAULTS were chosen from: a few values of the parameters that matter most. */
export const GRID: Partial<Record<keyof DetectorParams, number[]>> = {
  slow: [0.001, 0.003, 0.01],
  long: [0.001, 0.003],
  onset: [0.5, 0.7],
  refractory: [200, 600],
  // with and without the contextual view
  views: [15, 31],
};

export function gridPoints(
  grid: Partial<Record<keyof DetectorParams, number[]>>,
  base = DEFAULTS,
): DetectorParams[] {
  let out: DetectorParams[] = [base];
  for (const [k, vs] of Object.entries(grid)) out = out.flatMap((p) => vs.map((v) => ({ ...p, [k]: v })));
  return out;
}

export interface CrossValidation<P = DetectorParams> {
  /** Standard-profile-optimal grid point on all files, and its three scores there. */
  allFiles: { params: P; scores: Record<ProfileName, number> };
  /** Leave-one-file-out: parameters chosen without the scored file; threshold tuned per NAB. */
  heldOut: Record<ProfileName, number>;
  /** The same, with the threshold also taken from the training files. */
  heldOutStrict: Record<ProfileName, number>;
  /** Which grid point each held-out file got. */
  chosen: Record<string, number>;
}

const normalise = (raw: number, nullScore: number, perfect: number) =>
  (100 * (raw - nullScore)) / (perfect - nullScore);

export function crossValidate<P = DetectorParams>(
  corpus: readonly NabFile[],
  points: readonly P[],
  progress: (m: string) => void = () => {},
  run: (values: number[], p: P, timestamps: number[]) => number[] = (v, p, t) =>
    scoreSeries(v, p as DetectorParams, t),
): CrossValidation<P> {
  const profiles = loadProfiles();
  const names = Object.keys(profiles) as ProfileName[];
  // every grid point's scores per file, and their standard-profile sweep, computed once
  const scored: ScoredFile[][] = [];
  const swept: SweptFile[][] = [];
  points.forEach((p, i) => {
    progress(`grid point ${i + 1}/${points.length}`);
    const files = corpus.map((c) => ({
      name: c.name,
      timestamps: c.timestamps,
      windows: c.windows,
      scores: run(c.values, p, c.timestamps),
    }));
    scored.push(files);
    swept.push(files.map((f) => sweepFile(f, profiles.standard)));
  });
  const bestOn = (fileIdx: number[]) => {
    let best = 0;
    let bestScore = -Infinity;
    swept.forEach((files, i) => {
      const s = scoreSwept(
        fileIdx.map((f) => files[f]!),
        profiles.standard,
      ).score;
      if (s > bestScore) {
        best = i;
        bestScore = s;
      }
    });
    return best;
  };
  const all = corpus.map((_, i) => i);
  const top = bestOn(all);
  const allScores = Object.fromEntries(
    names.map((n) => [n, scoreCorpus(scored[top]!, profiles[n]).score]),
  ) as Record<ProfileName, number>;
  const chosen: Record<string, number> = {};
  const heldOutFiles: ScoredFile[] = [];
  const strictRaw = Object.fromEntries(names.map((n) => [n, 0])) as Record<ProfileName, number>;
  for (const f of all) {
    progress(`leave out ${corpus[f]!.name}`);
    const train = all.filter((i) => i !== f);
    const g = bestOn(train);
    chosen[corpus[f]!.name] = g;
    heldOutFiles.push(scored[g]![f]!);
    for (const n of names) {
      const threshold = scoreCorpus(
        train.map((i) => scored[g]![i]!),
        profiles[n],
      ).threshold;
      strictRaw[n] += rawScoreAt(sweepFile(scored[g]![f]!, profiles[n]).points, profiles[n], threshold);
    }
  }
  const heldOut = Object.fromEntries(
    names.map((n) => [n, scoreCorpus(heldOutFiles, profiles[n]).score]),
  ) as Record<ProfileName, number>;
  const heldOutStrict = Object.fromEntries(
    names.map((n) => {
      const r = scoreCorpus(heldOutFiles, profiles[n]);
      return [n, normalise(strictRaw[n], r.nullScore, r.perfect)];
    }),
  ) as Record<ProfileName, number>;
  return { allFiles: { params: points[top]!, scores: allScores }, heldOut, heldOutStrict, chosen };
}

if (process.argv[1]?.endsWith('tune.ts')) {
  const grid = process.argv[2]
    ? (JSON.parse(process.argv[2]) as Partial<Record<keyof DetectorParams, number[]>>)
    : GRID;
  const points = gridPoints(grid);
  const t0 = Date.now();
  const cv = crossValidate(loadCorpus(), points, (m) => process.stderr.write(`\r${m}          `));
  process.stderr.write('\n');
  const fmt = (r: Record<ProfileName, number>) =>
    `standard ${r.standard.toFixed(1)}, reward_low_FP ${r.reward_low_FP_rate.toFixed(1)}, reward_low_FN ${r.reward_low_FN_rate.toFixed(1)}`;
  console.log(`${points.length} grid points, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  console.log(`all files (best grid point):      ${fmt(cv.allFiles.scores)}`);
  console.log(`  params ${JSON.stringify(cv.allFiles.params)}`);
  console.log(`leave-one-file-out:               ${fmt(cv.heldOut)}`);
  console.log(`  threshold from training too:    ${fmt(cv.heldOutStrict)}`);
  console.log(`  grid point per held-out file:   ${JSON.stringify(cv.chosen)}`);
}
