import { validateRule } from '../alerting/domain/rule.js';
import { RulesRepo } from '../alerting/manage/rules-repo.js';
import type { ChangeFeed } from '../bus/feed.js';
import type { Db } from '../db/port.js';
import type { Logger } from '../platform/logger.js';
import { createMqttProducer } from '../sdk/mqtt-producer.js';
import { formatProgress } from './progress.js';
import { runSimulation } from './runner.js';
import { mqttSink } from './sinks.js';

export interface DemoOptions {
  mqttUrl: string;
  tenant: string;
  username: string;
  password: string;
  ratePerSecond: number;
  logger: Logger;
}

/**
 * `datainsight start --demo`: the building simulator publishing to this process's own broker over
 * real MQTT with the demo device's credentials, so a newcomer sees live data within seconds.
 */
export async function startDemo(opts: DemoOptions): Promise<{ close(): Promise<void> }> {
  const producer = await createMqttProducer({
    url: opts.mqttUrl,
    username: opts.username,
    password: opts.password,
    tenant: opts.tenant,
    qos: 1,
  });
  const abort = new AbortController();
  const run = runSimulation({
    model: {
      seed: 42,
      tenants: [opts.tenant],
      locationsPerTenant: 2,
      faults: [
        { kind: 'chiller-ignores-commands', startTs: Date.now() + 15_000 },
        // The freezer warms 10 °C a minute: the demo's critical rule fires about a minute after start.
        {
          kind: 'drift',
          startTs: Date.now() + 5_000,
          target: { location: 'site-1', asset: 'cold-room-1' },
          parameter: 'temp',
          magnitude: 600,
        },
      ],
    },
    ratePerSecond: opts.ratePerSecond,
    sink: mqttSink(() => producer),
    signal: abort.signal,
    progressIntervalMs: 60_000,
    onProgress: (stats) => opts.logger.info(`demo simulator: ${formatProgress(stats)}`),
  }).catch((e: unknown) => opts.logger.error({ err: e }, 'demo simulator stopped'));
  return {
    async close() {
      abort.abort();
      await run;
      await producer.close();
    },
  };
}

/**
 * The demo tenant's first rules, created once on first start: the brief's chiller example (commanded
 * on, drawing no current) and a warm cold room, so a newcomer sees alerts fire from simulated data.
 */
export async function seedDemoRules(
  db: Db,
  feed: ChangeFeed,
  tenant: { id: number; slug: string },
): Promise<void> {
  const repo = new RulesRepo(db);
  const rules = [
    {
      id: 'chiller-ignores-commands',
      name: 'Chiller does not follow commands',
      title: 'Automation commands not working on {{asset}}',
      action:
        'Most likely automation commands are not working on the chiller. Please switch the chiller to JouleTrack mode, turn it on, and then return it to recipe mode.',
      priority: 'high',
      forMs: 60_000,
      condition: {
        type: 'stateMismatch',
        when: { parameter: 'on', op: '=', value: 1 },
        expect: { parameter: 'current', op: '>', value: 0.5 },
      },
    },
    {
      id: 'freezer-warm',
      name: 'Freezer too warm',
      title: '{{asset}} at {{value}} °C (limit {{threshold}} °C)',
      action:
        'Check the door and the compressor of {{asset}} in {{location}}; move stock if it keeps rising.',
      priority: 'critical',
      forMs: 30_000,
      scope: { assets: ['site-1/cold-room-1', 'site-2/cold-room-1'] },
      condition: { type: 'threshold', parameter: 'temp', op: '>', value: -15 },
    },
  ];
  for (const r of rules) {
    await repo.create(tenant.id, validateRule({ ...r, tenant: tenant.slug }), Date.now());
    await feed.publish('rules', { tenantId: tenant.id, tenant: tenant.slug, ruleId: r.id });
  }
}
