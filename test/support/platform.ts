import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config/config.js';
import type { Db } from '../../src/db/port.js';
import { createApiToken, createDeviceCredential, createTenant } from '../../src/iam/tenants.js';
import { silentLogger, type Logger } from '../../src/platform/logger.js';
import type { SettingKey } from '../../src/config/settings.js';
import { availableRoles, type RoleName } from '../../src/runtime/roles.js';
import { startPlatform, type Platform } from '../../src/runtime/start.js';
import { uniqueName } from './db.js';

export type Mode = 'embedded' | 'distributed';

/** Embedded always; distributed when CI (or you) set DATABASE_URL, REDIS_URL and MQTT_URL. */
export const MODES: Mode[] = [
  'embedded',
  ...(process.env.DATABASE_URL && process.env.REDIS_URL && process.env.MQTT_URL
    ? (['distributed'] as const)
    : []),
];

export interface TestPlatform extends Platform {
  config: Config;
  db: Db;
  httpUrl: string;
  /** Where devices connect: the embedded broker, or the external one. */
  mqttUrl: string;
  /** Stop and remove everything the platform created. */
  destroy(): Promise<void>;
}

/**
 * A whole DataInsight on ephemeral ports with its own data: a temporary DATA_DIR, or (distributed) its
 * own PostgreSQL schema, Redis key prefix and MQTT share group, so tests run in parallel.
 */
export async function startTestPlatform(
  mode: Mode,
  opts: { roles?: RoleName[]; overrides?: Partial<Record<SettingKey, unknown>>; logger?: Logger } = {},
): Promise<TestPlatform> {
  const name = uniqueName('it');
  const dataDir = mkdtempSync(join(tmpdir(), 'di-test-'));
  let schema: string | undefined;
  const overrides: Partial<Record<SettingKey, unknown>> = {
    httpHost: '127.0.0.1',
    httpPort: 0,
    mqttHost: '127.0.0.1',
    mqttPort: 0,
    dataDir,
    instanceId: name,
    busPrefix: name,
    mqttShareGroup: name,
    telemetryPartitions: 4,
    consumerLeaseMs: 1000,
    consumerClaimIdleMs: 1500,
    shutdownTimeoutMs: 5000,
    logLevel: 'silent',
  };
  if (mode === 'distributed') {
    schema = name;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const url = new URL(process.env.DATABASE_URL!);
    url.searchParams.set('options', `-c search_path=${schema}`);
    Object.assign(overrides, {
      databaseUrl: url.toString(),
      redisUrl: process.env.REDIS_URL,
      mqttUrl: process.env.MQTT_URL,
      databasePoolSize: 4,
    });
  }
  const config = loadConfig({ env: {}, overrides: { ...overrides, ...opts.overrides } });
  const platform = await startPlatform(config, {
    logger: opts.logger ?? silentLogger(),
    roles: opts.roles ?? availableRoles(),
  });
  return {
    ...platform,
    config,
    db: platform.runtime.db,
    httpUrl: `http://127.0.0.1:${platform.ports.http}`,
    mqttUrl: mode === 'distributed' ? process.env.MQTT_URL! : `mqtt://127.0.0.1:${platform.ports.mqtt}`,
    async destroy() {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
      if (schema) {
        const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await admin.connect();
        await admin.query(`drop schema if exists ${schema} cascade`);
        await admin.end();
      }
    },
  };
}

/** A tenant with an API token (ingest, read) and a device credential. */
export async function seedTenant(db: Db, slug = uniqueName('tn').replace(/_/g, '-')) {
  const t = await createTenant(db, slug);
  const token = await createApiToken(db, t.id, 'test', ['ingest', 'read']);
  const device = `${slug}-gw`;
  const password = await createDeviceCredential(db, t.id, device);
  return { tenant: slug, tenantId: t.id, token, device, password };
}

/** A port that was free a moment ago (for a server whose public URL must be known before it starts). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
