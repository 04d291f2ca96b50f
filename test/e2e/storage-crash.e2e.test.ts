/**
 * Storage survives crashes: a storage worker killed with SIGKILL mid-stream loses no reading and folds
 * none twice (distributed), and the embedded database keeps its data across a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusKeys } from '../../src/bus/keys.js';
import { TELEMETRY_STREAM } from '../../src/ingest/envelope.js';
import { STORAGE_GROUP } from '../../src/storage/storage-role.js';
import { seedTenant, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { RoleProcess, roleEnv } from '../support/role-process.js';

const DISTRIBUTED = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL && process.env.MQTT_URL);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Reading {
  location: string;
  asset: string;
  sensor: string;
  ts: number;
  values: Record<string, number>;
}

async function ingest(httpUrl: string, token: string, readings: Reading[]): Promise<void> {
  const r = await fetch(`${httpUrl}/api/v1/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ readings }),
  });
  if (r.status !== 202) throw new Error(`ingest answered ${r.status}: ${await r.text()}`);
}

describe.skipIf(!DISTRIBUTED)('a killed storage worker loses nothing (distributed)', () => {
  const SENSORS = 100;
  const PER_REQUEST = 10; // timestamps per sensor per request: 1,000 readings a request
  const REQUESTS = 20;
  const TOTAL = SENSORS * PER_REQUEST * REQUESTS; // 20,000
  let p: TestPlatform;
  let tenant: Awaited<ReturnType<typeof seedTenant>>;
  let redis: Redis;
  const workers: RoleProcess[] = [];

  beforeAll(async () => {
    p = await startTestPlatform('distributed', {
      roles: ['api', 'bridge'],
      overrides: { telemetryPartitions: 4, consumerLeaseMs: 1000, consumerClaimIdleMs: 1500 },
    });
    tenant = await seedTenant(p.db);
    redis = new Redis(process.env.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) await w.stop();
    await p?.destroy();
    if (redis && p) {
      const keys = await redis.keys(`${p.config.busPrefix}:*`);
      if (keys.length) await redis.del(...keys);
    }
    await redis?.quit().catch(() => redis.disconnect());
  }, 60_000);

  const startWorker = (suffix: string): RoleProcess => {
    const w = new RoleProcess(
      'storage',
      `${p.config.busPrefix}-${suffix}`,
      roleEnv(p, { CONSUMER_BATCH_SIZE: '50' }),
    );
    workers.push(w);
    return w;
  };

  const one = async (sql: string): Promise<number> =>
    Number((await p.db.query<{ n: number | string | null }>(sql)).rows[0]?.n ?? 0);
  const stored = () => one('select count(*)::int as n from readings');

  /** Entries delivered to `consumer` and not acknowledged, over every partition. */
  const pendingOf = async (consumer?: string): Promise<number> => {
    const keys = new BusKeys(p.config.busPrefix);
    let n = 0;
    for (let i = 0; i < p.config.telemetryPartitions; i++) {
      const [count, , , perConsumer] = (await redis.xpending(
        keys.partition(TELEMETRY_STREAM, i),
        STORAGE_GROUP,
      )) as [number, string | null, string | null, [string, string][] | null];
      n += consumer ? Number((perConsumer ?? []).find(([c]) => c === consumer)?.[1] ?? 0) : Number(count);
    }
    return n;
  };

  /** Request r: PER_REQUEST consecutive seconds of every sensor (one stream entry per sensor). */
  const base = Date.now() - 3 * 3_600_000;
  const request = (r: number): Reading[] =>
    Array.from({ length: SENSORS * PER_REQUEST }, (_, k) => {
      const s = k % SENSORS;
      const i = r * PER_REQUEST + Math.floor(k / SENSORS);
      return {
        location: `floor-${s % 5}`,
        asset: `ahu-${s}`,
        sensor: `ahu-${s}.s`,
        ts: base + i * 1000,
        values: { temp: 20 + ((s * 31 + i) % 97) / 10 },
      };
    });

  it('SIGKILL mid-stream, a second worker takes over: every reading stored once, roll-ups exact', async () => {
    const a = startWorker('storage-a');
    // Warm-up: the first request registers every sensor; it being stored shows worker A is consuming.
    await ingest(p.httpUrl, tenant.token, request(0));
    const warm = SENSORS * PER_REQUEST;
    await expect
      .poll(
        async () => {
          if (!a.running) throw new Error(`storage worker A exited:\n${a.output}`);
          return stored();
        },
        { timeout: 20_000, interval: 100 },
      )
      .toBe(warm);

    // The rest, while A stores; kill it (no drain, no ack, no release) once it is part-way through.
    let ingested = false;
    const sending = (async () => {
      for (let r = 1; r < REQUESTS; r++) await ingest(p.httpUrl, tenant.token, request(r));
      ingested = true;
    })();
    let atKill = 0;
    for (;;) {
      atKill = await stored();
      if (atKill >= warm + 2000) break;
      if (!a.running) throw new Error(`storage worker A exited:\n${a.output}`);
      await sleep(10);
    }
    await a.kill('SIGKILL');
    const afterKill = await stored();
    const pendingOfA = await pendingOf(`${a.instance}:storage`);
    await sending;
    expect(ingested).toBe(true);
    expect(a.child.signalCode).toBe('SIGKILL');
    // Killed mid-stream: some of the readings stored, not all.
    expect(afterKill).toBeGreaterThanOrEqual(atKill);
    expect(afterKill).toBeLessThan(TOTAL);

    const b = startWorker('storage-b');
    await expect
      .poll(
        async () => {
          if (!b.running) throw new Error(`storage worker B exited:\n${b.output}`);
          return stored();
        },
        { timeout: 25_000, interval: 200 },
      )
      .toBe(TOTAL);
    // Every entry acknowledged, A's unacknowledged ones included, and nothing dead-lettered.
    await expect.poll(() => pendingOf(), { timeout: 10_000, interval: 200 }).toBe(0);
    const dead = await redis.xlen(new BusKeys(p.config.busPrefix).partition(`${TELEMETRY_STREAM}.dead`, 0));

    const totals = {
      readings: await stored(),
      distinct: await one('select count(distinct (series_id, ts))::int as n from readings'),
      rollup1m: await one('select coalesce(sum(count), 0)::bigint as n from rollup_1m'),
      rollup1h: await one('select coalesce(sum(count), 0)::bigint as n from rollup_1h'),
      rollup1d: await one('select coalesce(sum(count), 0)::bigint as n from rollup_1d'),
      series: await one('select count(*)::int as n from series'),
      latest: await one('select count(*)::int as n from latest'),
      dead,
    };
    expect(totals, `killed at ${atKill} stored, ${pendingOfA} entries pending on A`).toEqual({
      readings: TOTAL,
      distinct: TOTAL,
      rollup1m: TOTAL,
      rollup1h: TOTAL,
      rollup1d: TOTAL,
      series: SENSORS,
      latest: SENSORS,
      dead: 0,
    });
    // The roll-ups also agree with the readings value by value (sum, min, max per minute).
    const mismatched = await one(
      `select count(*)::int as n from rollup_1m r full join (
         select series_id, ts - ts % 60000 as bucket, count(*) as c, sum(value) as s, min(value) as mn, max(value) as mx
         from readings group by 1, 2) x on x.series_id = r.series_id and x.bucket = r.bucket
       where r.count is distinct from x.c or abs(r.sum - x.s) > 1e-6 or r.min is distinct from x.mn or r.max is distinct from x.mx`,
    );
    expect(mismatched).toBe(0);
  }, 60_000);
});

describe('the embedded database keeps its data across a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'di-restart-'));
  const platforms: TestPlatform[] = [];
  afterAll(async () => {
    // destroy() after close() only removes each platform's own (unused) temp dir; ours goes last.
    for (const p of platforms) await p.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const latest = async (p: TestPlatform, token: string) => {
    const r = await fetch(`${p.httpUrl}/api/v1/latest?location=restart`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.status).toBe(200);
    return (
      (await r.json()) as { latest: { sensor: string; parameter: string; value: number; ts: number }[] }
    ).latest;
  };
  const count = async (p: TestPlatform, token: string, from: number, to: number) => {
    const r = await fetch(
      `${p.httpUrl}/api/v1/aggregate?location=restart&groupBy=location&from=${from}&to=${to}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    return ((await r.json()) as { groups: { count: number }[] }).groups[0]?.count ?? 0;
  };

  it('readings stored before a clean close are read back after a new start on the same DATA_DIR', async () => {
    const first = await startTestPlatform('embedded', { overrides: { dataDir } });
    platforms.push(first);
    const { token } = await seedTenant(first.db);
    const ts = Date.now() - 60_000;
    const readings: Reading[] = [];
    for (let s = 0; s < 3; s++)
      for (let i = 0; i < 50; i++)
        readings.push({
          location: 'restart',
          asset: 'pump-1',
          sensor: `p${s}`,
          ts: ts + i * 100,
          values: { pressure: s * 100 + i },
        });
    await ingest(first.httpUrl, token, readings);
    const expected = [0, 1, 2].map((s) => ({ sensor: `p${s}`, value: s * 100 + 49, ts: ts + 4900 }));
    const view = (l: Awaited<ReturnType<typeof latest>>) =>
      l
        .map((x) => ({ sensor: x.sensor, value: x.value, ts: x.ts }))
        .sort((x, y) => (x.sensor < y.sensor ? -1 : 1));
    await expect.poll(async () => view(await latest(first, token)), { timeout: 15_000 }).toEqual(expected);
    expect(await count(first, token, ts, ts + 5000)).toBe(150);
    await first.close();

    const second = await startTestPlatform('embedded', { overrides: { dataDir } });
    platforms.push(second);
    // Same token: API tokens are stored in the database too.
    expect(view(await latest(second, token))).toEqual(expected);
    expect(await count(second, token, ts, ts + 5000)).toBe(150);
  }, 60_000);
});
