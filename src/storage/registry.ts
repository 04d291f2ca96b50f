import type { Db, Queryable } from '../db/port.js';

export interface SeriesKey {
  tenant: string;
  location: string;
  asset: string;
  sensor: string;
  parameter: string;
}

export interface SeriesRef {
  seriesId: number;
  policyId: number;
  tenantId: number;
}

interface TenantRow {
  id: number;
  slug: string;
  auto_register: boolean;
  retention_policy_id: number;
}

export const seriesKeyString = (k: SeriesKey): string =>
  `${k.tenant}/${k.location}/${k.asset}/${k.sensor}/${k.parameter}`;

/** Why a key could not be resolved to a series, for the sender. */
export type Unresolved = { key: SeriesKey; field: string; reason: string };

/**
 * Resolves readings' names (tenant/location/asset/sensor/parameter slugs) to series ids, registering
 * new locations, assets, sensors and series on first sight when the tenant allows it. Resolution is
 * set-based (one statement per level for a whole batch) and cached: series never change identity.
 */
export class SeriesRegistry {
  private readonly cache = new Map<string, SeriesRef>();
  private tenants = new Map<string, TenantRow>();
  private tenantsLoadedAt = 0;

  constructor(
    private readonly db: Db,
    /** How long tenant settings (auto-registration, retention policy) are cached. */
    private readonly tenantTtlMs = 30_000,
  ) {}

  async resolve(keys: SeriesKey[]): Promise<{ refs: Map<string, SeriesRef>; unresolved: Unresolved[] }> {
    const refs = new Map<string, SeriesRef>();
    const misses = new Map<string, SeriesKey>();
    for (const k of keys) {
      const s = seriesKeyString(k);
      const hit = this.cache.get(s);
      if (hit) refs.set(s, hit);
      else misses.set(s, k);
    }
    if (misses.size === 0) return { refs, unresolved: [] };
    const unresolved: Unresolved[] = [];
    const byTenant = new Map<TenantRow, SeriesKey[]>();
    for (const k of misses.values()) {
      const t = await this.tenant(k.tenant);
      if (!t) {
        unresolved.push({ key: k, field: 'tenant', reason: `unknown tenant "${k.tenant}"` });
        continue;
      }
      byTenant.set(t, [...(byTenant.get(t) ?? []), k]);
    }
    for (const [t, ks] of byTenant) {
      const found = await (t.auto_register
        ? this.db.transaction((tx) => register(tx, t, ks))
        : lookup(this.db, t, ks));
      for (const k of ks) {
        const s = seriesKeyString(k);
        const ref = found.get(s);
        if (ref) {
          this.cache.set(s, ref);
          refs.set(s, ref);
        } else {
          unresolved.push({
            key: k,
            field: 'sensor',
            reason: `unknown sensor ${k.location}/${k.asset}/${k.sensor} parameter "${k.parameter}" (auto-registration is off for tenant "${k.tenant}")`,
          });
        }
      }
    }
    return { refs, unresolved };
  }

  private async tenant(slug: string): Promise<TenantRow | undefined> {
    const now = Date.now();
    if (now - this.tenantsLoadedAt > this.tenantTtlMs || !this.tenants.has(slug)) {
      // Reload all: tenants are few (thousands at most) and this keeps one query per TTL, not per slug.
      const r = await this.db.query<TenantRow>(
        'select id, slug, auto_register, retention_policy_id from tenants',
      );
      this.tenants = new Map(r.rows.map((t) => [t.slug, t]));
      this.tenantsLoadedAt = now;
    }
    return this.tenants.get(slug);
  }

  /** Forget cached tenant settings (after an admin changed them). */
  invalidateTenants(): void {
    this.tenantsLoadedAt = 0;
  }
}

const uniq = <T>(xs: T[], key: (x: T) => string): T[] => [...new Map(xs.map((x) => [key(x), x])).values()];

const SELECT_SERIES = `
  select se.id as series_id, se.retention_policy_id as policy_id, l.slug as location, a.slug as asset, s.slug as sensor, se.parameter
  from unnest($2::text[], $3::text[], $4::text[], $5::text[]) as k(location, asset, sensor, parameter)
  join locations l on l.tenant_id = $1 and l.slug = k.location
  join assets a on a.tenant_id = $1 and a.location_id = l.id and a.slug = k.asset
  join sensors s on s.tenant_id = $1 and s.asset_id = a.id and s.slug = k.sensor
  join series se on se.sensor_id = s.id and se.parameter = k.parameter`;

async function lookup(q: Queryable, t: TenantRow, keys: SeriesKey[]): Promise<Map<string, SeriesRef>> {
  const r = await q.query<{
    series_id: number;
    policy_id: number;
    location: string;
    asset: string;
    sensor: string;
    parameter: string;
  }>(SELECT_SERIES, [
    t.id,
    keys.map((k) => k.location),
    keys.map((k) => k.asset),
    keys.map((k) => k.sensor),
    keys.map((k) => k.parameter),
  ]);
  return new Map(
    r.rows.map((row) => [
      seriesKeyString({ tenant: t.slug, ...row }),
      { seriesId: row.series_id, policyId: row.policy_id, tenantId: t.id },
    ]),
  );
}

/** Insert whatever of the hierarchy is missing, level by level, then look the series up. */
async function register(tx: Queryable, t: TenantRow, keys: SeriesKey[]): Promise<Map<string, SeriesRef>> {
  const locs = uniq(keys, (k) => k.location).map((k) => k.location);
  await tx.query(
    `insert into locations (tenant_id, slug, name) select $1, x, x from unnest($2::text[]) as x on conflict do nothing`,
    [t.id, locs],
  );
  const assets = uniq(keys, (k) => `${k.location}/${k.asset}`);
  await tx.query(
    `insert into assets (tenant_id, location_id, slug, name)
     select $1, l.id, k.asset, k.asset from unnest($2::text[], $3::text[]) as k(location, asset)
     join locations l on l.tenant_id = $1 and l.slug = k.location on conflict do nothing`,
    [t.id, assets.map((k) => k.location), assets.map((k) => k.asset)],
  );
  const sensors = uniq(keys, (k) => `${k.location}/${k.asset}/${k.sensor}`);
  await tx.query(
    `insert into sensors (tenant_id, asset_id, slug, name)
     select $1, a.id, k.sensor, k.sensor from unnest($2::text[], $3::text[], $4::text[]) as k(location, asset, sensor)
     join locations l on l.tenant_id = $1 and l.slug = k.location
     join assets a on a.tenant_id = $1 and a.location_id = l.id and a.slug = k.asset on conflict do nothing`,
    [t.id, sensors.map((k) => k.location), sensors.map((k) => k.asset), sensors.map((k) => k.sensor)],
  );
  // The unit comes from the sensor's type (model x parameter), the tenant's own catalogue first.
  await tx.query(
    `insert into series (tenant_id, sensor_id, parameter, unit, retention_policy_id)
     select $1, s.id, k.parameter,
            coalesce((select st.unit from sensor_types st where st.model = s.model and st.parameter = k.parameter
                      and (st.tenant_id = $1 or st.tenant_id is null) order by st.tenant_id nulls last limit 1), ''),
            $6
     from unnest($2::text[], $3::text[], $4::text[], $5::text[]) as k(location, asset, sensor, parameter)
     join locations l on l.tenant_id = $1 and l.slug = k.location
     join assets a on a.tenant_id = $1 and a.location_id = l.id and a.slug = k.asset
     join sensors s on s.tenant_id = $1 and s.asset_id = a.id and s.slug = k.sensor
     on conflict do nothing`,
    [
      t.id,
      keys.map((k) => k.location),
      keys.map((k) => k.asset),
      keys.map((k) => k.sensor),
      keys.map((k) => k.parameter),
      t.retention_policy_id,
    ],
  );
  return lookup(tx, t, keys);
}
