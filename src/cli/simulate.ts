import { Command, InvalidArgumentError } from 'commander';
import { createHttpProducer } from '../sdk/http-producer.js';
import { createMqttProducer, type MqttProducer } from '../sdk/mqtt-producer.js';
import { FAULT_KINDS, type FaultKind, type FaultSpec } from '../simulate/faults.js';
import {
  backfill,
  formatProgress,
  httpSink,
  mqttSink,
  runSimulation,
  type SimulationStats,
  type Sink,
} from '../simulate/index.js';

const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};

/** --fault kind[@asset][+delay], e.g. chiller-ignores-commands@chiller-1+2m */
function parseFault(v: string, prev: FaultSpec[] = []): FaultSpec[] {
  const m = /^([a-z-]+)(?:@([A-Za-z0-9._-]+))?(?:\+(\d+)([smh]))?$/.exec(v);
  if (!m || !(FAULT_KINDS as readonly string[]).includes(m[1]!)) {
    throw new InvalidArgumentError(
      `fault "${v}": use kind[@asset][+delay], kind one of ${FAULT_KINDS.join(', ')}, delay like 30s, 2m, 1h`,
    );
  }
  const delay = m[3] ? Number(m[3]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[4] as 's' | 'm' | 'h'] : 0;
  return [
    ...prev,
    { kind: m[1] as FaultKind, startTs: Date.now() + delay, ...(m[2] ? { target: { asset: m[2] } } : {}) },
  ];
}

interface SimulateOptions {
  mqtt?: string;
  http?: string;
  tenant: string;
  username?: string;
  password?: string;
  token?: string;
  locations: number;
  rate: number;
  duration?: number;
  fault: FaultSpec[];
  backfillDays?: number;
  seed: number;
}

/** `datainsight simulate`: a realistic building publishing over MQTT or HTTP, with a progress line. */
export function simulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('feed a simulated building (chillers, AC units, energy meters, cold rooms) into DataInsight')
    .option('--mqtt <url>', 'publish over MQTT, e.g. mqtt://localhost:1883')
    .option('--http <url>', 'post over HTTP, e.g. http://localhost:8080')
    .option('--tenant <slug>', 'tenant to feed', 'demo')
    .option('--username <device>', 'MQTT device username')
    .option('--password <secret>', 'MQTT device password (or DATAINSIGHT_DEVICE_PASSWORD)')
    .option('--token <token>', 'API token for --http (or DATAINSIGHT_TOKEN)')
    .option('--locations <n>', 'locations in the building model', positive('--locations'), 2)
    .option('--rate <n>', 'readings per second', positive('--rate'), 500)
    .option('--duration <seconds>', 'stop after this long (default: until Ctrl-C)', positive('--duration'))
    .option('--fault <spec>', 'inject a fault: kind[@asset][+delay] (repeatable)', parseFault, [])
    .option(
      '--backfill-days <n>',
      'instead of live data, generate this many past days of 1-minute data as fast as accepted',
      positive('--backfill-days'),
    )
    .option('--seed <n>', 'random seed (same seed, same building)', positive('--seed'), 42)
    .action(async (o: SimulateOptions) => {
      if (!o.mqtt === !o.http)
        throw new InvalidArgumentError('choose exactly one of --mqtt <url> or --http <url>');
      let sink: Sink;
      let close: () => Promise<void> = async () => undefined;
      if (o.mqtt) {
        const producer: MqttProducer = await createMqttProducer({
          url: o.mqtt,
          username: o.username,
          password: o.password ?? process.env.DATAINSIGHT_DEVICE_PASSWORD,
          tenant: o.tenant,
          qos: 1,
        });
        sink = mqttSink(() => producer);
        close = () => producer.close();
      } else {
        const token = o.token ?? process.env.DATAINSIGHT_TOKEN;
        if (!token) throw new InvalidArgumentError('--http needs --token <token> (or DATAINSIGHT_TOKEN)');
        const producer = createHttpProducer({ baseUrl: o.http!, token, tenant: o.tenant, gzip: true });
        sink = httpSink(() => producer);
      }
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      process.once('SIGTERM', () => abort.abort());
      const progress = (s: SimulationStats) => process.stderr.write(`\r${formatProgress(s)}   `);
      const model = { seed: o.seed, tenants: [o.tenant], locationsPerTenant: o.locations, faults: o.fault };
      const stats = o.backfillDays
        ? await backfill({
            model,
            fromTs: Date.now() - o.backfillDays * 86_400_000,
            toTs: Date.now(),
            sink,
            onProgress: progress,
            signal: abort.signal,
          })
        : await runSimulation({
            model,
            ratePerSecond: o.rate,
            durationMs: o.duration ? o.duration * 1000 : undefined,
            sink,
            onProgress: progress,
            signal: abort.signal,
          });
      process.stderr.write(`\r${formatProgress(stats)}\n`);
      await close();
    });
}
