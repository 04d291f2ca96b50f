/**
 * Counts failures per key in a sliding window: after `limit` failures within `windowMs`, the key is
 * refused until the oldest of them leaves the window. In memory, per process: with N API processes an
 * attacker gets at most N x limit tries per window (a shared store would be Redis; not worth it for
 * argon2-priced guesses).
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly o: { limit: number; windowMs: number; now?: () => number; maxKeys?: number },
  ) {}

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  private live(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > now - this.o.windowMs);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** 0 when the key may try now, else the ms until it may. */
  retryAfterMs(key: string): number {
    const now = this.now();
    const list = this.live(key, now);
    if (list.length < this.o.limit) return 0;
    return list[list.length - this.o.limit]! + this.o.windowMs - now;
  }

  fail(key: string): void {
    const now = this.now();
    if (!this.failures.has(key) && this.failures.size >= (this.o.maxKeys ?? 100_000)) this.prune(now);
    const list = this.live(key, now);
    list.push(now);
    this.failures.set(key, list);
  }

  /** A success forgets the key's failures. */
  reset(key: string): void {
    this.failures.delete(key);
  }

  private prune(now: number): void {
    for (const key of [...this.failures.keys()]) this.live(key, now);
    // Still full of live keys (a flood of distinct ones): forget the oldest half rather than grow.
    if (this.failures.size >= (this.o.maxKeys ?? 100_000)) {
      const keys = [...this.failures.keys()];
      for (const k of keys.slice(0, Math.ceil(keys.length / 2))) this.failures.delete(k);
    }
  }
}
