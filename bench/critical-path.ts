/**
 * A whole DataInsight for the critical-path benchmarks, embedded (one process) or distributed (bridge,
 * storage, alerting and notifier processes on Mosquitto, Redis and PostgreSQL), with a tenant, a
 * critical rule on the probe room and, when asked, a person told by SMS through a local Twilio.
 */
import { validateRule } from '../src/alerting/domain/rule.js';
import { ALERT_STREAM_SPEC, ALERT_STREAMS, type AlertTransition } from '../src/alerting/engine/transition.js';
import type { Bus } from '../src/bus/port.js';
import { createRedisClient } from '../src/bus/redis-client.js';
import { RedisBus } from '../src/bus/redis.js';
import { createDeviceCredential } from '../src/iam/tenants.js';
import { silentLogger } from '../src/platform/logger.js';
import type { RoleName } from '../src/runtime/roles.js';
import { startPlatform } from '../src/runtime/start.js';
import { arrivalsFrom, type Arrivals } from './probe.js';
import { embeddedBenchConfig, sleep, spawnRole, startMosquitto, unique, waitFor, withPg } from './support.js';

export const CRITICAL_RULE = validateRule({
  id: 'hot',
  tenant: 'bench',
  name: 'hot',
  title: 'hot {{value}}',
  priority: 'critical',
  scope: { assets: ['probe/room-1'] },
  condition: { type: 'threshold', parameter: 'temp', op: '>', value: 8 },
});

export interface SmsTarget {
  baseUrl: string;
  accountSid: string;
  authToken: string;
}

export interface CriticalPath {
  mqttUrl: string;
  auth?: { username: string; password: string };
  bus: Bus;
  close(): Promise<void>;
}

type Query = (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

/** Tenant, rule and (with sms) a person subscribed to critical alerts by SMS. */
async function seed(q: Query, sms: boolean): Promise<number> {
  const tenantId = (await q(`insert into tenants (slug, name) values ('bench', 'bench') returning id`))
    .rows[0]!.id as number;
  await q(`insert into alert_rules (tenant_id, id, definition) values ($1, 'hot', $2)`, [
    tenantId,
    JSON.stringify(CRITICAL_RULE),
  ]);
  if (sms) {
    const user = (
      await q(`insert into users (email, timezone) values ('oncall@bench.test', 'UTC') returning id`)
    ).rows[0]!.id;
    await q(`insert into memberships (user_id, tenant_id, role) values ($1, $2, 'operator')`, [
      user,
      tenantId,
    ]);
    const cp = (
      await q(
        `insert into contact_points (tenant_id, user_id, kind, address) values ($1, $2, 'sms', '{"kind":"sms","phone":"+15005550001"}') returning id`,
        [tenantId, user],
      )
    ).rows[0]!.id;
    await q(
      `insert into subscriptions (tenant_id, user_id, min_priority, channels) values ($1, $2, 'critical', $3)`,
      [tenantId, user, JSON.stringify({ critical: [cp] })],
    );
  }
  return tenantId;
}

const twilioSettings = (sms: SmsTarget) => ({
  twilioAccountSid: sms.accountSid,
  twilioAuthToken: sms.authToken,
  twilioFrom: '+15005550006',
  twilioBaseUrl: sms.baseUrl,
});

export async function embeddedCriticalPath(sms?: SmsTarget): Promise<CriticalPath> {
  const config = await embeddedBenchConfig({
    telemetryPartitions: 8,
    consumerBatchSize: 1000,
    ...(sms ? twilioSettings(sms) : {}),
  });
  const roles: RoleName[] = ['storage', 'alerting', 'bridge', ...(sms ? (['notifier'] as const) : [])];
  const p = await startPlatform(config, { logger: silentLogger(), roles });
  const tenantId = await seed((sql, params) => p.runtime.db.query(sql, params), Boolean(sms));
  const password = await createDeviceCredential(p.runtime.db, tenantId, 'bench-gw');
  await p.runtime.feed.publish('rules', { tenantId, ruleId: 'hot' });
  await sleep(500);
  return {
    mqttUrl: `mqtt://127.0.0.1:${p.ports.mqtt}`,
    auth: { username: 'bench-gw', password },
    bus: p.runtime.bus,
    close: () => p.close(),
  };
}

export async function distributedCriticalPath(
  databaseUrl: string,
  redisUrl: string,
  sms?: SmsTarget,
): Promise<CriticalPath | undefined> {
  const mosquitto = await startMosquitto();
  if (!mosquitto) return undefined;
  const schema = unique('benchcp');
  await withPg(databaseUrl, (c) => c.query(`create schema ${schema}`));
  const dbUrl = new URL(databaseUrl);
  dbUrl.searchParams.set('options', `-c search_path=${schema}`);
  const env: Record<string, string> = {
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: redisUrl,
    MQTT_URL: mosquitto.url,
    BUS_PREFIX: schema,
    MQTT_SHARE_GROUP: schema,
    TELEMETRY_PARTITIONS: '8',
    ...(sms
      ? {
          TWILIO_ACCOUNT_SID: sms.accountSid,
          TWILIO_AUTH_TOKEN: sms.authToken,
          TWILIO_FROM: '+15005550006',
          TWILIO_BASE_URL: sms.baseUrl,
        }
      : {}),
  };
  const roles = ['bridge', 'storage', 'alerting', ...(sms ? ['notifier'] : [])];
  const children = roles.map((role) =>
    spawnRole(['start', '--role', role], { ...env, INSTANCE_ID: `${schema}-${role}` }),
  );
  const redis = createRedisClient(redisUrl);
  const bus = new RedisBus({ client: redis, prefix: schema });
  await waitFor(
    async () =>
      withPg(
        env.DATABASE_URL!,
        async (c) => (await c.query(`select 1 from subscriptions limit 1`), true),
      ).catch(() => false),
    60_000,
    500,
  );
  await withPg(env.DATABASE_URL!, (c) => seed((sql, params) => c.query(sql, params), Boolean(sms)));
  // Evaluators see the new rule within their 5 s re-check; bridges subscribe meanwhile.
  await sleep(7000);
  return {
    mqttUrl: mosquitto.url,
    bus,
    async close() {
      for (const c of children) c.kill('SIGTERM');
      await sleep(2000);
      await bus.close();
      await redis.quit();
      await mosquitto.stop();
      await withPg(databaseUrl, (c) => c.query(`drop schema if exists ${schema} cascade`));
    },
  };
}

/** Arrivals on the critical stream, read as the notifier would (a group of its own, blocking reads). */
export function criticalStreamArrivals(bus: Bus): Arrivals {
  const name = ALERT_STREAMS.critical;
  bus.defineStream({ name, ...ALERT_STREAM_SPEC });
  const seen = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    await bus.ensureGroup(name, 'bench');
    while (running) {
      const batch = await bus
        .read({
          stream: name,
          group: 'bench',
          consumer: 'bench',
          partitions: [0, 1, 2, 3],
          count: 100,
          blockMs: 100,
        })
        .catch(() => []);
      const now = performance.now();
      for (const e of batch) {
        const t = JSON.parse(e.payload) as AlertTransition;
        seen.set(`${t.kind}@${t.ts}`, now);
      }
      if (batch.length) await bus.ack(name, 'bench', batch);
    }
  })();
  return arrivalsFrom(
    seen,
    (p) => `${p.hot ? 'firing' : 'resolved'}@${p.ts}`,
    async () => {
      running = false;
      await loop;
    },
  );
}
