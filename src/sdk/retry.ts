import { setTimeout as delay } from 'node:timers/promises';

/** How long to wait between attempts; see `backoffMs`. */
export interface RetryPolicy {
  /** Retries after the first attempt (default 5). */
  maxRetries: number;
  /** First backoff ceiling; it doubles on each retry (default 250 ms). */
  baseDelayMs: number;
  /** Ceiling of the exponential backoff (default 10 s). */
  maxDelayMs: number;
  /**
   * Longest Retry-After we are willing to sit through (default 60 s). A server asking for more gets
   * the decision handed back to the caller (IngestError.retryAfterMs) instead of a hung send().
   */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 5,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
};

/**
 * Exponential backoff with full jitter, so many producers knocked back together do not return
 * together. `retry` counts from 0.
 */
export function backoffMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Waits, or rejects with the signal's reason as soon as it aborts. */
export const sleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, signal === undefined ? undefined : { signal });
};
