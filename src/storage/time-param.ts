import { DataInsightError } from '../platform/errors.js';

const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/**
 * A time in a query string: epoch milliseconds, an ISO-8601 instant with a zone (Z or +hh:mm), or
 * Grafana-style `now`, `now-7d`, `now+1h` (units s, m, h, d, w, y). Anything else is a 400 naming
 * the parameter.
 */
export function parseTimeParam(
  value: string | number | undefined,
  field: string,
  now: number,
  fallback?: number,
): number {
  if (value === undefined || value === '') {
    if (fallback !== undefined) return fallback;
    throw new DataInsightError(
      'DI_BAD_REQUEST',
      `${field} is required (epoch ms, ISO-8601 with zone, or now-7d)`,
      { field },
    );
  }
  if (typeof value === 'number' || /^-?\d+$/.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n;
  } else {
    const rel = /^now(?:([+-])(\d+)([smhdwy]))?$/.exec(value);
    if (rel) return rel[1] ? now + (rel[1] === '-' ? -1 : 1) * Number(rel[2]) * UNITS[rel[3]!]! : now;
    if (/(Z|[+-]\d\d:?\d\d)$/i.test(value)) {
      const t = Date.parse(value);
      if (!Number.isNaN(t)) return t;
    }
  }
  throw new DataInsightError(
    'DI_BAD_REQUEST',
    `${field}=${JSON.stringify(value)} is not a time: use epoch ms, ISO-8601 with a zone (2026-11-02T10:00:00Z) or now-7d`,
    {
      field,
    },
  );
}

export function parseRange(
  q: { from?: string; to?: string },
  now: number,
  defaultSpanMs: number,
): { from: number; to: number } {
  const to = parseTimeParam(q.to, 'to', now, now);
  const from = parseTimeParam(q.from, 'from', now, to - defaultSpanMs);
  if (from >= to)
    throw new DataInsightError(
      'DI_BAD_REQUEST',
      `from (${new Date(from).toISOString()}) must be before to (${new Date(to).toISOString()})`,
      { field: 'from' },
    );
  return { from, to };
}
