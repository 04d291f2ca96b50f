/**
 * `npm run bench`: runs every suite and prints one table, our figure beside the raw engine's.
 * BENCH_ONLY=bus,ingest picks suites; BENCH_SCALE=0.1 shrinks the sizes for a quick look.
 * Distributed rows need REDIS_URL / DATABASE_URL / MQTT_URL; without them those rows are skipped.
 */
import { formatTable, type BenchContext, type BenchRow, type BenchSuite } from './table.js';
import { busBench } from './bus.bench.js';
import { ingestBench } from './ingest.bench.js';
import { alertingBench } from './alerting.bench.js';
import { notifyBench } from './notify.bench.js';
import { queryBench } from './query.bench.js';
import { analyticsBench } from './analytics.bench.js';
import { webBench } from './web.bench.js';
import { exportBench } from './export.bench.js';
import { connectorsBench } from './connectors.bench.js';

const SUITES: Record<string, BenchSuite> = {
  bus: busBench,
  ingest: ingestBench,
  alerting: alertingBench,
  notify: notifyBench,
  query: queryBench,
  analytics: analyticsBench,
  web: webBench,
  export: exportBench,
  connectors: connectorsBench,
};

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
  const ctx: BenchContext = {
    scale: Number(process.env.BENCH_SCALE ?? '1'),
    redisUrl: process.env.REDIS_URL,
    databaseUrl: process.env.DATABASE_URL,
    mqttUrl: process.env.MQTT_URL,
    progress: (msg) => process.stderr.write(`  .. ${msg}\n`),
  };
  const rows: BenchRow[] = [];
  for (const [name, suite] of Object.entries(SUITES)) {
    if (only && !only.includes(name)) continue;
    process.stderr.write(`bench ${name}\n`);
    try {
      const got = await suite(ctx);
      rows.push(...got);
      // Each suite's rows as soon as it ends, so a long run shows its figures as it goes.
      process.stderr.write(formatTable(got) + '\n');
    } catch (e) {
      // One failing suite must not hide the others' figures: it gets a row saying why.
      process.stderr.write(`bench ${name} failed: ${(e as Error).stack ?? String(e)}\n`);
      rows.push({
        suite: name,
        metric: 'suite failed',
        unit: '',
        ours: Number.NaN,
        met: false,
        note: (e as Error).message.slice(0, 120),
      });
    }
  }
  process.stdout.write('\n' + formatTable(rows) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
