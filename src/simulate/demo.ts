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
      faults: [{ kind: 'chiller-ignores-commands', startTs: Date.now() + 5 * 60_000 }],
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
