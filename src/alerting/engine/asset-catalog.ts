import type { Db } from '../../db/port.js';

export interface AssetInfo {
  tenantId: number;
  assetType: string | null;
  sensorModel: string | null;
  /** Unit per parameter of the sensor. */
  units: Map<string, string>;
}

const sensorKey = (tenant: string, location: string, asset: string, sensor: string) =>
  `${tenant}/${location}/${asset}/${sensor}`;

/**
 * What rule scopes and templates need to know about a reading's sensor beyond its names: the tenant id,
 * the asset type, the sensor model and units. Cached; a sensor the storage role has not registered yet
 * is looked up again after `missTtlMs`.
 */
export class AssetCatalog {
  private readonly found = new Map<string, AssetInfo>();
  private readonly missing = new Map<string, number>();
  private readonly tenants = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly missTtlMs = 5000,
  ) {}

  get(tenant: string, location: string, asset: string, sensor: string): AssetInfo | undefined {
    return this.found.get(sensorKey(tenant, location, asset, sensor));
  }

  tenantId(tenant: string): number | undefined {
    return this.tenants.get(tenant);
  }

  /** Look up every sensor of the list not yet known (one query per tenant). */
  async prefetch(
    sensors: { tenant: string; location: string; asset: string; sensor: string }[],
    now = Date.now(),
  ): Promise<void> {
    const byTenant = new Map<string, { location: string; asset: string; sensor: string }[]>();
    for (const s of sensors) {
      const k = sensorKey(s.tenant, s.location, s.asset, s.sensor);
      if (this.found.has(k) || (this.missing.get(k) ?? 0) > now) continue;
      const list = byTenant.get(s.tenant) ?? [];
      list.push(s);
      byTenant.set(s.tenant, list);
      this.missing.set(k, now + this.missTtlMs);
    }
    for (const [tenant, list] of byTenant) {
      const r = await this.db.query<{
        tenant_id: number;
        location: string;
        asset: string;
        sensor: string;
        asset_type: string | null;
        model: string | null;
        units: Record<string, string> | null;
      }>(
        `select t.id as tenant_id, l.slug as location, a.slug as asset, s.slug as sensor, a.asset_type, s.model,
                (select jsonb_object_agg(se.parameter, se.unit) from series se where se.sensor_id = s.id) as units
         from tenants t
         join unnest($2::text[], $3::text[], $4::text[]) as k(location, asset, sensor) on true
         join locations l on l.tenant_id = t.id and l.slug = k.location
         join assets a on a.location_id = l.id and a.slug = k.asset
         join sensors s on s.asset_id = a.id and s.slug = k.sensor
         where t.slug = $1`,
        [tenant, list.map((s) => s.location), list.map((s) => s.asset), list.map((s) => s.sensor)],
      );
      for (const row of r.rows) {
        const k = sensorKey(tenant, row.location, row.asset, row.sensor);
        this.found.set(k, {
          tenantId: row.tenant_id,
          assetType: row.asset_type,
          sensorModel: row.model,
          units: new Map(Object.entries(row.units ?? {})),
        });
        this.missing.delete(k);
        this.tenants.set(tenant, row.tenant_id);
      }
      if (!this.tenants.has(tenant)) {
        const t = await this.db.query<{ id: number }>('select id from tenants where slug = $1', [tenant]);
        if (t.rows[0]) this.tenants.set(tenant, t.rows[0].id);
      }
    }
  }
}
