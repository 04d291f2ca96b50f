/**
 * Legacy source connectors end to end (embedded platform), against the real PostgreSQL and MariaDB of
 * this machine (each test its own schema / database; skipped, saying why, when a server is not
 * reachable): a legacy table (wide rows, naive Berlin timestamps, Fahrenheit as text, bad rows) is
 * backfilled into the store with the right values and UTC times; rows added later arrive within a
 * polling interval; bad rows are dead letters with their keys; a dropped column pauses the connector.
 * Plus a CSV file source uploaded through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLegacyTable,
  legacyMapping,
  legacyRows,
  naive,
  unreachable,
  type LegacyDb,
  type LegacyEngine,
} from '../../src/connectors/testing/legacy-table.js';
import { createApiToken } from '../../src/iam/tenants.js';
import { seedTenant, startTestPlatform, type TestPlatform } from '../support/platform.js';

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

const ENGINES: LegacyEngine[] = ['postgres', 'mariadb'];
const WHY_NOT = Object.fromEntries(
  await Promise.all(ENGINES.map(async (e) => [e, await unreachable(e)] as const)),
) as Record<LegacyEngine, string | undefined>;
const POLL_MS = 1000;
const METERS = 4;

interface Stored {
  asset: string;
  parameter: string;
  ts: number;
  value: number;
}

async function storedReadings(p: TestPlatform, tenantId: number): Promise<Stored[]> {
  const r = await p.db.query<Stored>(
    `select a.slug as asset, se.parameter, r.ts, r.value from readings r join series se on se.id = r.series_id
     join sensors s on s.id = se.sensor_id join assets a on a.id = s.asset_id where se.tenant_id = $1 order by r.ts, se.parameter`,
    [tenantId],
  );
  return r.rows.map((x) => ({ ...x, ts: Number(x.ts), value: Number(x.value) }));
}

function client(p: TestPlatform, token: string) {
  return async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    type = 'application/json',
  ) => {
    const r = await fetch(`${p.httpUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': type }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : {}) as T };
  };
}

const berlinNow = () => naive(new Date(Date.now() + 3_600_000 * (isSummer() ? 2 : 1)));
function isSummer(): boolean {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Berlin', timeZoneName: 'short' }).format(
    new Date(),
  );
  return f.includes('GMT+2') || f.includes('CEST');
}

for (const engine of ENGINES) {
  const why = WHY_NOT[engine];
  describe.skipIf(Boolean(why))(
    `connector from ${engine} (embedded)${why ? ` — skipped: ${why}` : ''}`,
    () => {
      let p: TestPlatform;
      let legacy: LegacyDb;
      let tenantId: number;
      let api: ReturnType<typeof client>;
      let other: ReturnType<typeof client>;
      let id: number;
      // 60 rows (30 per meter, a minute apart) from 2026-01-10 00:00 Berlin (UTC+1), plus one before the backfill start.
      const rows = legacyRows('2026-01-10 00:00:00', 60, METERS);
      rows[7]!.meter = 'bad meter!'; // whole row rejected: not a valid asset name
      rows[12]!.tSupplyF = 'n/a'; // one value rejected, the four meters kept
      const early = { ...legacyRows('2025-12-01 00:00:00', 1, METERS)[0]!, meter: 'mt-1' };
      const expectedReadings = 58 * (1 + METERS) + METERS;

      const definition = (over: Record<string, unknown> = {}) => ({
        name: `legacy-${engine}`,
        source: legacy.source,
        incremental: { mode: 'timestamp+id', idColumn: 'id' },
        mapping: legacyMapping(METERS),
        backfillFrom: '2026-01-01T00:00:00Z',
        pollIntervalMs: POLL_MS,
        batchSize: 7,
        ...over,
      });

      const status = async () => (await api<ConnectorAnswer>('GET', `/connectors/${id}/status`)).body;

      beforeAll(async () => {
        p = await startTestPlatform('embedded', {
          roles: ['storage', 'connector', 'api'],
          overrides: { connectorLeaseMs: 1000 },
        });
        const t = await seedTenant(p.db);
        tenantId = t.tenantId;
        api = client(p, await createApiToken(p.db, t.tenantId, 'admin', ['admin', 'read']));
        const t2 = await seedTenant(p.db);
        other = client(p, await createApiToken(p.db, t2.tenantId, 'admin', ['admin', 'read']));
        legacy = await createLegacyTable(engine, METERS);
        await legacy.insert([early, ...rows]);
      }, 60_000);
      afterAll(async () => {
        await p?.destroy();
        await legacy?.drop();
      }, 60_000);

      it('tests the connection and dry-runs the mapping without writing anything', async () => {
        const test = await api('POST', '/connectors/test', definition());
        expect(test.status).toBe(200);
        expect(test.body).toMatchObject({ ok: true, description: expect.stringContaining('meter_log') });
        const dry = await api<{
          readings: Stored[];
          rejected: { key: string; field: string; reason: string }[];
        }>('POST', '/connectors/dry-run?limit=10', definition({ batchSize: 100 }));
        expect(dry.status).toBe(200);
        expect(dry.body.readings).toHaveLength(10);
        expect(dry.body.readings[0]).toMatchObject({
          asset: 'mt-1',
          parameter: 'supply_temp',
          ts: Date.parse('2026-01-09T23:00:00Z'),
          value: 5,
        });
        expect(dry.body.rejected.map((d) => d.field).sort()).toEqual(['meter', 't_supply_f']);
        expect(await storedReadings(p, tenantId)).toEqual([]);
        const bad = await api(
          'POST',
          '/connectors/test',
          definition({
            mapping: { ...legacyMapping(METERS), timestamp: { column: 'read_at', zone: 'Berlin' } },
          }),
        );
        expect(bad).toMatchObject({ status: 400, body: { field: 'mapping.timestamp.zone' } });
      });

      it('backfills from the given date: values in °C and kWh at their UTC instants, bad rows in the dead letters', async () => {
        const created = await api<{ id: number; state: string }>('POST', '/connectors', definition());
        expect(created.status).toBe(201);
        id = created.body.id;
        expect(created.body.state).toBe('stopped');
        expect((await other('GET', `/connectors/${id}`)).status).toBe(404);
        expect((await other('POST', `/connectors/${id}/start`)).status).toBe(404);
        expect((await api('POST', `/connectors/${id}/start`)).status).toBe(200);
        await expect
          .poll(async () => (await status()).backfill, { timeout: 30_000, interval: 200 })
          .toMatchObject({ done: true, rowsDone: 60, progress: 1 });
        await expect
          .poll(async () => (await storedReadings(p, tenantId)).length, { timeout: 15_000, interval: 200 })
          .toBe(expectedReadings);
        const stored = await storedReadings(p, tenantId);
        // Row 4: mt-1, 2026-01-10 00:02 Berlin = 2026-01-09 23:02 UTC; 45 °F; meter k reads 40 + k Wh.
        const at = Date.parse('2026-01-09T23:02:00Z');
        const row4 = stored.filter((s) => s.ts === at && s.asset === 'mt-1');
        expect(row4.map((s) => s.parameter)).toEqual([
          'energy_m1',
          'energy_m2',
          'energy_m3',
          'energy_m4',
          'supply_temp',
        ]);
        expect(row4.find((s) => s.parameter === 'supply_temp')!.value).toBeCloseTo((45 - 32) * (5 / 9), 9);
        expect(row4.find((s) => s.parameter === 'energy_m2')!.value).toBeCloseTo(0.041, 9);
        expect(stored.some((s) => s.ts < Date.parse('2026-01-01T00:00:00Z'))).toBe(false);
        expect((await status()).state).toBe('running');

        const dead = await api<{ deadLetters: { key: string; field: string; reason: string }[] }>(
          'GET',
          `/connectors/${id}/dead-letters`,
        );
        expect(dead.body.deadLetters.map((d) => [d.field, d.key.split(',')[1]]).sort()).toEqual([
          ['meter', 'id=9'],
          ['t_supply_f', 'id=14'],
        ]);
        expect(dead.body.deadLetters.find((d) => d.field === 'meter')!.reason).toContain(
          'asset "bad meter!"',
        );
        const recon = await api<{ days: { rowsRead: number; readingsWritten: number; rejected: number }[] }>(
          'GET',
          `/connectors/${id}/reconciliation`,
        );
        expect(recon.body.days).toHaveLength(1);
        expect(recon.body.days[0]).toMatchObject({
          rowsRead: 60,
          readingsWritten: expectedReadings,
          rejected: 2,
        });
      }, 60_000);

      it('rows added to the source arrive within one polling interval', async () => {
        const before = (await storedReadings(p, tenantId)).length;
        const fresh = legacyRows(berlinNow(), 2, METERS);
        const t0 = Date.now();
        await legacy.insert(fresh);
        await expect
          .poll(async () => (await storedReadings(p, tenantId)).length, { timeout: 10_000, interval: 50 })
          .toBe(before + 2 * (1 + METERS));
        const took = Date.now() - t0;
        // One polling interval, plus the storage role's batch on its way to the database.
        expect(took).toBeLessThan(POLL_MS + 1500);
        expect((await status()).lagMs).toBeLessThan(60_000);
      }, 30_000);

      it('a dropped mapped column pauses the connector with a message naming it', async () => {
        await legacy.exec('alter table {table} drop column m3');
        await expect
          .poll(async () => (await status()).state, { timeout: 15_000, interval: 200 })
          .toBe('paused');
        const s = await status();
        expect(s.desired).toBe('paused');
        expect(s.stateMessage).toContain('"m3"');
        expect(s.stateMessage).toContain('schema drift');
      }, 30_000);

      if (engine === 'postgres')
        it('a password is stored but never returned', async () => {
          const created = await api<{ id: number; spec: { source: { password: string } } }>(
            'POST',
            '/connectors',
            definition({ name: 'with-secret', source: { ...legacy.source, password: 'hunter2-secret' } }),
          );
          expect(created.status).toBe(201);
          expect(created.body.spec.source.password).toBe('********');
          const all = await api('GET', '/connectors');
          expect(JSON.stringify(all.body)).not.toContain('hunter2');
          // Updating with the mask keeps the stored password.
          const upd = await api(
            'PUT',
            `/connectors/${created.body.id}`,
            definition({ name: 'with-secret', source: { ...legacy.source, password: '********' } }),
          );
          expect(upd.status).toBe(200);
          const row = await p.db.query<{ secret: string }>('select secret from connectors where id = $1', [
            created.body.id,
          ]);
          expect(row.rows[0]?.secret).toBe('hunter2-secret');
        });
    },
  );
}

describe('connector from uploaded CSV files (embedded)', () => {
  let p: TestPlatform;
  let api: ReturnType<typeof client>;
  let reader: ReturnType<typeof client>;
  let tenantId: number;
  beforeAll(async () => {
    p = await startTestPlatform('embedded', {
      roles: ['storage', 'connector', 'api'],
      overrides: { connectorLeaseMs: 1000 },
    });
    const t = await seedTenant(p.db);
    tenantId = t.tenantId;
    api = client(p, await createApiToken(p.db, t.tenantId, 'admin', ['admin', 'read']));
    reader = client(p, t.token); // ingest + read
  }, 60_000);
  afterAll(() => p?.destroy(), 60_000);

  it('the read scope views connectors but may not create or start one', async () => {
    expect((await reader('GET', '/connectors')).status).toBe(200);
    const denied = await reader('POST', '/connectors', { name: 'x' });
    expect(denied).toMatchObject({ status: 403, body: { code: 'DI_FORBIDDEN' } });
    const invalid = await api('POST', '/connectors', { name: 'x', source: { kind: 'file', format: 'xml' } });
    expect(invalid).toMatchObject({ status: 400, body: { code: 'DI_VALIDATION', field: 'source.format' } });
  });

  it('uploaded files are read in order, line by line; a bad line is a dead letter with file and line', async () => {
    const created = await api<{ id: number }>('POST', '/connectors', {
      name: 'csv-drop',
      source: { kind: 'file', format: 'csv' },
      mapping: {
        timestamp: { column: 'time', zone: 'America/New_York' },
        location: { value: 'warehouse' },
        asset: { column: 'unit' },
        sensor: { value: 'probe' },
        readings: [
          { column: 'temp_f', parameter: 'temp', unit: 'F', targetUnit: 'C' },
          { column: 'power_w', parameter: 'power', unit: 'W', targetUnit: 'kW' },
        ],
      },
      pollIntervalMs: 200,
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const up1 = await api(
      'PUT',
      `/connectors/${id}/files/2026-01-01.csv`,
      'time,unit,temp_f,power_w\n2026-01-01 08:00:00,fr-1,32,1500\n"2026-01-01 08:01:00","fr-1",50,oops\n',
      'text/csv',
    );
    expect(up1.status).toBe(201);
    await api(
      'PUT',
      `/connectors/${id}/files/2026-01-02.csv`,
      'time,unit,temp_f,power_w\n2026-01-02 08:00:00,fr-2,212,2000\n',
      'text/csv',
    );
    expect((await api('POST', `/connectors/${id}/start`)).status).toBe(200);
    await expect
      .poll(async () => (await storedReadings(p, tenantId)).length, { timeout: 15_000, interval: 200 })
      .toBe(5);
    const stored = await storedReadings(p, tenantId);
    expect(stored[0]).toEqual({
      asset: 'fr-1',
      parameter: 'power',
      ts: Date.parse('2026-01-01T13:00:00Z'),
      value: 1.5,
    });
    expect(stored.find((s) => s.asset === 'fr-2' && s.parameter === 'temp')!.value).toBeCloseTo(100, 9);
    const dead = await api<{ deadLetters: { key: string; field: string }[] }>(
      'GET',
      `/connectors/${id}/dead-letters`,
    );
    expect(dead.body.deadLetters).toMatchObject([{ key: '_file=2026-01-01.csv,_line=2', field: 'power_w' }]);
    const st = await api<{ position: unknown; backfill: { done: boolean } }>(
      'GET',
      `/connectors/${id}/status`,
    );
    expect(st.body.position).toEqual({ file: '2026-01-02.csv', line: 1 });
  }, 30_000);
});
