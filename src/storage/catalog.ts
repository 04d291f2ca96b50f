import type { Db } from '../db/port.js';
import { DataInsightError } from '../platform/errors.js';
import type { SeriesTarget } from './queries.js';

export interface SeriesInfo extends SeriesTarget {
  location: string;
  asset: string;
  assetType: string | null;
  sensor: string;
  parameter: string;
  unit: string;
}

export interface SeriesFilter {
  ids?: number[];
  /** "location/asset/sensor" paths. */
  sensors?: string[];
  location?: string;
  asset?: string;
  assetType?: string;
  parameters?: string[];
}

const LIMIT = 10_000;

/**
 * Tenant-scoped lookups of what a tenant has. Every query takes the tenant id from the caller's
 * credentials and filters on it first: another tenant's ids simply match nothing.
 */
export class Catalog {
  constructor(private readonly db: Db) {}

  async series(tenantId: number, f: SeriesFilter): Promise<SeriesInfo[]> {
    const sensorPaths = (f.sensors ?? []).map((p) => {
      const parts = p.split('/');
      if (parts.length !== 3 || parts.some((x) => !x)) {
        throw new DataInsightError('DI_BAD_REQUEST', `sensor "${p}" must be written location/asset/sensor`, {
          field: 'sensor',
        });
      }
      return parts;
    });
    const r = await this.db.query<SeriesInfo>(
      `select se.id as "seriesId", se.retention_policy_id as "policyId", l.slug as location, a.slug as asset,
              a.asset_type as "assetType", s.slug as sensor, se.parameter, se.unit
       from series se join sensors s on s.id = se.sensor_id join assets a on a.id = s.asset_id join locations l on l.id = a.location_id
       where se.tenant_id = $1
         and ($2::integer[] is null or se.id = any($2))
         and ($3::text[] is null or (l.slug || '/' || a.slug || '/' || s.slug) = any($3))
         and ($4::text is null or l.slug = $4)
         and ($5::text is null or a.slug = $5)
         and ($6::text is null or a.asset_type = $6)
         and ($7::text[] is null or se.parameter = any($7))
       order by l.slug, a.slug, s.slug, se.parameter
       limit ${LIMIT + 1}`,
      [
        tenantId,
        f.ids?.length ? f.ids : null,
        sensorPaths.length ? sensorPaths.map((p) => p.join('/')) : null,
        f.location ?? null,
        f.asset ?? null,
        f.assetType ?? null,
        f.parameters?.length ? f.parameters : null,
      ],
    );
    if (r.rows.length > LIMIT) {
      throw new DataInsightError(
        'DI_BAD_REQUEST',
        `the selection matches more than ${LIMIT} series; narrow it by location, asset or parameter`,
      );
    }
    return r.rows;
  }

  async latest(
    tenantId: number,
    f: SeriesFilter,
  ): Promise<(SeriesInfo & { ts: number | null; value: number | null })[]> {
    const series = await this.series(tenantId, f);
    if (series.length === 0) return [];
    const r = await this.db.query<{ series_id: number; ts: number; value: number }>(
      'select series_id, ts, value from latest where series_id = any($1::integer[])',
      [series.map((s) => s.seriesId)],
    );
    const byId = new Map(r.rows.map((x) => [x.series_id, x]));
    return series.map((s) => ({
      ...s,
      ts: byId.get(s.seriesId)?.ts ?? null,
      value: byId.get(s.seriesId)?.value ?? null,
    }));
  }

  async locations(
    tenantId: number,
  ): Promise<{ id: number; slug: string; name: string; timezone: string; assets: number }[]> {
    const r = await this.db.query<{
      id: number;
      slug: string;
      name: string;
      timezone: string;
      assets: number;
    }>(
      `select l.id, l.slug, l.name, l.timezone, (select count(*) from assets a where a.location_id = l.id)::integer as assets
       from locations l where l.tenant_id = $1 order by l.slug limit ${LIMIT}`,
      [tenantId],
    );
    return r.rows;
  }

  async assets(
    tenantId: number,
    location?: string,
  ): Promise<
    { id: number; location: string; slug: string; name: string; assetType: string | null; sensors: number }[]
  > {
    const r = await this.db.query<{
      id: number;
      location: string;
      slug: string;
      name: string;
      assetType: string | null;
      sensors: number;
    }>(
      `select a.id, l.slug as location, a.slug, a.name, a.asset_type as "assetType",
              (select count(*) from sensors s where s.asset_id = a.id)::integer as sensors
       from assets a join locations l on l.id = a.location_id
       where a.tenant_id = $1 and ($2::text is null or l.slug = $2) order by l.slug, a.slug limit ${LIMIT}`,
      [tenantId, location ?? null],
    );
    return r.rows;
  }

  async rejections(tenantId: number, limit: number, before?: number): Promise<unknown[]> {
    const r = await this.db.query(
      `select id, received_at as "receivedAt", source, record, field, reason, excerpt from ingest_rejections
       where tenant_id = $1 and ($2::bigint is null or id < $2) order by id desc limit $3`,
      [tenantId, before ?? null, limit],
    );
    return r.rows;
  }
}
