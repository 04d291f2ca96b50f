import { TIERS, type TierName } from './tiers.js';

export interface Segment {
  tier: TierName;
  /** Inclusive start, exclusive end, epoch ms; for roll-up tiers both are bucket-aligned. */
  from: number;
  to: number;
}

const COARSE_FIRST = [...TIERS].filter((t) => t.bucketMs > 0).sort((a, b) => b.bucketMs - a.bucketMs);

/**
 * Split [from, to) into the fewest aligned pieces, coarse in the middle and finer toward the edges:
 * whole days from the day roll-up, the hours and minutes around them from finer roll-ups, and the
 * seconds at the very edges from raw readings. Aggregates over the pieces are exact (min/max/sum/count
 * compose) and read at most ~2x59 rows per finer tier per series, whatever the range.
 */
export function decompose(from: number, to: number): Segment[] {
  if (!(to > from)) return [];
  const out: Segment[] = [];
  split(from, to, 0, out);
  return out.sort((a, b) => a.from - b.from);
}

function split(from: number, to: number, level: number, out: Segment[]): void {
  if (from >= to) return;
  const t = COARSE_FIRST[level];
  if (!t) {
    out.push({ tier: 'raw', from, to });
    return;
  }
  const w = t.bucketMs;
  const start = Math.ceil(from / w) * w;
  const end = Math.floor(to / w) * w;
  if (start >= end) {
    split(from, to, level + 1, out);
    return;
  }
  split(from, start, level + 1, out);
  out.push({ tier: t.name, from: start, to: end });
  split(end, to, level + 1, out);
}
