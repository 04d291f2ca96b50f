import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/port.js';
import { createApiToken, createDeviceCredential, createTenant } from './tenants.js';

export interface InitialCredentials {
  tenant: string;
  apiToken: string;
  device: { username: string; password: string };
}

/**
 * On the very first start of an empty installation: a tenant, an API token and a device credential,
 * so a newcomer can send data at once. Returned (to be shown once) and never logged; in embedded mode
 * also kept in DATA_DIR/initial-credentials.json, readable by the owner only.
 */
export async function bootstrapIfEmpty(
  db: Db,
  dataDir: string | undefined,
): Promise<InitialCredentials | undefined> {
  const n = await db.query<{ n: number }>('select count(*)::int as n from tenants');
  if (n.rows[0]!.n > 0) return undefined;
  const tenant = await createTenant(db, 'demo', 'Demo building');
  const apiToken = await createApiToken(db, tenant.id, 'initial admin token', ['ingest', 'read', 'admin']);
  const password = await createDeviceCredential(db, tenant.id, 'demo-gateway');
  const creds: InitialCredentials = {
    tenant: tenant.slug,
    apiToken,
    device: { username: 'demo-gateway', password },
  };
  if (dataDir)
    writeFileSync(join(dataDir, 'initial-credentials.json'), JSON.stringify(creds, null, 2) + '\n', {
      mode: 0o600,
    });
  return creds;
}
