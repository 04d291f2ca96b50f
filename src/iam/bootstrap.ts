import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/port.js';
import { generatePassword } from './passwords.js';
import { createApiToken, createDeviceCredential, createTenant } from './tenants.js';
import { ensureUser, setMembership, setPassword } from './users.js';

export interface InitialCredentials {
  tenant: string;
  apiToken: string;
  device: { username: string; password: string };
  /** The first platform admin (also admin of the demo tenant); password absent when it came from config. */
  admin: { email: string; password?: string };
}

/**
 * On the very first start of an empty installation: a tenant, an API token, a device credential and a
 * platform admin who can sign in to the web app, so a newcomer can start at once. Returned (to be shown
 * once) and never logged; in embedded mode also kept in DATA_DIR/initial-credentials.json, readable by
 * the owner only. The admin's password is INITIAL_ADMIN_PASSWORD when set (then neither shown nor
 * saved), else generated.
 */
export async function bootstrapIfEmpty(
  db: Db,
  dataDir: string | undefined,
  admin: { email: string; password?: string | undefined } = { email: 'admin@datainsight.local' },
): Promise<InitialCredentials | undefined> {
  const n = await db.query<{ n: number }>('select count(*)::int as n from tenants');
  if (n.rows[0]!.n > 0) return undefined;
  const tenant = await createTenant(db, 'demo', 'Demo building');
  const apiToken = await createApiToken(db, tenant.id, 'initial admin token', ['ingest', 'read', 'admin']);
  const password = await createDeviceCredential(db, tenant.id, 'demo-gateway');
  const adminPassword = admin.password ?? generatePassword();
  const user = await ensureUser(db, { email: admin.email, name: 'Administrator', platformAdmin: true });
  await setMembership(db, user.id, tenant.id, 'admin');
  await setPassword(db, { id: user.id, email: admin.email }, adminPassword);
  const creds: InitialCredentials = {
    tenant: tenant.slug,
    apiToken,
    device: { username: 'demo-gateway', password },
    admin: { email: admin.email.toLowerCase(), ...(admin.password ? {} : { password: adminPassword }) },
  };
  if (dataDir)
    writeFileSync(join(dataDir, 'initial-credentials.json'), JSON.stringify(creds, null, 2) + '\n', {
      mode: 0o600,
    });
  return creds;
}
