import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ADAPTERS } from '../../test/support/db.js';
import type { Bus } from '../bus/port.js';
import type { Db } from '../db/port.js';
import { createTenant } from '../iam/tenants.js';
import type { Intake } from '../ingest/intake.js';
import type { Reading } from '../ingest/reading.js';
import { Metrics } from '../platform/metrics.js';
import { silentLogger } from '../platform/logger.js';
import type { Clock } from '../simulate/progress.js';
import type { SourceRow } from './mapping.js';
import { connectorMetrics } from './metrics.js';
import { ConnectorRepo } from './repo.js';
import { ConnectorRunner, type RunnerDeps } from './runner.js';
import type { Batch, ConnectorSource, Offset } from './source.js';
import { ConnectorSpecSchema, type ConnectorSpec } from './spec.js';

/** An in-memory table behind the source port, with switchable failures. */
class FakeSource implements ConnectorSource {
  failNext = 0;
  columnsNow = ['id', 'ts', 'meter', 'kw'];
  reads = 0;
  constructor(readonly rows: SourceRow[]) {}
  async test() {
    return 'fake';
  }
  async columns() {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('connection refused (password=s3cret)');
    }
    return this.columnsNow;
  }
  async remaining(o: Offset) {
    return this.rows.filter((r) => Number(r.id) > Number(o.lastId ?? 0)).length;
  }
  async next(o: Offset, limit: number): Promise<Batch> {
    this.reads++;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('connection refused (password=s3cret)');
    }
    const rows = this.rows.filter((r) => Number(r.id) > Number(o.lastId ?? 0)).slice(0, limit);
    return {
      rows,
      deadLetters: [],
      offset: rows.length ? { lastId: rows[rows.length - 1]!.id as number } : o,
      full: rows.length === limit,
    };
  }
  async close() {}
}

/** Time that only moves when the runner sleeps; every sleep is recorded. */
function fakeClock(): Clock & { sleeps: number[] } {
  let t = Date.parse('2026-01-10T12:00:00Z');
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    async sleep(ms, signal) {
      sleeps.push(ms);
      t += ms;
      await new Promise((r) => setTimeout(r, signal?.aborted ? 0 : 1));
    },
  };
}

const spec = (over: Record<string, unknown> = {}): ConnectorSpec =>
  ConnectorSpecSchema.parse({
    name: 'fake',
    source: { kind: 'postgres', host: 'h', database: 'd', user: 'u', table: 't' },
    incremental: { mode: 'id', idColumn: 'id' },
    mapping: {
      timestamp: { column: 'ts', zone: 'UTC' },
      location: { value: 'site' },
      asset: { column: 'meter' },
      sensor: { value: 'main' },
      readings: [{ column: 'kw', parameter: 'power', unit: 'W', targetUnit: 'kW' }],
    },
    pollIntervalMs: 1000,
    batchSize: 3,
    ...over,
  });

const table = (n: number): SourceRow[] =>
  Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    ts: 1_768_046_400_000 + i * 1000,
    meter: i === 4 ? 'bad meter' : 'm1',
    kw: i * 1000,
  }));

for (const adapter of DB_ADAPTERS) {
  describe(`connector runner (${adapter.name})`, () => {
    let db: Db & { drop(): Promise<void> };
    let repo: ConnectorRepo;
    let tenantId: number;
    let tenant: string;
    beforeAll(async () => {
      db = await adapter.open();
      repo = new ConnectorRepo(db);
      const t = await createTenant(db, 'runner-t');
      tenantId = t.id;
      tenant = t.slug;
    }, 60_000);
    afterAll(() => db?.drop());

    async function setup(
      name: string,
      source: FakeSource,
      over: Record<string, unknown> = {},
      intakeFails = 0,
      backpressure?: RunnerDeps['backpressure'],
    ) {
      const c = await repo.create(tenantId, { ...spec(over), name }, 's3cret', Date.now());
      await repo.setDesired(tenantId, c.id, 'running', Date.now());
      await repo.claim(c.id, 'me', Date.now());
      const appended: Reading[][] = [];
      let fails = intakeFails;
      const intake = {
        async accept(_t: string, d: { readings: Reading[] }) {
          if (fails-- > 0) throw new Error('bus down');
          appended.push(d.readings);
          return { accepted: d.readings.length, rejections: [] };
        },
      } as unknown as Intake;
      const clock = fakeClock();
      const runner = new ConnectorRunner(
        {
          db,
          repo,
          intake,
          logger: silentLogger(),
          metrics: connectorMetrics(new Metrics().registry),
          owner: 'me',
          filesRoot: '/nonexistent',
          clock,
          openSource: () => source,
          backpressure,
        },
        (await repo.byId(c.id))!,
      );
      return { id: c.id, runner, appended, clock };
    }

    it('backfills batch by batch, commits the position, dead-letters bad rows and then polls at the interval', async () => {
      const src = new FakeSource(table(8));
      const { id, runner, appended, clock } = await setup('backfill', src);
      void runner.start();
      await expect.poll(async () => (await repo.byId(id))!.backfillDone, { timeout: 5000 }).toBe(true);
      await runner.stop();
      const c = (await repo.byId(id))!;
      expect(c.position).toEqual({ lastId: 8 });
      expect(c.rowsDone).toBe(8);
      expect(c.rowsEstimated).toBe(8);
      expect(c.state).toBe('running');
      expect(appended.flat().map((r) => r.value)).toEqual([0, 1, 2, 3, 5, 6, 7]);
      expect(appended.flat()[0]).toMatchObject({
        tenant,
        location: 'site',
        asset: 'm1',
        parameter: 'power',
        ts: 1_768_046_400_000,
      });
      const dead = await repo.deadLetters(tenantId, id, 10);
      expect(dead).toMatchObject([{ key: 'id=5', field: 'meter' }]);
      expect(await repo.reconciliation(tenantId, id, 5)).toEqual([
        { day: '2026-01-10', rowsRead: 8, readingsWritten: 7, rejected: 1 },
      ]);
      // Caught up: it waits a polling interval between reads instead of spinning.
      expect(clock.sleeps.length).toBeGreaterThan(0);
      expect(clock.sleeps.every((s) => s === 1000)).toBe(true);
    });

    it('a source that is down is retried with growing backoff, shown degraded with the error (password scrubbed)', async () => {
      const src = new FakeSource(table(2));
      src.failNext = 5;
      const { id, runner, clock } = await setup('flaky', src);
      void runner.start();
      await expect.poll(async () => (await repo.byId(id))!.backfillDone, { timeout: 5000 }).toBe(true);
      await runner.stop();
      // Every failure waits longer than the one before (exponential, with jitter); never a tight loop.
      const backoffs = clock.sleeps.slice(0, clock.sleeps.indexOf(1000));
      expect(backoffs.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < backoffs.length; i++) expect(backoffs[i]!).toBeGreaterThan(backoffs[i - 1]! * 1.15);
      expect(backoffs[0]).toBeGreaterThanOrEqual(750);
      const c = (await repo.byId(id))!;
      expect(c.lastError).toBe('connection refused (password=***)');
      expect(c.state).toBe('running');
    });

    it('shows degraded while the source is failing', async () => {
      const src = new FakeSource(table(2));
      src.failNext = 1000;
      const { id, runner } = await setup('down', src);
      void runner.start();
      await expect.poll(async () => (await repo.byId(id))!.state, { timeout: 5000 }).toBe('degraded');
      await runner.stop();
      expect((await repo.byId(id))!.stateMessage).toMatch(/^retrying in \d+ s \(attempt \d+\)$/);
    });

    it('a failed append commits nothing: the batch is read again', async () => {
      const src = new FakeSource(table(3));
      const { id, runner, appended } = await setup('append-fails', src, { batchSize: 10 }, 1);
      void runner.start();
      await expect.poll(async () => (await repo.byId(id))!.backfillDone, { timeout: 5000 }).toBe(true);
      await runner.stop();
      expect(appended.flat().map((r) => r.value)).toEqual([0, 1, 2]);
      expect((await repo.byId(id))!.rowsDone).toBe(3);
    });

    it('while backfilling, no batch is read while the storage role is too far behind', async () => {
      let lag = 5000;
      const bus = { lag: async () => [{ partition: 0, undelivered: lag, pending: 0 }] } as unknown as Bus;
      const src = new FakeSource(table(3));
      const bp = { bus, stream: 'telemetry', group: 'storage', maxLagEntries: 100 };
      const { id, runner, clock } = await setup('backpressure', src, { batchSize: 10 }, 0, bp);
      void runner.start();
      await expect.poll(() => clock.sleeps.length, { timeout: 5000 }).toBeGreaterThan(3);
      expect(src.reads).toBe(0);
      expect((await repo.byId(id))!.stateMessage).toBe(
        'waiting for the storage role: 5000 stream entries not yet stored',
      );
      lag = 0;
      await expect.poll(async () => (await repo.byId(id))!.backfillDone, { timeout: 5000 }).toBe(true);
      await runner.stop();
      expect(src.reads).toBeGreaterThan(0);
    });

    it('a mapped column that disappears pauses the connector, naming it', async () => {
      const src = new FakeSource(table(3));
      src.columnsNow = ['id', 'ts', 'meter'];
      const { id, runner, appended } = await setup('drift', src);
      await runner.start();
      const c = (await repo.byId(id))!;
      expect(c).toMatchObject({ state: 'paused', desired: 'paused' });
      expect(c.stateMessage).toContain('"kw"');
      expect(appended).toEqual([]);
    });

    it('a runner that lost ownership commits nothing', async () => {
      const src = new FakeSource(table(3));
      const { id, runner, appended } = await setup('fenced', src);
      await repo.claim(id, 'someone-else', Date.now());
      await runner.start();
      expect((await repo.byId(id))!.position).toEqual({});
      expect(appended).toHaveLength(1); // appended once (at-least-once), never committed by the fenced runner
    });
  });
}
