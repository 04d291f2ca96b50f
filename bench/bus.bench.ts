/**
 * Bus throughput: our adapters beside the raw engine doing the same work from the same process.
 *   memory: append; read+ack through a consumer group; StreamConsumer end to end (no raw engine)
 *   redis:  append vs pipelined XADD MAXLEN ~; read+ack vs multi-key XREADGROUP + pipelined XACK;
 *           StreamConsumer end to end (leases, handle, ack)
 * Same partitions (8), batch (500) and ~200-byte JSON payloads everywhere. Ours and raw run in alternating
 * stints of 20 batches, so both see the same load on a shared machine (which, run one after the other,
 * moved the ratio by 0.3 between identical runs).
 */
import { Redis } from 'ioredis';
import { silentLogger } from '../src/platform/logger.js';
import { Metrics } from '../src/platform/metrics.js';
import { MemoryCoordinator, type Coordinator } from '../src/bus/coordinator.js';
import { StreamConsumer } from '../src/bus/consumer.js';
import { MemoryBus } from '../src/bus/memory.js';
import type { Bus, BusRecord } from '../src/bus/port.js';
import { RedisCoordinator } from '../src/bus/redis-coordinator.js';
import { RedisBus } from '../src/bus/redis.js';
import type { BenchContext, BenchRow, BenchSuite } from './table.js';

const PARTITIONS = 8;
const BATCH = 500;
const STINT = 20;
const all = Array.from({ length: PARTITIONS }, (_, p) => p);

function payload(i: number): string {
  return JSON.stringify({
    tenant: 'tenant-0042',
    sensor: `chiller-${i % 500}/supply-temp`,
    parameter: 'temperature',
    ts: 1_700_000_000_000 + i * 1000,
    value: 6.5 + (i % 97) / 10,
    unit: 'degC',
    gateway: 'gw-building-7-floor-3',
    quality: 'good',
    seq: i,
  });
}

function batches(n: number): BusRecord[][] {
  const out: BusRecord[][] = [];
  for (let i = 0; i < n; i += BATCH) {
    const size = Math.min(BATCH, n - i);
    out.push(
      Array.from({ length: size }, (_, j) => ({ key: `sensor-${(i + j) % 1000}`, payload: payload(i + j) })),
    );
  }
  return out;
}

/** One batch of work; returns how many entries it handled (0 = nothing left). */
type Step = () => Promise<number>;

const seconds = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

async function rate(n: number, work: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await work();
  return n / seconds(t0);
}

/** Entries/s of each side, run in alternating stints until both handled n entries. */
async function paired(n: number, ours: Step, raw: Step): Promise<{ ours: number; raw: number }> {
  const sides = [
    { step: raw, done: 0, s: 0 },
    { step: ours, done: 0, s: 0 },
  ];
  while (sides.some((x) => x.done < n)) {
    for (const side of sides) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < STINT && side.done < n; i++) {
        const got = await side.step();
        if (got === 0) side.done = n; // drained
        side.done += got;
      }
      side.s += seconds(t0);
    }
  }
  return { raw: n / sides[0]!.s, ours: n / sides[1]!.s };
}

function appender(bus: Bus, stream: string, data: BusRecord[][]): Step {
  let next = 0;
  return async () => {
    const b = data[next++];
    return b ? (await bus.append(stream, b)).length : 0;
  };
}

function reader(bus: Bus, stream: string): Step {
  return async () => {
    const got = await bus.read({
      stream,
      group: 'g',
      consumer: 'c',
      partitions: all,
      count: BATCH,
      blockMs: 0,
    });
    await bus.ack(stream, 'g', got);
    return got.length;
  };
}

function rawAppender(redis: Redis, keys: string[], data: BusRecord[][], maxLen: number): Step {
  let next = 0;
  return async () => {
    const b = data[next++];
    if (!b) return 0;
    const pipe = redis.pipeline();
    for (const r of b) {
      pipe.xadd(
        keys[Number(r.key.slice(7)) % PARTITIONS]!,
        'MAXLEN',
        '~',
        maxLen,
        '*',
        'k',
        r.key,
        'p',
        r.payload,
      );
    }
    await pipe.exec();
    return b.length;
  };
}

function rawReader(redis: Redis, keys: string[]): Step {
  const per = Math.floor(BATCH / PARTITIONS); // COUNT is per key: same total batch as ours
  const ids = keys.map(() => '>');
  return async () => {
    type Reply = [string, [string, string[]][]][] | null;
    const reply = (await redis.xreadgroup(
      'GROUP',
      'g',
      'c',
      'COUNT',
      per,
      'STREAMS',
      ...keys,
      ...ids,
    )) as Reply;
    const pipe = redis.pipeline();
    let got = 0;
    for (const [key, entries] of reply ?? []) {
      pipe.xack(key, 'g', ...entries.map(([id]) => id));
      got += entries.length;
    }
    await pipe.exec();
    return got;
  };
}

async function consumerEndToEnd(
  bus: Bus,
  coordinator: Coordinator,
  stream: string,
  n: number,
): Promise<void> {
  let done = 0;
  let finished!: () => void;
  const allDone = new Promise<void>((r) => (finished = r));
  const c = new StreamConsumer({
    bus,
    coordinator,
    stream: { name: stream, partitions: PARTITIONS, maxLen: n },
    group: 'g',
    consumer: 'bench',
    batchSize: BATCH,
    blockMs: 1000,
    leaseMs: 5000,
    claimIdleMs: 5000,
    maxDeliveries: 5,
    lagIntervalMs: 0,
    logger: silentLogger(),
    metrics: new Metrics(),
    handle: async (entries) => {
      done += entries.length;
      if (done >= n) finished();
    },
  }).start();
  await allDone;
  await c.close();
}

async function fill(bus: Bus, stream: string, data: BusRecord[][]): Promise<void> {
  for (const b of data) await bus.append(stream, b);
}

async function memoryRows(n: number, ctx: BenchContext): Promise<BenchRow[]> {
  ctx.progress(`memory bus: ${n} entries`);
  const data = batches(n);
  const bus = new MemoryBus();
  const [s1, s2] = [`bench-a`, `bench-b`];
  for (const name of [s1, s2]) bus.defineStream({ name, partitions: PARTITIONS, maxLen: n });
  await bus.ensureGroup(s1, 'g');
  const append = await rate(n, () => fill(bus, s1, data));
  const read = reader(bus, s1);
  const consume = await rate(n, async () => {
    while ((await read()) > 0);
  });
  await fill(bus, s2, data);
  const consumer = await rate(n, () => consumerEndToEnd(bus, new MemoryCoordinator(), s2, n));
  await bus.close();
  const row = (metric: string, ours: number): BenchRow => ({ suite: 'bus', metric, unit: 'entries/s', ours });
  return [
    row('memory: append (batch 500)', append),
    row('memory: read+ack via group', consume),
    row('memory: StreamConsumer end to end', consumer),
  ];
}

async function reachable(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

async function redisRows(url: string, n: number, ctx: BenchContext): Promise<BenchRow[]> {
  const raw = new Redis(url);
  const prefix = `bench${process.pid}`;
  const bus = new RedisBus({ url, prefix, logger: silentLogger() });
  const data = batches(n);
  try {
    ctx.progress(`redis: append and read+ack, ${n} entries each, ours and raw interleaved`);
    const s = 'bench-a';
    bus.defineStream({ name: s, partitions: PARTITIONS, maxLen: n });
    await bus.ensureGroup(s, 'g');
    const rawKeys = all.map((p) => `${prefix}:raw:{${s}:${p}}`);
    for (const k of rawKeys) await raw.xgroup('CREATE', k, 'g', '0', 'MKSTREAM');
    const append = await paired(n, appender(bus, s, data), rawAppender(raw, rawKeys, data, n));
    const consume = await paired(n, reader(bus, s), rawReader(raw, rawKeys));

    ctx.progress('redis: StreamConsumer end to end');
    const s2 = 'bench-b';
    bus.defineStream({ name: s2, partitions: PARTITIONS, maxLen: n });
    await fill(bus, s2, data);
    const coordinator = new RedisCoordinator({ client: raw, prefix });
    const consumer = await rate(n, () => consumerEndToEnd(bus, coordinator, s2, n));

    const vsRaw = (metric: string, r: { ours: number; raw: number }): BenchRow => {
      const met = r.ours >= 0.8 * r.raw;
      return {
        suite: 'bus',
        metric,
        unit: 'entries/s',
        ours: r.ours,
        raw: r.raw,
        target: '>= 0.8 x raw',
        met,
      };
    };
    return [
      vsRaw('redis: append (batch 500) vs pipelined XADD', append),
      vsRaw('redis: read+ack via group vs XREADGROUP+XACK', consume),
      { suite: 'bus', metric: 'redis: StreamConsumer end to end', unit: 'entries/s', ours: consumer },
    ];
  } finally {
    const leftovers = await raw.keys(`${prefix}:*`);
    if (leftovers.length > 0) await raw.del(...leftovers);
    await bus.close();
    raw.disconnect();
  }
}

export const busBench: BenchSuite = async (ctx) => {
  const n = Math.max(BATCH, Math.round(200_000 * ctx.scale));
  const rows = await memoryRows(n, ctx);
  const url = ctx.redisUrl ?? 'redis://127.0.0.1:6379';
  if (await reachable(url)) return [...rows, ...(await redisRows(url, n, ctx))];
  ctx.progress(`redis at ${url} not reachable: redis rows skipped`);
  return [
    ...rows,
    { suite: 'bus', metric: 'redis rows', unit: '-', ours: NaN, note: 'skipped: Redis not reachable' },
  ];
};
