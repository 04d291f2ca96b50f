/**
 * Alerting: evaluation throughput of the rule index (10,000 rules over 100,000 sensors) beside a
 * naive scan of the whole table, and the critical path MQTT publish -> transition on the critical
 * stream, p50/p99, while 10,000 readings/s of background flow.
 */
import mqtt from 'mqtt';
import { RuleIndex, inScope } from '../src/alerting/domain/rule-index.js';
import { ruleParameters, validateRule, type Rule } from '../src/alerting/domain/rule.js';
import { evaluateCondition } from '../src/alerting/domain/conditions.js';
import { transition } from '../src/alerting/domain/state-machine.js';
import { ALERT_STREAM_SPEC, ALERT_STREAMS, type AlertTransition } from '../src/alerting/engine/transition.js';
import type { Bus } from '../src/bus/port.js';
import { loadConfig } from '../src/config/config.js';
import { createDeviceCredential, createTenant } from '../src/iam/tenants.js';
import { silentLogger } from '../src/platform/logger.js';
import { startPlatform } from '../src/runtime/start.js';
import { putRule } from '../test/support/alerts.js';
import { createRedisClient } from '../src/bus/redis-client.js';
import { RedisBus } from '../src/bus/redis.js';
import { percentile, sleep, spawnRole, startMosquitto, tempDir, unique, waitFor, withPg } from './support.js';
import type { BenchContext, BenchRow, BenchSuite } from './table.js';

const PARAMS = ['temp', 'humidity', 'current', 'voltage', 'power_kw'];
/** Background load: 2,000 messages of 5 readings a second (BENCH_BACKGROUND_MSGS overrides, for diagnosis). */
const BACKGROUND_MESSAGES_PER_S = Number(process.env.BENCH_BACKGROUND_MSGS ?? 2000);

function makeRules(n: number, locations: number): Rule[] {
  return Array.from({ length: n }, (_, i) =>
    validateRule({
      id: `r${i}`,
      tenant: `t${i % 10}`,
      name: `rule ${i}`,
      title: 'x',
      priority: 'high',
      // 1% of rules watch a whole tenant, the rest one location (a site's own thresholds).
      scope: i % 100 === 0 ? {} : { locations: [`loc-${i % locations}`] },
      condition: { type: 'threshold', parameter: PARAMS[i % PARAMS.length]!, op: '>', value: 50 + (i % 40) },
    }),
  );
}

function evaluation(ctx: BenchContext): BenchRow[] {
  const rules = makeRules(10_000, 1000);
  const index = new RuleIndex(rules);
  const readings = Math.round(300_000 * ctx.scale);
  const reading = (i: number) => {
    const sensor = i % 100_000;
    return {
      tenant: `t${sensor % 10}`,
      location: `loc-${sensor % 1000}`,
      asset: `a-${sensor}`,
      sensor: `s-${sensor}`,
      parameter: PARAMS[i % PARAMS.length]!,
      ts: 1_000 + i,
      value: (i * 7) % 100,
    };
  };
  const run = (match: (r: ReturnType<typeof reading>) => Rule[]) => {
    const states = new Map<string, ReturnType<typeof transition>['state']>();
    let evaluated = 0;
    const t0 = performance.now();
    for (let i = 0; i < readings; i++) {
      const r = reading(i);
      for (const rule of match(r)) {
        const fp = `${rule.id}/${r.sensor}`;
        const step = transition(
          states.get(fp),
          {
            conditionTrue: evaluateCondition(rule.condition, {
              parameter: r.parameter,
              ts: r.ts,
              value: r.value,
            }),
            ts: r.ts,
            value: r.value,
          },
          rule,
        );
        states.set(fp, step.state);
        evaluated++;
      }
    }
    return { perSec: readings / ((performance.now() - t0) / 1000), evaluated };
  };
  ctx.progress(`evaluation: ${readings} readings x 10,000 rules`);
  const ours = run((r) => index.match(r));
  const naiveReadings = Math.round(readings / 30);
  const byParam = (rule: Rule, p: string) => ruleParameters(rule).includes(p);
  const t0 = performance.now();
  for (let i = 0; i < naiveReadings; i++) {
    const r = reading(i);
    for (const rule of rules)
      if (rule.tenant === r.tenant && byParam(rule, r.parameter) && inScope(rule.scope, r))
        evaluateCondition(rule.condition, { parameter: r.parameter, ts: r.ts, value: r.value });
  }
  const naive = naiveReadings / ((performance.now() - t0) / 1000);
  return [
    {
      suite: 'alerting',
      metric: 'evaluation, 10k rules x 100k sensors (index vs full scan)',
      unit: 'readings/s',
      ours: ours.perSec,
      raw: naive,
      note: `${(ours.evaluated / readings).toFixed(2)} rule evaluations per reading`,
    },
  ];
}

interface ProbeSetup {
  mqttUrl: string;
  auth?: { username: string; password: string };
  /** Where the alerting role publishes transitions. */
  bus: Bus;
}

/**
 * Probe readings alternate above and below a critical rule's threshold (each one a transition) while a
 * second connection publishes 10,000 readings/s that no rule watches; latency is publish -> the
 * transition read from the critical stream.
 */
async function probe(ctx: BenchContext, s: ProbeSetup, label: string): Promise<BenchRow[]> {
  const probeClient = await mqtt.connectAsync(s.mqttUrl, { ...s.auth, clientId: unique('probe') });
  const background = await mqtt.connectAsync(s.mqttUrl, { ...s.auth, clientId: unique('background') });
  const received = watchCritical(s.bus);
  let stop = false;
  const bg = (async () => {
    let i = 0;
    const start = performance.now();
    while (!stop) {
      const due = start + (i / BACKGROUND_MESSAGES_PER_S) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const k = i % 500;
      background.publish(
        `di/bench/floor-${k % 5}/ahu-${k}/ahu-${k}-main`,
        JSON.stringify({
          ts: Date.now(),
          values: { temp: 21, humidity: 40, current: 3, voltage: 230, power_kw: 1.2 },
        }),
        { qos: 0 },
      );
      i++;
    }
  })();
  await sleep(2000);
  const samples = Math.round(400 * ctx.scale) + 20;
  ctx.progress(`critical latency (${label}): ${samples} probes under 10,000 readings/s`);
  const latencies: number[] = [];
  try {
    for (let k = 0; k < samples; k++) {
      const ts = Date.now();
      const hot = k % 2 === 0;
      const sent = performance.now();
      await probeClient.publishAsync(
        'di/bench/probe/room-1/room-1-t',
        JSON.stringify({ ts, values: { temp: hot ? 12 : 4 } }),
        { qos: 1 },
      );
      const arrived = await received.next(ts, hot ? 'firing' : 'resolved', 10_000);
      if (k >= 10) latencies.push(arrived - sent);
      await sleep(20);
    }
  } finally {
    stop = true;
    await bg;
    await received.stop();
    await probeClient.endAsync();
    await background.endAsync();
  }
  latencies.sort((a, b) => a - b);
  const p99 = percentile(latencies, 99);
  const note = `${BACKGROUND_MESSAGES_PER_S * 5} readings/s background`;
  return [
    {
      suite: 'alerting',
      metric: `critical: MQTT publish -> critical stream, p50 (${label})`,
      unit: 'ms',
      ours: percentile(latencies, 50),
      note,
    },
    {
      suite: 'alerting',
      metric: `critical: MQTT publish -> critical stream, p99 (${label})`,
      unit: 'ms',
      ours: p99,
      target: '<= 5 ms',
      met: p99 <= 5,
      note,
    },
  ];
}

const CRITICAL_RULE = {
  id: 'hot',
  tenant: 'bench',
  name: 'hot',
  title: 'hot',
  priority: 'critical' as const,
  scope: { assets: ['probe/room-1'] },
  condition: { type: 'threshold' as const, parameter: 'temp', op: '>' as const, value: 8 },
};

async function embeddedLatency(ctx: BenchContext): Promise<BenchRow[]> {
  const config = loadConfig({
    env: {},
    overrides: {
      httpPort: 0,
      mqttPort: 0,
      httpHost: '127.0.0.1',
      mqttHost: '127.0.0.1',
      dataDir: tempDir('di-bench-al-'),
      logLevel: 'silent',
      telemetryPartitions: 8,
      consumerBatchSize: 1000,
    },
  });
  const p = await startPlatform(config, { logger: silentLogger(), roles: ['storage', 'alerting', 'bridge'] });
  try {
    const t = await createTenant(p.runtime.db, 'bench');
    const password = await createDeviceCredential(p.runtime.db, t.id, 'bench-gw');
    await putRule(p.runtime.db, p.runtime.feed, t.id, CRITICAL_RULE);
    await sleep(500);
    return await probe(
      ctx,
      {
        mqttUrl: `mqtt://127.0.0.1:${p.ports.mqtt}`,
        auth: { username: 'bench-gw', password },
        bus: p.runtime.bus,
      },
      'embedded',
    );
  } finally {
    await p.close();
  }
}

async function distributedLatency(ctx: BenchContext): Promise<BenchRow[]> {
  if (!ctx.databaseUrl || !ctx.redisUrl) return [];
  const mosquitto = await startMosquitto();
  if (!mosquitto) return [];
  const schema = unique('benchal');
  await withPg(ctx.databaseUrl, (c) => c.query(`create schema ${schema}`));
  const dbUrl = new URL(ctx.databaseUrl);
  dbUrl.searchParams.set('options', `-c search_path=${schema}`);
  const env = {
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: ctx.redisUrl,
    MQTT_URL: mosquitto.url,
    BUS_PREFIX: schema,
    MQTT_SHARE_GROUP: schema,
    TELEMETRY_PARTITIONS: '8',
  };
  const children = ['bridge', 'storage', 'alerting'].map((role) =>
    spawnRole(['start', '--role', role], { ...env, INSTANCE_ID: `${schema}-${role}` }),
  );
  const redis = createRedisClient(ctx.redisUrl);
  const bus = new RedisBus({ client: redis, prefix: schema });
  try {
    await waitFor(
      async () =>
        withPg(
          env.DATABASE_URL,
          async (c) => (await c.query(`select 1 from alert_rules limit 1`), true),
        ).catch(() => false),
      60_000,
      500,
    );
    const tenantId = await withPg(
      env.DATABASE_URL,
      async (c) =>
        (
          await c.query<{ id: number }>(
            `insert into tenants (slug, name) values ('bench', 'bench') returning id`,
          )
        ).rows[0]!.id,
    );
    await withPg(env.DATABASE_URL, (c) =>
      c.query(`insert into alert_rules (tenant_id, id, definition) values ($1, 'hot', $2)`, [
        tenantId,
        JSON.stringify(validateRule(CRITICAL_RULE)),
      ]),
    );
    // The evaluator picks the rule up within its 5 s re-check; the bridge must be subscribed too.
    await sleep(7000);
    return await probe(ctx, { mqttUrl: mosquitto.url, bus }, 'distributed');
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await sleep(2000);
    await bus.close();
    await redis.quit();
    await mosquitto.stop();
    await withPg(ctx.databaseUrl, (c) => c.query(`drop schema if exists ${schema} cascade`));
  }
}

/** Reads the critical stream as the notifier would (its own group, blocking reads). */
function watchCritical(bus: Bus) {
  const name = ALERT_STREAMS.critical;
  bus.defineStream({ name, ...ALERT_STREAM_SPEC });
  const arrivals = new Map<string, number>();
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
        arrivals.set(`${t.kind}@${t.ts}`, now);
      }
      if (batch.length) await bus.ack(name, 'bench', batch);
    }
  })();
  return {
    async next(ts: number, kind: string, timeoutMs: number): Promise<number> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const at = arrivals.get(`${kind}@${ts}`);
        if (at !== undefined) return at;
        if (Date.now() > end) throw new Error(`no ${kind} transition for ${ts} within ${timeoutMs} ms`);
        await new Promise((r) => setImmediate(r));
      }
    },
    stop() {
      running = false;
      return loop;
    },
  };
}

export const alertingBench: BenchSuite = async (ctx) => [
  ...evaluation(ctx),
  ...(await embeddedLatency(ctx)),
  ...(await distributedLatency(ctx)),
];
