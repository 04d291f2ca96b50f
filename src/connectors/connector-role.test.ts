import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ADAPTERS } from '../../test/support/db.js';
import { MemoryCoordinator } from '../bus/coordinator.js';
import type { Db } from '../db/port.js';
import { createTenant } from '../iam/tenants.js';
import type { Intake } from '../ingest/intake.js';
import { Metrics } from '../platform/metrics.js';
import { silentLogger } from '../platform/logger.js';
import { ConnectorSupervisor } from './connector-role.js';
import { connectorMetrics } from './metrics.js';
import { ConnectorRepo } from './repo.js';
import type { RunnerDeps } from './runner.js';
import type { ConnectorSource } from './source.js';
import { ConnectorSpecSchema } from './spec.js';

/** A source with no rows: runners just poll, so the test is about ownership only. */
const idle: ConnectorSource = {
  test: async () => 'idle',
  columns: async () => ['id', 'ts', 'meter', 'kw'],
  remaining: async () => 0,
  next: async (o) => ({ rows: [], deadLetters: [], offset: o, full: false }),
  close: async () => undefined,
};

const spec = (name: string) =>
  ConnectorSpecSchema.parse({
    name,
    source: { kind: 'postgres', host: 'h', database: 'd', user: 'u', table: 't' },
    incremental: { mode: 'id', idColumn: 'id' },
    mapping: {
      timestamp: { column: 'ts' },
      location: { value: 'site' },
      asset: { column: 'meter' },
      sensor: { value: 'main' },
      readings: [{ column: 'kw', parameter: 'power' }],
    },
    pollIntervalMs: 100,
  });

for (const adapter of DB_ADAPTERS) {
  describe(`connector ownership (${adapter.name})`, () => {
    let db: Db & { drop(): Promise<void> };
    let repo: ConnectorRepo;
    let now = 1_000_000;
    const coordinator = new MemoryCoordinator(() => now);
    const LEASE = 1000;
    beforeAll(async () => {
      db = await adapter.open();
      repo = new ConnectorRepo(db);
    }, 60_000);
    afterAll(() => db?.drop());

    const supervisor = (owner: string) => {
      const deps: RunnerDeps = {
        db,
        repo,
        intake: { accept: async () => ({ accepted: 0, rejections: [] }) } as unknown as Intake,
        logger: silentLogger(),
        metrics: connectorMetrics(new Metrics().registry),
        owner,
        filesRoot: '/nonexistent',
        openSource: () => idle,
      };
      return new ConnectorSupervisor({ coordinator, logger: silentLogger() }, deps, LEASE);
    };
    const owners = async (ids: number[]) => Promise.all(ids.map(async (id) => (await repo.byId(id))!.owner));

    it('each running connector has one owner; a joining member gets its share; a dead member is taken over', async () => {
      const t = await createTenant(db, 'own-t');
      const ids: number[] = [];
      for (const n of ['c1', 'c2']) {
        const c = await repo.create(t.id, spec(n), undefined, now);
        await repo.setDesired(t.id, c.id, 'running', now);
        ids.push(c.id);
      }
      const a = supervisor('a');
      const b = supervisor('b');
      await a.tick();
      expect(a.owned.sort()).toEqual(ids);
      expect(await owners(ids)).toEqual(['a', 'a']);

      await b.tick(); // joins: nothing free yet
      expect(b.owned).toEqual([]);
      await a.tick(); // sees two members: hands one back
      expect(a.owned, JSON.stringify(await repo.list(t.id))).toHaveLength(1);
      await b.tick();
      expect(b.owned).toHaveLength(1);
      expect((await owners(ids)).sort()).toEqual(['a', 'b']);

      // a dies: no more heartbeats or renewals. Once its lease lapses, b takes its connector.
      const aHad = a.owned[0]!;
      now += LEASE + 1;
      await b.tick();
      expect(b.owned.sort()).toEqual(ids);
      expect((await repo.byId(aHad))!.owner).toBe('b');

      // A paused connector is handed back.
      await repo.setDesired(t.id, aHad, 'paused', now);
      await b.tick();
      expect(b.owned).toEqual(ids.filter((id) => id !== aHad));
      expect((await repo.byId(aHad))!.owner).toBeNull();
      await a.close();
      await b.close();
      expect(await owners(ids)).toEqual([null, null]);
    });
  });
}
