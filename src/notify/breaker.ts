/**
 * A circuit breaker per provider: after `threshold` failures in a row the provider is skipped for
 * `cooldownMs` (messages go to the next channel meanwhile), then one trial call decides. Pure, time
 * passed in.
 */
export class Breakers {
  private readonly state = new Map<string, { failures: number; openUntil: number; trial: boolean }>();

  constructor(
    private readonly threshold = 5,
    private readonly cooldownMs = 30_000,
  ) {}

  /** May a call go to this provider now? (When the cooldown ended, one trial call is let through.) */
  allows(provider: string, now: number): boolean {
    const s = this.state.get(provider);
    if (!s || s.failures < this.threshold) return true;
    if (now < s.openUntil || s.trial) return false;
    s.trial = true;
    return true;
  }

  isOpen(provider: string, now: number): boolean {
    const s = this.state.get(provider);
    return Boolean(s && s.failures >= this.threshold && (now < s.openUntil || s.trial));
  }

  success(provider: string): void {
    this.state.delete(provider);
  }

  failure(provider: string, now: number): void {
    const s = this.state.get(provider) ?? { failures: 0, openUntil: 0, trial: false };
    s.failures++;
    s.trial = false;
    if (s.failures >= this.threshold) s.openUntil = now + this.cooldownMs;
    this.state.set(provider, s);
  }
}
