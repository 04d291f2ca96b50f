/** Storage tiers: raw readings and the three roll-ups, with their partition widths. */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export type TierName = 'raw' | '1m' | '1h' | '1d';

export interface Tier {
  name: TierName;
  table: 'readings' | 'rollup_1m' | 'rollup_1h' | 'rollup_1d';
  /** Time column the table is partitioned on. */
  column: 'ts' | 'bucket';
  /** Width of one roll-up bucket (0 for raw). */
  bucketMs: number;
  /** Width of one time partition: small enough that retention frees space promptly. */
  partitionMs: number;
  /** Column of retention_policies that holds this tier's days. */
  retentionColumn: 'raw_days' | 'minute_days' | 'hour_days' | 'day_days';
}

export const TIERS: readonly Tier[] = [
  {
    name: 'raw',
    table: 'readings',
    column: 'ts',
    bucketMs: 0,
    partitionMs: 7 * DAY,
    retentionColumn: 'raw_days',
  },
  {
    name: '1m',
    table: 'rollup_1m',
    column: 'bucket',
    bucketMs: MINUTE,
    partitionMs: 30 * DAY,
    retentionColumn: 'minute_days',
  },
  {
    name: '1h',
    table: 'rollup_1h',
    column: 'bucket',
    bucketMs: HOUR,
    partitionMs: 365 * DAY,
    retentionColumn: 'hour_days',
  },
  {
    name: '1d',
    table: 'rollup_1d',
    column: 'bucket',
    bucketMs: DAY,
    partitionMs: 365 * DAY,
    retentionColumn: 'day_days',
  },
];

export const ROLLUPS = TIERS.filter((t) => t.bucketMs > 0);

export function tier(name: TierName): Tier {
  return TIERS.find((t) => t.name === name)!;
}

/** Start of the bucket (or partition) of width w holding ts. Timestamps are >= 0 (validated at ingest). */
export const floorTo = (ts: number, w: number): number => ts - (ts % w);
