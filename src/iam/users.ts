import type { Db, Queryable } from '../db/port.js';
import { DataInsightError } from '../platform/errors.js';
import { checkNewPassword, hashPassword } from './passwords.js';
import { effectiveRole, type MemberRole } from './roles.js';

/** People who sign in: their e-mail (lower case, unique), password hash, platform-admin flag. */
export interface UserRecord {
  id: number;
  email: string;
  name: string;
  passwordHash: string | null;
  platformAdmin: boolean;
}

export interface TenantRole {
  tenantId: number;
  tenant: string;
  role: MemberRole;
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

const USER_COLUMNS = `id, email, name, password_hash as "passwordHash", is_platform_admin as "platformAdmin"`;

export async function userByEmail(db: Queryable, email: string): Promise<UserRecord | undefined> {
  const r = await db.query<UserRecord>(`select ${USER_COLUMNS} from users where email = $1`, [
    normalizeEmail(email),
  ]);
  return r.rows[0];
}

export async function userById(db: Queryable, id: number): Promise<UserRecord | undefined> {
  const r = await db.query<UserRecord>(`select ${USER_COLUMNS} from users where id = $1`, [id]);
  return r.rows[0];
}

/** The tenants a user may act in, by slug: their memberships, or every tenant for a platform admin. */
export async function tenantsOf(
  db: Queryable,
  user: Pick<UserRecord, 'id' | 'platformAdmin'>,
): Promise<TenantRole[]> {
  const r = await db.query<{ tenantId: number; tenant: string; role: string | null }>(
    user.platformAdmin
      ? `select t.id as "tenantId", t.slug as tenant, m.role from tenants t
         left join memberships m on m.tenant_id = t.id and m.user_id = $1 order by t.slug`
      : `select t.id as "tenantId", t.slug as tenant, m.role from memberships m
         join tenants t on t.id = m.tenant_id where m.user_id = $1 order by t.slug`,
    [user.id],
  );
  return r.rows.flatMap((row) => {
    const role = effectiveRole(row.role, user.platformAdmin);
    return role ? [{ tenantId: row.tenantId, tenant: row.tenant, role }] : [];
  });
}

/**
 * Create a user, or find the one with that e-mail (people added for notifications have no password
 * yet). `platformAdmin: true` grants it; false or absent leaves the flag as it was.
 */
export async function ensureUser(
  db: Queryable,
  u: { email: string; name?: string; platformAdmin?: boolean },
): Promise<{ id: number; created: boolean; hasPassword: boolean }> {
  const email = normalizeEmail(u.email);
  if (!/^[^@\s]+@[^@\s]+$/.test(email))
    throw new DataInsightError('DI_VALIDATION', `email: "${u.email}" is not an e-mail address`, {
      field: 'email',
    });
  const r = await db.query<{ id: number; created: boolean; hasPassword: boolean }>(
    `insert into users (email, name, is_platform_admin) values ($1, $2, $3)
     on conflict (email) do update set is_platform_admin = users.is_platform_admin or excluded.is_platform_admin
     returning id, (xmax = 0) as created, password_hash is not null as "hasPassword"`,
    [email, u.name ?? '', u.platformAdmin ?? false],
  );
  return r.rows[0]!;
}

export async function setMembership(
  db: Queryable,
  userId: number,
  tenantId: number,
  role: MemberRole,
): Promise<void> {
  await db.query(
    `insert into memberships (user_id, tenant_id, role) values ($1, $2, $3)
     on conflict (user_id, tenant_id) do update set role = excluded.role`,
    [userId, tenantId, role],
  );
}

/** Hash and store a new password (checked against the rules first). */
export async function setPassword(
  db: Db | Queryable,
  user: Pick<UserRecord, 'id' | 'email'>,
  password: string,
  now = Date.now(),
): Promise<void> {
  checkNewPassword(password, user.email, 'password');
  await db.query('update users set password_hash = $2, password_changed_at = $3 where id = $1', [
    user.id,
    await hashPassword(password),
    now,
  ]);
}
