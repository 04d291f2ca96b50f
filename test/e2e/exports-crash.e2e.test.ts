/**
 * An exporter killed with SIGKILL mid-export (distributed): its lease lapses, a second exporter
 * restarts the job, and exactly one complete file appears.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedReadings } from '../../src/exports/seed.js';
import { seedTenant, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { RoleProcess, roleEnv } from '../support/role-process.js';

const DISTRIBUTED = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL && process.env.MQTT_URL);
const ROWS = 300_000;

describe.skipIf(!DISTRIBUTED)(
  'a killed exporter still yields exactly one complete file (distributed)',
  () => {
    let p: TestPlatform;
    let tenant: Awaited<ReturnType<typeof seedTenant>>;
    let dir: string;
    const workers: RoleProcess[] = [];
    const from = Date.UTC(2026, 9, 1);

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'di-exports-crash-'));
      p = await startTestPlatform('distributed', {
        roles: ['api'],
        overrides: { exportDir: dir, exportLinkSecret: 'crash-test' },
      });
      tenant = await seedTenant(p.db);
      await seedReadings(p.db, {
        tenantId: tenant.tenantId,
        location: 'plant',
        asset: 'meter',
        sensors: 3,
        parameter: 'kw',
        from,
        stepMs: 1000,
        perSeries: ROWS / 3,
      });
    }, 120_000);

    afterAll(async () => {
      for (const w of workers) await w.stop();
      await p?.destroy();
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    const startExporter = (suffix: string): RoleProcess => {
      const w = new RoleProcess(
        'exporter',
        `${p.config.busPrefix}-${suffix}`,
        roleEnv(p, {
          EXPORT_DIR: dir,
          EXPORT_LINK_SECRET: 'crash-test',
          EXPORT_LEASE_MS: '1500',
          // Small batches: the export takes long enough to be killed in the middle.
          EXPORT_BATCH_ROWS: '500',
        }),
      );
      workers.push(w);
      return w;
    };
    const state = async (id: number) =>
      (
        await p.db.query<{ status: string; rows_done: number; lease_owner: string | null; attempts: number }>(
          'select status, rows_done, lease_owner, attempts from export_jobs where id = $1',
          [id],
        )
      ).rows[0]!;

    it('SIGKILL mid-export, a second exporter takes over: one file, every row, no leftovers', async () => {
      const a = startExporter('exporter-a');
      const r = await fetch(`${p.httpUrl}/api/v1/exports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ scope: { location: 'plant' }, from, to: from + ROWS * 1000, format: 'csv' }),
      });
      expect(r.status).toBe(202);
      const id = ((await r.json()) as { id: number }).id;
      await expect
        .poll(
          async () => {
            if (!a.running) throw new Error(`exporter A exited:\n${a.output}`);
            return (await state(id)).rows_done;
          },
          { timeout: 30_000, interval: 50 },
        )
        .toBeGreaterThan(20_000);
      expect(await state(id)).toMatchObject({ status: 'running', lease_owner: a.instance, attempts: 1 });
      await a.kill('SIGKILL');
      // The dead worker's partial file is there, not yet a finished one.
      expect(readdirSync(join(dir, String(tenant.tenantId))).filter((n) => n.startsWith(`${id}.`))).toEqual([
        expect.stringMatching(/\.part$/),
      ]);

      const b = startExporter('exporter-b');
      await expect
        .poll(
          async () => {
            if (!b.running) throw new Error(`exporter B exited:\n${b.output}`);
            return (await state(id)).status;
          },
          { timeout: 90_000, interval: 200 },
        )
        .toBe('succeeded');
      expect(await state(id)).toMatchObject({ rows_done: ROWS, attempts: 2 });
      const names = readdirSync(join(dir, String(tenant.tenantId))).filter((n) => n.startsWith(`${id}.`));
      expect(names).toEqual([`${id}.csv`]);
      const lines = readFileSync(join(dir, String(tenant.tenantId), `${id}.csv`), 'utf8')
        .trimEnd()
        .split('\n');
      expect(lines).toHaveLength(1 + ROWS);
      expect(new Set(lines).size).toBe(lines.length);

      const view = (await (
        await fetch(`${p.httpUrl}/api/v1/exports/${id}`, {
          headers: { authorization: `Bearer ${tenant.token}` },
        })
      ).json()) as { downloadPath: string };
      const file = await fetch(`${p.httpUrl}${view.downloadPath}`);
      expect(file.status).toBe(200);
      expect(Number(file.headers.get('content-length'))).toBe(
        readFileSync(join(dir, String(tenant.tenantId), `${id}.csv`)).length,
      );
      await file.arrayBuffer();
    }, 180_000);
  },
);
