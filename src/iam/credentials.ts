import type { Db } from '../db/port.js';
import { hashSecret } from './secrets.js';
import type { TenantPrincipal } from './tenants.js';

interface Cached {
  principal: TenantPrincipal | null;
  at: number;
}

/**
 * Looks up API tokens and device secrets by hash, with a short cache so the hot ingest path does not
 * hit the database per request. A revoked credential stops working within `ttlMs`.
 */
export class CredentialVerifier {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
  ) {}

  private async cached(
    key: string,
    load: () => Promise<TenantPrincipal | null>,
  ): Promise<TenantPrincipal | null> {
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.principal;
    const principal = await load();
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(key, { principal, at: Date.now() });
    return principal;
  }

  apiToken(token: string): Promise<TenantPrincipal | null> {
    const hash = hashSecret(token);
    return this.cached(`t:${hash}`, async () => {
      const r = await this.db.query<{ tenant_id: number; slug: string; scopes: string[]; name: string }>(
        `select k.tenant_id, t.slug, k.scopes, k.name from api_tokens k join tenants t on t.id = k.tenant_id
         where k.token_hash = $1 and k.revoked_at is null`,
        [hash],
      );
      const row = r.rows[0];
      return row
        ? { tenantId: row.tenant_id, tenant: row.slug, scopes: row.scopes, subject: `token:${row.name}` }
        : null;
    });
  }

  device(username: string, secret: string): Promise<TenantPrincipal | null> {
    const hash = hashSecret(secret);
    return this.cached(`d:${username}:${hash}`, async () => {
      const r = await this.db.query<{ tenant_id: number; slug: string }>(
        `select d.tenant_id, t.slug from device_credentials d join tenants t on t.id = d.tenant_id
         where d.username = $1 and d.secret_hash = $2 and d.revoked_at is null`,
        [username, hash],
      );
      const row = r.rows[0];
      return row
        ? { tenantId: row.tenant_id, tenant: row.slug, scopes: ['ingest'], subject: `device:${username}` }
        : null;
    });
  }
}
