/**
 * Fixtures shared by the bus and consumer contract suites (test support).
 */
import { expect } from 'vitest';
import type { Coordinator } from '../coordinator.js';
import type { Bus, BusEntry, BusRecord } from '../port.js';

export const idOrder = (a: string, b: string): number => {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
};

export const records = (n: number, keys = 10, from = 0): BusRecord[] =>
  Array.from({ length: n }, (_, j) => ({
    key: `sensor-${(from + j) % keys}`,
    payload: JSON.stringify({ i: from + j }),
  }));

export const seqOf = (e: BusEntry): number => (JSON.parse(e.payload) as { i: number }).i;

/** Reads (without blocking) until nothing new is left; checks no read returns more than `count`. */
export async function drain(
  bus: Bus,
  stream: string,
  group: string,
  consumer: string,
  partitions: number[],
  count = 50,
): Promise<BusEntry[]> {
  const out: BusEntry[] = [];
  for (;;) {
    const got = await bus.read({ stream, group, consumer, partitions, count, blockMs: 0 });
    expect(got.length).toBeLessThanOrEqual(count);
    if (got.length === 0) return out;
    out.push(...got);
  }
}

export const all = (n: number): number[] => Array.from({ length: n }, (_, p) => p);

/** A coordinator that, once frozen, never answers again: what a crashed or stalled process looks like. */
export function freezable(c: Coordinator): { coordinator: Coordinator; freeze(): void } {
  let frozen = false;
  const never = new Promise<never>(() => {});
  const guard =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> =>
      frozen ? never : f(...a);
  return {
    coordinator: {
      kind: c.kind,
      heartbeat: guard(c.heartbeat.bind(c)),
      leave: guard(c.leave.bind(c)),
      owners: guard(c.owners.bind(c)),
      acquire: guard(c.acquire.bind(c)),
      release: guard(c.release.bind(c)),
    },
    freeze: () => (frozen = true),
  };
}

/** Effects that count: recorded only by handle() calls that resolve, like a committed transaction. */
export class Effects {
  readonly seen = new Map<string, number>();
  readonly byKey = new Map<string, number[]>();

  commit(entries: BusEntry[]): void {
    for (const e of entries) {
      this.seen.set(e.payload, (this.seen.get(e.payload) ?? 0) + 1);
      const list = this.byKey.get(e.key) ?? [];
      list.push((JSON.parse(e.payload) as { i: number }).i);
      this.byKey.set(e.key, list);
    }
  }

  /** Every one of the first n records took effect exactly once, and each key's records in order. */
  expectExactlyOnceInOrder(n: number): void {
    expect([...this.seen.values()].filter((c) => c !== 1)).toEqual([]);
    expect(this.seen.size).toBe(n);
    for (const [key, seqs] of this.byKey) expect(seqs, key).toEqual([...seqs].sort((a, b) => a - b));
  }
}
