import type { Queryable } from '../db/port.js';
import { effectiveRole, type MemberRole } from './roles.js';
import { hashSecret, newSecret } from './secrets.js';

export interface SessionPolicy {
  /** Idle timeout: each use pushes expiry to now + idleMs. */
  idleMs: number;
  /** Absolute lifetime from sign-in. */
  maxAgeMs: number;
}

/** A live session with the user and the tenant it acts in. */
export interface SessionInfo {
  userId: number;
  email: string;
  name: string;
  platformAdmin: boolean;
  tenantId: number;
  tenant: string;
  role: MemberRole;
  expiresAt: number;
}

/** The stored id of a session: the token's SHA-256 (a 256-bit random token needs no slow hash). */
export const sessionId = (token: string): string => hashSecret(token);

/**
 * Sessions in the database. The cookie holds a random token; only its hash is stored, so a database
 * leak gives no usable cookie. Deleting the row is signing out (everywhere within the verifier cache).
 */
export class SessionStore {
  constructor(
    private readonly db: Queryable,
    readonly policy: SessionPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  async create(
    userId: number,
    tenantId: number,
    meta: { ip?: string; userAgent?: string } = {},
  ): Promise<{ token: string; expiresAt: number }> {
    const now = this.now();
    const token = newSecret('dis');
    const expiresAt = now + Math.min(this.policy.idleMs, this.policy.maxAgeMs);
    // Expired rows are swept here, at sign-in, rather than by a timer.
    await this.db.query('delete from sessions where expires_at <= $1', [now]);
    await this.db.query(
      `insert into sessions (id, user_id, tenant_id, created_at, expires_at, last_seen_at, ip, user_agent)
       values ($1, $2, $3, $4, $5, $4, $6, $7)`,
      [
        sessionId(token),
        userId,
        tenantId,
        now,
        expiresAt,
        meta.ip ?? null,
        meta.userAgent?.slice(0, 300) ?? null,
      ],
    );
    return { token, expiresAt };
  }

  /**
   * The session of a token if live, its expiry slid forward. Null when unknown, expired, or the user no
   * longer belongs to the session's tenant (and is no platform admin).
   */
  async use(token: string): Promise<SessionInfo | null> {
    const now = this.now();
    const r = await this.db.query<{
      userId: number;
      email: string;
      name: string;
      platformAdmin: boolean;
      tenantId: number;
      tenant: string;
      role: string | null;
      expiresAt: number;
    }>(
      `with s as (
         update sessions set last_seen_at = $2, expires_at = least(created_at + $4::bigint, $2::bigint + $3::bigint)
         where id = $1 and expires_at > $2 returning user_id, tenant_id, expires_at)
       select s.user_id as "userId", u.email, u.name, u.is_platform_admin as "platformAdmin",
              s.tenant_id as "tenantId", t.slug as tenant, m.role, s.expires_at as "expiresAt"
       from s join users u on u.id = s.user_id join tenants t on t.id = s.tenant_id
       left join memberships m on m.user_id = s.user_id and m.tenant_id = s.tenant_id`,
      [sessionId(token), now, this.policy.idleMs, this.policy.maxAgeMs],
    );
    const row = r.rows[0];
    if (!row) return null;
    const role = effectiveRole(row.role, row.platformAdmin);
    return role ? { ...row, role } : null;
  }

  async setTenant(token: string, tenantId: number): Promise<void> {
    await this.db.query('update sessions set tenant_id = $2 where id = $1', [sessionId(token), tenantId]);
  }

  async remove(token: string): Promise<void> {
    await this.db.query('delete from sessions where id = $1', [sessionId(token)]);
  }

  /** Sign a user out everywhere but the session of `keep` (after a password change); the ids removed. */
  async removeOthers(userId: number, keep?: string): Promise<string[]> {
    const r = await this.db.query<{ id: string }>(
      'delete from sessions where user_id = $1 and id <> $2 returning id',
      [userId, keep ? sessionId(keep) : ''],
    );
    return r.rows.map((row) => row.id);
  }
}
