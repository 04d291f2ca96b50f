import type { Db } from '../db/port.js';
import { KEY_PATTERN } from '../ingest/parse/validate.js';
import { DataInsightError } from '../platform/errors.js';
import type { MemberRole } from './roles.js';
import { hashSecret, newSecret } from './secrets.js';

export interface TenantPrincipal {
  tenantId: number;
  tenant: string;
  scopes: string[];
  /** What authenticated: "token:<name>", "device:<username>" or "user:<email>" (a web session). */
  subject: string;
  /** Set for a web session: the signed-in user and their role in `tenant`. */
  userId?: number;
  role?: MemberRole;
}

/** `operate`: acknowledge and resolve alerts, manage silences; `admin` can do everything. */
export const TOKEN_SCOPES = ['ingest', 'read', 'operate', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export async function createTenant(db: Db, slug: string, name = slug): Promise<{ id: number; slug: string }> {
  if (!KEY_PATTERN.test(slug)) {
    throw new DataInsightError(
      'DI_BAD_REQUEST',
      `tenant slug "${slug}" must be 1-64 letters, digits, dot, dash or underscore, starting with a letter or digit`,
      { field: 'slug' },
    );
  }
  const r = await db.query<{ id: number }>(
    `insert into tenants (slug, name) values ($1, $2) on conflict (slug) do nothing returning id`,
    [slug, name],
  );
  if (!r.rows[0])
    throw new DataInsightError('DI_CONFLICT', `tenant "${slug}" already exists`, { field: 'slug' });
  return { id: r.rows[0].id, slug };
}

export async function tenantBySlug(db: Db, slug: string): Promise<{ id: number; slug: string } | undefined> {
  const r = await db.query<{ id: number; slug: string }>('select id, slug from tenants where slug = $1', [
    slug,
  ]);
  return r.rows[0];
}

/** Create an API token; the token itself is returned once and never stored. */
export async function createApiToken(
  db: Db,
  tenantId: number,
  name: string,
  scopes: TokenScope[],
): Promise<string> {
  for (const s of scopes) {
    if (!TOKEN_SCOPES.includes(s))
      throw new DataInsightError('DI_BAD_REQUEST', `unknown scope "${s}" (use ${TOKEN_SCOPES.join(', ')})`, {
        field: 'scopes',
      });
  }
  const token = newSecret('dit');
  await db.query('insert into api_tokens (tenant_id, name, token_hash, scopes) values ($1, $2, $3, $4)', [
    tenantId,
    name,
    hashSecret(token),
    scopes,
  ]);
  return token;
}

/** Create MQTT credentials for a device or gateway of a tenant; the secret is returned once. */
export async function createDeviceCredential(db: Db, tenantId: number, username: string): Promise<string> {
  if (!KEY_PATTERN.test(username))
    throw new DataInsightError(
      'DI_BAD_REQUEST',
      `device username "${username}" must match ${KEY_PATTERN.source}`,
      {
        field: 'username',
      },
    );
  const secret = newSecret('did');
  const r = await db.query(
    'insert into device_credentials (tenant_id, username, secret_hash) values ($1, $2, $3) on conflict (username) do nothing',
    [tenantId, username, hashSecret(secret)],
  );
  if (r.rowCount === 0)
    throw new DataInsightError('DI_CONFLICT', `device username "${username}" is taken`, {
      field: 'username',
    });
  return secret;
}
