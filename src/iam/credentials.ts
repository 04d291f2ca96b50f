import type { ChangeFeed } from '../bus/feed.js';
import type { Db } from '../db/port.js';
import { scopesOfRole } from './roles.js';
import { hashSecret } from './secrets.js';
import { sessionId, SessionStore, type SessionPolicy } from './sessions.js';
import type { TenantPrincipal } from './tenants.js';

/** Feed channel announcing revoked credentials to every process's verifier. */
export const REVOCATIONS_CHANNEL = 'revocations';
export interface Revocation {
  tokenHash?: string;
  device?: string;
  sessionIds?: string[];
}

interface Cached {
  principal: TenantPrincipal | null;
  at: number;
  expiresAt?: number;
}

/**
 * Looks up API tokens, device secrets and web sessions by hash, with a short cache so the hot ingest
 * path does not hit the database per request. A revoked credential or deleted session stops working
 * within `ttlMs` (at once in the process that deleted it).
 */
export class CredentialVerifier {
  private readonly cache = new Map<string, Cached>();
  /** Web sessions (the cookie's token -> session row); the auth routes create and delete them. */
  readonly sessions: SessionStore;
  /** Origin of PUBLIC_URL: cookie-authenticated writes must come from it (or say X-Requested-With). */
  readonly publicOrigin: string | undefined;

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
    web: { sessions?: SessionPolicy; publicUrl?: string } = {},
  ) {
    this.sessions = new SessionStore(db, web.sessions ?? { idleMs: 8 * 3_600_000, maxAgeMs: 7 * 86_400_000 });
    this.publicOrigin = web.publicUrl ? new URL(web.publicUrl).origin : undefined;
  }

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

  /**
   * The principal of a web session's token: its tenant, and the scopes of the user's role there. A
   * deleted session (sign-out, password change elsewhere) stops working here at once and in other
   * processes within the cache TTL; an expired one at its expiry.
   */
  async session(token: string): Promise<TenantPrincipal | null> {
    const key = `s:${sessionId(token)}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.ttlMs && (hit.expiresAt === undefined || hit.expiresAt > now))
      return hit.principal;
    const s = await this.sessions.use(token);
    const principal: TenantPrincipal | null = s
      ? {
          tenantId: s.tenantId,
          tenant: s.tenant,
          scopes: scopesOfRole(s.role),
          subject: `user:${s.email}`,
          userId: s.userId,
          role: s.role,
        }
      : null;
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(key, { principal, at: Date.now(), ...(s ? { expiresAt: s.expiresAt } : {}) });
    return principal;
  }

  /** Drop a session from this process's cache (sign-out, tenant switch). */
  forgetSession(token: string): void {
    this.forgetSessionIds([sessionId(token)]);
  }

  /**
   * Forget revoked credentials as soon as any process announces them on the change feed (the cache
   * would otherwise honour them for up to ttlMs). Returns the unsubscribe function.
   */
  followRevocations(feed: ChangeFeed): Promise<() => Promise<void>> {
    return feed.subscribe(REVOCATIONS_CHANNEL, (m) => {
      const r = m as Revocation;
      if (r.tokenHash) this.forgetToken(r.tokenHash);
      if (r.device) this.forgetDevice(r.device);
      if (r.sessionIds) this.forgetSessionIds(r.sessionIds);
    });
  }

  /** Drop a revoked API token (by its stored hash) or a device's entries from this process's cache. */
  forgetToken(hash: string): void {
    this.cache.delete(`t:${hash}`);
  }

  forgetDevice(username: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`d:${username}:`)) this.cache.delete(key);
  }

  /** Drop sessions by stored id (the token's hash), e.g. those a password change signed out. */
  forgetSessionIds(ids: readonly string[]): void {
    for (const id of ids) this.cache.delete(`s:${id}`);
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
