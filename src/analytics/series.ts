/**
 * Turning stored points into what the models need: a regular grid, in order, gaps filled by linear
 * interpolation, bounded in length (consecutive buckets averaged when there are too many).
 */
export type Point = [ts: number, value: number];

export interface Regular {
  start: number;
  intervalMs: number;
  values: number[];
  /** How many grid slots had no reading and were interpolated. */
  filled: number;
}

/** The most common positive spacing between consecutive timestamps (the sampling interval). */
export function samplingInterval(ts: readonly number[]): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < ts.length; i++) {
    const d = ts[i]! - ts[i - 1]!;
    if (d > 0) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best = 0;
  let n = -1;
  for (const [d, c] of counts) if (c > n || (c === n && d < best)) [best, n] = [d, c];
  return best;
}

export function regularize(points: readonly Point[], intervalMs: number, maxPoints = 4000): Regular {
  if (points.length === 0 || intervalMs <= 0) return { start: 0, intervalMs, values: [], filled: 0 };
  const sorted = [...points].filter((p) => Number.isFinite(p[1])).sort((a, b) => a[0] - b[0]);
  const start = sorted[0]![0];
  const slots = Math.floor((sorted.at(-1)![0] - start) / intervalMs) + 1;
  const sum = new Float64Array(slots);
  const cnt = new Uint32Array(slots);
  for (const [t, v] of sorted) {
    const i = Math.floor((t - start) / intervalMs);
    sum[i]! += v;
    cnt[i]!++;
  }
  const values: number[] = new Array(slots);
  let filled = 0;
  let last = -1;
  for (let i = 0; i < slots; i++) {
    if (cnt[i]! > 0) {
      values[i] = sum[i]! / cnt[i]!;
      for (let j = last + 1; j < i; j++) {
        values[j] =
          last < 0 ? values[i]! : values[last]! + ((values[i]! - values[last]!) * (j - last)) / (i - last);
        filled++;
      }
      last = i;
    }
  }
  if (slots <= maxPoints) return { start, intervalMs, values, filled };
  const k = Math.ceil(slots / maxPoints);
  const out: number[] = [];
  // keep the newest data aligned: drop the oldest partial group
  for (let i = slots % k; i + k <= slots; i += k) {
    let s = 0;
    for (let j = i; j < i + k; j++) s += values[j]!;
    out.push(s / k);
  }
  return { start: start + (slots % k) * intervalMs, intervalMs: intervalMs * k, values: out, filled };
}
