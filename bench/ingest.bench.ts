/**
 * Ingest throughput, MQTT in -> stored (readings table), beside the raw broker's publish -> subscribe
 * rate through the same kind of broker with the same publishers and messages.
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { createDeviceCredential, createTenant } from '../src/iam/tenants.js';
import { silentLogger } from '../src/platform/logger.js';
import { listen } from '../src/platform/listen.js';
import { startPlatform } from '../src/runtime/start.js';
import {
  publishLoad,
  sleep,
  spawnRole,
  startMosquitto,
  embeddedBenchConfig,
  unique,
  waitFor,
  withPg,
} from './support.js';
import type { BenchContext, BenchRow, BenchSuite } from './table.js';

const PARAMS = 5;
const SENSORS = 2000;
const topicOf = (tenant: string) => (i: number) =>
  `di/${tenant}/site-${i % 10}/asset-${i % SENSORS}/s-${i % SENSORS}`;
const payloadOf = (t0: number) => (i: number) =>
  JSON.stringify({
    ts: t0 + Math.floor(i / SENSORS) * 1000,
    values: { temp: 20 + (i % 7), hum: 40, current: 3.2, voltage: 230, on: 1 },
  });

/** Raw engine: the same publishers through a subscriber counting messages. */
async function rawBroker(url: string, messages: number, connections: number): Promise<number> {
  const sub = await mqtt.connectAsync(url, { clientId: unique('rawsub') });
  const prefix = unique('raw');
  let got = 0;
  sub.on('message', () => got++);
  await sub.subscribeAsync(`${prefix}/#`, { qos: 1 });
  const t0 = performance.now();
  await publishLoad({
    url,
    connections,
    messages,
    window: 200,
    topic: (i) => `${prefix}/${i % SENSORS}`,
    payload: payloadOf(Date.now()),
  });
  const done = await waitFor(async () => got >= messages, 120_000, 20);
  await sub.endAsync();
  return (messages * PARAMS) / ((done - t0) / 1000);
}

async function embedded(ctx: BenchContext): Promise<BenchRow[]> {
  const messages = Math.round(20_000 * ctx.scale);
  const config = await embeddedBenchConfig({ consumerBatchSize: 2000 });
  const p = await startPlatform(config, {
    logger: silentLogger(),
    roles: ['storage', 'bridge', 'scheduler'],
  });
  const t = await createTenant(p.runtime.db, 'bench');
  const password = await createDeviceCredential(p.runtime.db, t.id, 'bench-gw');
  const url = `mqtt://127.0.0.1:${p.ports.mqtt}`;
  const count = async () =>
    (await p.runtime.db.query<{ n: number }>('select count(*)::int as n from readings')).rows[0]!.n;
  // Warm-up registers the sensors, so the timed run measures steady state.
  await publishLoad({
    url,
    connections: 4,
    messages: SENSORS,
    window: 200,
    topic: topicOf('bench'),
    payload: payloadOf(Date.now() - 3_600_000),
    auth: { username: 'bench-gw', password },
  });
  await waitFor(async () => (await count()) >= SENSORS * PARAMS, 60_000);
  ctx.progress(`embedded: publishing ${messages * PARAMS} readings`);
  const base = await count();
  const t0 = performance.now();
  await publishLoad({
    url,
    connections: 4,
    messages,
    window: 200,
    topic: topicOf('bench'),
    payload: payloadOf(Date.now() - 1_800_000),
    auth: { username: 'bench-gw', password },
  });
  const done = await waitFor(async () => (await count()) - base >= messages * PARAMS, 300_000, 50);
  const ours = (messages * PARAMS) / ((done - t0) / 1000);
  await p.close();

  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  const port = await listen(server, '127.0.0.1', 0, 'bench');
  ctx.progress('embedded: raw Aedes publish -> subscribe');
  const raw = await rawBroker(`mqtt://127.0.0.1:${port}`, messages, 4);
  await new Promise<void>((r) => aedes.close(() => server.close(() => r())));
  return [
    {
      suite: 'ingest',
      metric: 'MQTT -> stored, embedded (PGlite, in-process bus)',
      unit: 'readings/s',
      ours,
      raw,
      target: '>= 10,000/s',
      met: ours >= 10_000,
    },
  ];
}

async function distributed(ctx: BenchContext): Promise<BenchRow[]> {
  if (!ctx.databaseUrl || !ctx.redisUrl || !ctx.mqttUrl) return [];
  const messages = Math.round(60_000 * ctx.scale);
  const mosquitto = await startMosquitto();
  const mqttUrl = mosquitto?.url ?? ctx.mqttUrl;
  const schema = unique('bench');
  await withPg(ctx.databaseUrl, (c) => c.query(`create schema ${schema}`));
  const dbUrl = new URL(ctx.databaseUrl);
  dbUrl.searchParams.set('options', `-c search_path=${schema}`);
  const env = {
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: ctx.redisUrl,
    MQTT_URL: mqttUrl,
    BUS_PREFIX: schema,
    MQTT_SHARE_GROUP: schema,
    CONSUMER_BATCH_SIZE: '5000',
    TELEMETRY_PARTITIONS: '8',
  };
  const children = [
    spawnRole(['start', '--role', 'bridge'], { ...env, INSTANCE_ID: `${schema}-b1` }),
    spawnRole(['start', '--role', 'storage'], { ...env, INSTANCE_ID: `${schema}-s1` }),
  ];
  try {
    const count = () =>
      withPg(
        env.DATABASE_URL,
        async (c) => (await c.query<{ n: number }>('select count(*)::int as n from readings')).rows[0]!.n,
      ).catch(() => -1);
    await waitFor(async () => (await count()) >= 0, 60_000, 500);
    await withPg(env.DATABASE_URL, (c) =>
      c.query(`insert into tenants (slug, name) values ('bench', 'bench')`),
    );
    // Warm-up until the bridge is subscribed and every sensor registered (re-sent readings are idempotent).
    const warmTs = Date.now() - 3_600_000;
    for (let attempt = 0; ; attempt++) {
      await publishLoad({
        url: mqttUrl,
        connections: 4,
        messages: SENSORS,
        window: 200,
        topic: topicOf('bench'),
        payload: payloadOf(warmTs),
      });
      const ok = await waitFor(async () => (await count()) >= SENSORS * PARAMS, 10_000).then(
        () => true,
        () => false,
      );
      if (ok) break;
      if (attempt === 5)
        throw new Error('the distributed bridge and storage did not store the warm-up readings');
    }
    ctx.progress(`distributed: publishing ${messages * PARAMS} readings through Mosquitto`);
    const base = await count();
    const t0 = performance.now();
    await publishLoad({
      url: mqttUrl,
      connections: 4,
      messages,
      window: 200,
      topic: topicOf('bench'),
      payload: payloadOf(Date.now() - 1_800_000),
    });
    const done = await waitFor(async () => (await count()) - base >= messages * PARAMS, 300_000, 50);
    const stored = (await count()) - base;
    const ours = (messages * PARAMS) / ((done - t0) / 1000);
    ctx.progress('distributed: raw Mosquitto publish -> subscribe');
    const raw = await rawBroker(mqttUrl, messages, 4);
    return [
      {
        suite: 'ingest',
        metric: 'MQTT -> stored, distributed (Mosquitto, 1 bridge + 1 storage process)',
        unit: 'readings/s',
        ours,
        raw,
        target: '>= 50,000/s and >= 0.7 x raw',
        met: ours >= 50_000 && ours >= 0.7 * raw,
        note: `lost: ${messages * PARAMS - stored}`,
      },
    ];
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await sleep(2000);
    await mosquitto?.stop();
    await withPg(ctx.databaseUrl, (c) => c.query(`drop schema if exists ${schema} cascade`));
  }
}

export const ingestBench: BenchSuite = async (ctx) => [...(await embedded(ctx)), ...(await distributed(ctx))];
