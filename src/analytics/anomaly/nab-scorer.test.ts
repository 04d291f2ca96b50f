/**
 * The NAB scorer (bench/nab/scorer.ts) on hand-made files whose scores are worked out by hand.
 * File: 100 rows a minute apart; probation = floor(0.15 * 100) = 15 rows; one window, rows 40..49.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  probationLength,
  scaledSigmoid,
  scoreCorpus,
  type CostMatrix,
  type ScoredFile,
} from '../../../bench/nab/scorer.js';

const standard: CostMatrix = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };
const lowFP: CostMatrix = { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 };
const lowFN: CostMatrix = { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 };

const ts = Array.from({ length: 100 }, (_, i) => i * 60_000);
function file(detections: Record<number, number>, name = 'f'): ScoredFile {
  return {
    name,
    timestamps: ts,
    scores: ts.map((_, i) => detections[i] ?? 0),
    windows: [[ts[40]!, ts[49]!]],
  };
}

describe('NAB scorer', () => {
  it('uses the scaled sigmoid and probation length of NAB', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5); // 2 sigmoid(5) - 1
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(0)).toBe(0);
    // NAB: -1 only strictly beyond 3 (sweeper.py: `if relativePositionInWindow > 3.0`)
    expect(scaledSigmoid(3)).toBeCloseTo(-0.9999994, 7);
    expect(scaledSigmoid(3.01)).toBe(-1);
    expect(probationLength(100)).toBe(15);
    expect(probationLength(22_695)).toBe(750); // capped at 15% of 5000
  });

  it('a detection at the left edge of every window scores 100 (the perfect detector)', () => {
    const r = scoreCorpus([file({ 40: 1 })], standard);
    expect(r.raw).toBeCloseTo(1, 9);
    expect(r.score).toBeCloseTo(100, 9);
    expect(r.nullScore).toBe(-1);
    expect(r.perfect).toBe(1);
  });

  it('a detection half-way into the window earns scaledSigmoid(-0.5) / scaledSigmoid(-1)', () => {
    // position = -(49 - 45 + 1) / 10 = -0.5 -> 0.84828 / 0.98661 = 0.85980 -> (0.85980 + 1) / 2
    expect(scoreCorpus([file({ 45: 1 })], standard).score).toBeCloseTo(92.99, 2);
    // reward_low_FN: null = -2, perfect = 1 -> (0.85980 + 2) / 3
    expect(scoreCorpus([file({ 45: 1 })], lowFN).score).toBeCloseTo(95.33, 2);
  });

  it('only the earliest detection in a window counts', () => {
    expect(scoreCorpus([file({ 45: 1, 47: 1 })], standard).score).toBeCloseTo(92.99, 2);
  });

  it('a false positive before any window costs the full fpWeight', () => {
    // both rows at the same score, so the tuned threshold takes both: 1 - 0.11 and 1 - 0.22
    expect(scoreCorpus([file({ 40: 0.9, 20: 0.9 })], standard).score).toBeCloseTo(94.5, 9);
    expect(scoreCorpus([file({ 40: 0.9, 20: 0.9 })], lowFP).score).toBeCloseTo(89, 9);
  });

  it('a false positive just after a window costs less, on the sigmoid of its distance', () => {
    // |49 - 54| / (10 - 1) = 5/9 -> scaledSigmoid = 2 / (1 + e^(25/9)) - 1 = -0.88293; x 0.11 = -0.09712
    const r = scoreCorpus([file({ 40: 0.9, 54: 0.9 })], standard);
    expect(r.raw).toBeCloseTo(1 - 0.097122, 5);
    expect(r.score).toBeCloseTo(95.144, 2);
  });

  it('tunes the threshold: a detector that only raises false alarms scores 0, not less', () => {
    const r = scoreCorpus([file({ 20: 0.9, 60: 0.8 })], standard);
    expect(r.score).toBe(0);
    expect(r.threshold).toBe(1.1);
  });

  it('picks the threshold that separates detections from false alarms', () => {
    // 0.9 at the window's left edge, 0.5 on a false positive: the threshold 0.9 keeps only the hit
    const r = scoreCorpus([file({ 40: 0.9, 20: 0.5 })], standard);
    expect(r.threshold).toBe(0.9);
    expect(r.score).toBeCloseTo(100, 9);
  });

  it('ignores detections in the probation period, and sums windows over files', () => {
    expect(scoreCorpus([file({ 5: 1 })], standard).score).toBe(0);
    // two files: one window hit at the edge (+1), one missed (-1): raw 0, null -2, perfect 2 -> 50
    expect(scoreCorpus([file({ 40: 1 }), file({}, 'g')], standard).score).toBeCloseTo(50, 9);
  });

  it('scores a two-window file worked out by hand, per profile, with the threshold swept', () => {
    // windows rows 40..49 and 70..79 (width 10), probation 15 rows; detections:
    //   row 20 (0.9): FP before any window            -> -fpWeight
    //   row 44 (0.9): TP, position -(49-44+1)/10 = -0.6 -> scaledSigmoid(-0.6)/scaledSigmoid(-1) = 0.917429
    //   row 46 (0.9): second detection in window 1     -> ignored
    //   row 60 (0.9): FP 11 rows past window 1          -> scaledSigmoid(11/9) * fpWeight = -0.995574 fpW
    //   row 75 (0.5): TP in window 2 at -0.5            -> 0.859793 (only when the threshold is <= 0.5)
    //   row 79 (0.9): TP at window 2's right edge, -0.1 -> 0.248242
    //   row 90 (0.9): FP 11 rows past window 2          -> -0.995574 fpW
    const two: ScoredFile = {
      name: 'two',
      timestamps: ts,
      scores: ts.map((_, i) => ({ 20: 0.9, 44: 0.9, 46: 0.9, 60: 0.9, 79: 0.9, 90: 0.9, 75: 0.5 })[i] ?? 0),
      windows: [
        [ts[40]!, ts[49]!],
        [ts[70]!, ts[79]!],
      ],
    };
    // threshold 0.9: 0.917429 + 0.248242 - 0.11 - 2 * 0.109513 = 0.836644
    // threshold 0.5: 0.917429 + 0.859793 - 0.11 - 2 * 0.109513 = 1.448195 (better: chosen)
    const std = scoreCorpus([two], standard);
    expect(std.threshold).toBe(0.5);
    expect(std.raw).toBeCloseTo(1.448195, 5);
    expect(std.nullScore).toBe(-2);
    expect(std.perfect).toBe(2);
    expect(std.score).toBeCloseTo(86.205, 2); // 100 * (1.448195 + 2) / 4
    // reward_low_FN: null -4, perfect 2 -> 100 * (1.448195 + 4) / 6
    expect(scoreCorpus([two], lowFN).score).toBeCloseTo(90.803, 2);
    // reward_low_FP: 0.917429 + 0.859793 - 0.22 - 2 * 0.219026 -> 100 * (1.119170 + 2) / 4
    expect(scoreCorpus([two], lowFP).score).toBeCloseTo(77.979, 2);
  });

  it('takes a window edge at the FIRST row of a duplicated timestamp, as NAB does', () => {
    // rows 49 and 50 share a timestamp; the window ends at row 49, so row 50 is an FP 1 row past it:
    // scaledSigmoid(1/9) * 0.11 = -0.029798 -> 100 * (1 - 0.029798 + 1) / 2
    const dup = ts.map((t, i) => (i === 50 ? ts[49]! : t));
    const r = scoreCorpus(
      [
        {
          name: 'd',
          timestamps: dup,
          scores: dup.map((_, i) => (i === 40 || i === 50 ? 1 : 0)),
          windows: [[ts[40]!, ts[49]!]],
        },
      ],
      standard,
    );
    expect(r.score).toBeCloseTo(98.51, 2);
  });

  it('any detector scores between 0 (the tuned threshold can always flag nothing) and 100', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 100, maxLength: 100 }),
        fc.constantFrom(standard, lowFP, lowFN),
        (scores, cost) => {
          const r = scoreCorpus([{ ...file({}), scores }], cost);
          expect(r.score).toBeGreaterThanOrEqual(0);
          expect(r.score).toBeLessThanOrEqual(100 + 1e-9);
        },
      ),
      { numRuns: 200 },
    );
  });
});
