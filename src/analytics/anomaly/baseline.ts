/**
 * NAB's "windowed Gaussian" reference detector, as a baseline: the tail probability of the value under
 * a normal fitted to the previous `window` values (running sums over a ring buffer).
 */
import { normalCdf } from '../models/stats.js';

export function windowedGaussian(values: readonly number[], window = 6400): number[] {
  const buf: number[] = [];
  let sum = 0;
  let sq = 0;
  return values.map((v) => {
    let score = 0;
    if (buf.length >= 2) {
      const m = sum / buf.length;
      const sd = Math.sqrt(Math.max(0, sq / buf.length - m * m));
      // the two-sided tail probability on a log scale, so that far tails do not all round to 1.0
      const tail = sd > 0 ? 2 * (1 - normalCdf(Math.abs(v - m) / sd)) : 1;
      score = Math.min(1, -Math.log10(Math.max(1e-10, tail)) / 10);
    }
    buf.push(v);
    sum += v;
    sq += v * v;
    if (buf.length > window) {
      const old = buf.shift()!;
      sum -= old;
      sq -= old * old;
    }
    return score;
  });
}
