/**
 * RFC 9110 §10.2.3 Retry-After: delay-seconds or an HTTP-date. Returns milliseconds from `now`, or
 * undefined when absent or unreadable (the caller picks its own default).
 */
export function parseRetryAfter(
  value: string | string[] | null | undefined,
  now: number = Date.now(),
): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  // All three HTTP-date forms carry a time of day; Date.parse alone takes "-5" for a year.
  const at = /\d{2}:\d{2}:\d{2}/.test(raw) ? Date.parse(raw) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
