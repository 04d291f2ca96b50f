import type { Db } from '../db/port.js';
import type { Rejection } from '../ingest/reading.js';
import type { ReadingsEnvelope, RejectionsEnvelope } from '../ingest/envelope.js';
import type { Logger } from '../platform/logger.js';
import { PartitionManager } from './partitions.js';
import { SeriesRegistry, seriesKeyString, type SeriesKey } from './registry.js';
import { WRITE_BATCH_SQL } from './write-sql.js';

export interface WriteResult {
  /** Rows new to the store (duplicates of stored rows are not counted). */
  inserted: number;
  /** Readings that could not be stored (unknown tenant/sensor), with reasons. */
  rejected: number;
}

/**
 * The write side of the time-series store: resolves names to series, creates the partitions the
 * batch needs, and writes readings, roll-ups and latest values in one statement (one transaction).
 */
export class TimeSeriesStore {
  readonly partitions: PartitionManager;
  readonly registry: SeriesRegistry;

  constructor(
    private readonly db: Db,
    private readonly logger?: Logger,
  ) {
    this.partitions = new PartitionManager(db, logger);
    this.registry = new SeriesRegistry(db);
  }

  async write(
    envelopes: readonly ReadingsEnvelope[],
    rejections: readonly RejectionsEnvelope[] = [],
  ): Promise<WriteResult> {
    const keys: SeriesKey[] = [];
    for (const e of envelopes) {
      for (const [parameter] of e.r)
        keys.push({ tenant: e.tenant, location: e.location, asset: e.asset, sensor: e.sensor, parameter });
    }
    const { refs, unresolved } = await this.registry.resolve(keys);
    const policies: number[] = [];
    const series: number[] = [];
    const ts: number[] = [];
    const values: number[] = [];
    const timesByPolicy = new Map<number, number[]>();
    for (const e of envelopes) {
      for (const [parameter, t, v] of e.r) {
        const ref = refs.get(
          seriesKeyString({
            tenant: e.tenant,
            location: e.location,
            asset: e.asset,
            sensor: e.sensor,
            parameter,
          }),
        );
        if (!ref) continue;
        policies.push(ref.policyId);
        series.push(ref.seriesId);
        ts.push(t);
        values.push(v);
        let times = timesByPolicy.get(ref.policyId);
        if (!times) timesByPolicy.set(ref.policyId, (times = []));
        times.push(t);
      }
    }
    for (const [policy, times] of timesByPolicy) await this.partitions.ensure(policy, times);
    const notStored = [...rejections, ...unresolvedAsRejections(unresolved, envelopes)];
    let inserted = 0;
    if (series.length > 0 || notStored.length > 0) {
      await this.db.transaction(async (tx) => {
        if (series.length > 0) {
          const r = await tx.query<{ inserted: number }>(WRITE_BATCH_SQL, [policies, series, ts, values]);
          inserted = r.rows[0]?.inserted ?? 0;
        }
        if (notStored.length > 0) await recordRejections(tx, notStored);
      });
    }
    const rejected = unresolved.length;
    if (rejected)
      this.logger?.warn({ rejected, first: unresolved[0]?.reason }, 'readings rejected at storage');
    return { inserted, rejected };
  }
}

function unresolvedAsRejections(
  unresolved: { key: SeriesKey; field: string; reason: string }[],
  envelopes: readonly ReadingsEnvelope[],
): RejectionsEnvelope[] {
  if (unresolved.length === 0) return [];
  const byTenant = new Map<string, Rejection[]>();
  for (const u of unresolved) {
    const list = byTenant.get(u.key.tenant) ?? [];
    list.push({ index: 0, field: u.field, reason: u.reason });
    byTenant.set(u.key.tenant, list);
  }
  const first = envelopes[0];
  return [...byTenant].map(([tenant, x]) => ({
    v: 1,
    kind: 'rejections',
    tenant,
    src: first?.src ?? 'storage',
    rx: first?.rx ?? Date.now(),
    x,
    excerpt: '',
  }));
}

async function recordRejections(
  tx: { query: Db['query'] },
  envs: readonly RejectionsEnvelope[],
): Promise<void> {
  const rows = envs.flatMap((e) => e.x.map((x) => ({ e, x })));
  await tx.query(
    `insert into ingest_rejections (tenant_id, tenant_slug, received_at, source, record, field, reason, excerpt)
     select (select id from tenants where slug = k.tenant), k.tenant, k.rx, k.src, k.record, k.field, k.reason, k.excerpt
     from unnest($1::text[], $2::bigint[], $3::text[], $4::integer[], $5::text[], $6::text[], $7::text[])
       as k(tenant, rx, src, record, field, reason, excerpt)`,
    [
      rows.map((r) => r.e.tenant),
      rows.map((r) => r.e.rx),
      rows.map((r) => r.e.src),
      rows.map((r) => r.x.index),
      rows.map((r) => r.x.field),
      rows.map((r) => r.x.reason),
      rows.map((r) => r.e.excerpt),
    ],
  );
}
