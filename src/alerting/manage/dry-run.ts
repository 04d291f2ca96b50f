/**
 * The I/O side of a dry run: the tenant's series a rule can see (its parameters, narrowed by its scope
 * in SQL, then checked with the domain's `inScope`), their raw readings of the window in timestamp
 * order (capped), replayed through `Replay`.
 */
import type { Queryable } from '../../db/port.js';
import { DataInsightError } from '../../platform/errors.js';
import { inScope } from '../domain/rule-index.js';
import { ruleParameters, type Rule } from '../domain/rule.js';
import { Replay, type ReplayEvent } from './replay.js';

export interface DryRunResult {
  from: number;
  to: number;
  events: ReplayEvent[];
  /** Series in scope that read one of the rule's parameters. */
  seriesScanned: number;
  readingsScanned: number;
  /** More readings than the cap: only those up to `scannedUntil` were replayed. */
  truncated: boolean;
  scannedUntil: number;
}

interface SeriesRow {
  seriesId: number;
  policyId: number;
  location: string;
  asset: string;
  assetType: string | null;
  sensor: string;
  sensorModel: string | null;
  parameter: string;
}

const MAX_SERIES = 10_000;

async function seriesInScope(q: Queryable, tenantId: number, rule: Rule): Promise<SeriesRow[]> {
  const s = rule.scope;
  const r = await q.query<SeriesRow>(
    `select se.id as "seriesId", se.retention_policy_id as "policyId", l.slug as location, a.slug as asset,
            a.asset_type as "assetType", s.slug as sensor, s.model as "sensorModel", se.parameter
     from series se join sensors s on s.id = se.sensor_id join assets a on a.id = s.asset_id
       join locations l on l.id = a.location_id
     where se.tenant_id = $1 and se.parameter = any($2::text[])
       and ($3::text[] is null or l.slug = any($3))
       and ($4::text[] is null or (l.slug || '/' || a.slug) = any($4))
       and ($5::text[] is null or (l.slug || '/' || a.slug || '/' || s.slug) = any($5))
       and ($6::text[] is null or a.asset_type = any($6))
       and ($7::text[] is null or s.model = any($7))
     limit ${MAX_SERIES + 1}`,
    [
      tenantId,
      ruleParameters(rule),
      s.locations ?? null,
      s.assets ?? null,
      s.sensors ?? null,
      s.assetTypes ?? null,
      s.sensorModels ?? null,
    ],
  );
  if (r.rows.length > MAX_SERIES) {
    throw new DataInsightError(
      'DI_BAD_REQUEST',
      `the rule's scope covers more than ${MAX_SERIES} series; narrow it to dry-run it`,
      { field: 'rule.scope' },
    );
  }
  return r.rows.filter((row) => inScope(s, { ...row, tenant: rule.tenant }));
}

/** Replays the tenant's readings of [from, to) through `rule`, reading at most `maxReadings`. */
export async function dryRun(
  q: Queryable,
  tenantId: number,
  rule: Rule,
  window: { from: number; to: number },
  maxReadings = 200_000,
): Promise<DryRunResult> {
  const { from, to } = window;
  const series = await seriesInScope(q, tenantId, rule);
  const empty = { from, to, seriesScanned: series.length, readingsScanned: 0, scannedUntil: to };
  if (series.length === 0) return { ...empty, events: [], truncated: false };
  const byId = new Map(series.map((s) => [s.seriesId, s]));
  const r = await q.query<{ seriesId: number; ts: number; value: number }>(
    `select series_id as "seriesId", ts, value from readings
     where policy_id = any($1::smallint[]) and series_id = any($2::integer[]) and ts >= $3 and ts < $4
     order by ts, series_id limit $5`,
    [[...new Set(series.map((s) => s.policyId))], [...byId.keys()], from, to, maxReadings + 1],
  );
  const truncated = r.rows.length > maxReadings;
  const rows = truncated ? r.rows.slice(0, maxReadings) : r.rows;
  const replay = new Replay(rule);
  for (const row of rows) {
    const s = byId.get(row.seriesId)!;
    replay.reading({ ...s, ts: row.ts, value: row.value });
  }
  // Cut short: time only runs as far as the readings did, or a no-data rule would see silence.
  const scannedUntil = truncated ? rows[rows.length - 1]!.ts : to;
  return {
    ...empty,
    events: replay.finish(scannedUntil),
    readingsScanned: rows.length,
    truncated,
    scannedUntil,
  };
}
