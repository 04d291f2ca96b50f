/**
 * A connector process killed with SIGKILL mid-backfill loses nothing and duplicates nothing
 * (distributed: connector role in child processes, leases on Redis, position in PostgreSQL). The
 * position is committed only after a batch is in the telemetry stream, so the batch in flight at the
 * kill is read again by the process that takes over; the store's idempotent writes absorb it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLegacyTable,
  legacyMapping,
  legacyRows,
  unreachable,
  type LegacyDb,
  type LegacyEngine,
} from '../../src/connectors/testing/legacy-table.js';
import { createApiToken } from '../../src/iam/tenants.js';
import { seedTenant, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { RoleProcess, roleEnv } from '../support/role-process.js';

/** The parts of connector API answers these tests read. */
interface ConnectorAnswer {
  id: number;
  state: string;
  desired: string;
  stateMessage: string | null;
  lagMs: number | null;
  owner: string | null;
  position: unknown;
  backfill: { done: boolean; rowsDone: number; rowsEstimated: number | null; progress: number | null };
  days: { rowsRead: number }[];
}

const DISTRIBUTED = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL && process.env.MQTT_URL);
const ENGINES: LegacyEngine[] = ['mariadb', 'postgres'];
const WHY_NOT = Object.fromEntries(
  await Promise.all(
    ENGINES.map(
      async (e) =>
        [
          e,
          DISTRIBUTED
            ? await unreachable(e)
            : 'needs DATABASE_URL, REDIS_URL and MQTT_URL (distributed mode)',
        ] as const,
    ),
  ),
) as Record<LegacyEngine, string | undefined>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const METERS = 4;
const ROWS = 6000;

for (const engine of ENGINES) {
  const why = WHY_NOT[engine];
  describe.skipIf(Boolean(why))(
    `a killed connector process resumes without loss or duplicate (${engine})${why ? ` — skipped: ${why}` : ''}`,
    () => {
      let p: TestPlatform;
      let legacy: LegacyDb;
      let tenantId: number;
      let token: string;
      const procs: RoleProcess[] = [];

      beforeAll(async () => {
        p = await startTestPlatform('distributed', {
          roles: ['api', 'storage'],
          overrides: { connectorLeaseMs: 1000 },
        });
        const t = await seedTenant(p.db);
        tenantId = t.tenantId;
        token = await createApiToken(p.db, t.tenantId, 'admin', ['admin', 'read']);
        legacy = await createLegacyTable(engine, METERS);
        await legacy.insert(legacyRows('2026-02-01 00:00:00', ROWS, METERS, 10_000));
      }, 90_000);
      afterAll(async () => {
        for (const w of procs) await w.stop();
        await p?.destroy();
        await legacy?.drop();
      }, 60_000);

      const call = async (method: string, path: string, body?: unknown) => {
        const r = await fetch(`${p.httpUrl}/api/v1${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body ? { 'content-type': 'application/json' } : {}),
          },
          body: body ? JSON.stringify(body) : undefined,
        });
        return (await r.json()) as ConnectorAnswer;
      };
      const one = async (sql: string) =>
        Number((await p.db.query<{ n: number }>(sql, [tenantId])).rows[0]?.n ?? 0);
      const stored = () =>
        one(
          'select count(*)::int as n from readings r join series s on s.id = r.series_id where s.tenant_id = $1',
        );
      const start = (name: string) => {
        const w = new RoleProcess(
          'connector',
          `${p.config.busPrefix}-${name}`,
          roleEnv(p, { CONNECTOR_LEASE_MS: '1000' }),
        );
        procs.push(w);
        return w;
      };

      it('SIGKILL mid-backfill, a second process takes over: every reading stored once', async () => {
        const created = await call('POST', '/connectors', {
          name: 'crashy',
          source: legacy.source,
          incremental: { mode: 'id', idColumn: 'id' },
          mapping: legacyMapping(METERS),
          pollIntervalMs: 500,
          batchSize: 200,
          maxRowsPerSecond: 1500,
        });
        expect(created.id, JSON.stringify(created)).toBeGreaterThan(0);
        const id = created.id as number;
        await call('POST', `/connectors/${id}/start`);
        const a = start('conn-a');
        let doneAtKill = 0;
        for (const t0 = Date.now(); ;) {
          if (!a.running) throw new Error(`connector process A exited:\n${a.output}`);
          if (Date.now() - t0 > 40_000) throw new Error(`no progress:\n${a.output}`);
          doneAtKill = (await call('GET', `/connectors/${id}/status`)).backfill.rowsDone;
          if (doneAtKill >= 1000) break;
          await sleep(50);
        }
        await a.kill('SIGKILL');
        expect(a.child.signalCode).toBe('SIGKILL');
        const status = await call('GET', `/connectors/${id}/status`);
        expect(status.backfill.done).toBe(false);
        expect(status.backfill.rowsEstimated).toBe(ROWS);
        const storedAtKill = await stored();
        expect(storedAtKill).toBeLessThan(ROWS * (1 + METERS));

        const b = start('conn-b');
        await expect
          .poll(
            async () => {
              if (!b.running) throw new Error(`connector process B exited:\n${b.output}`);
              return (await call('GET', `/connectors/${id}/status`)).backfill.done;
            },
            { timeout: 40_000, interval: 250 },
          )
          .toBe(true);
        await expect.poll(stored, { timeout: 20_000, interval: 250 }).toBe(ROWS * (1 + METERS));
        const after = await call('GET', `/connectors/${id}/status`);
        expect(after.owner).toContain('conn-b');
        expect(after.position).toEqual({ lastId: String(ROWS) });
        // Every (series, ts) once, and the roll-ups agree: nothing was folded twice.
        expect(
          await one(
            'select count(distinct (r.series_id, r.ts))::int as n from readings r join series s on s.id = r.series_id where s.tenant_id = $1',
          ),
        ).toBe(ROWS * (1 + METERS));
        expect(
          await one(
            'select coalesce(sum(r.count), 0)::bigint as n from rollup_1m r join series s on s.id = r.series_id where s.tenant_id = $1',
          ),
        ).toBe(ROWS * (1 + METERS));
        // At-least-once from the source: rows read may exceed the table by the batch in flight at the kill.
        const recon = (await call('GET', `/connectors/${id}/reconciliation`)).days as { rowsRead: number }[];
        const read = recon.reduce((n, d) => n + d.rowsRead, 0);
        expect(read).toBeGreaterThanOrEqual(ROWS);
        expect(read).toBeLessThanOrEqual(ROWS + 200);
      }, 120_000);
    },
  );
}
