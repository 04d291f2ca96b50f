import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExportCli } from '../../src/cli/export.js';
import { LinkSigner } from '../../src/exports/signing.js';
import { seedReadings } from '../../src/exports/seed.js';
import { ensureUser, setMembership, setPassword } from '../../src/iam/users.js';
import { HOUR, MINUTE } from '../../src/storage/tiers.js';
import { MODES, seedTenant, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { startSmtpServer, type TestSmtpServer } from '../support/providers/smtp.js';

const SECRET = 'e2e-export-link-secret';
const PASSWORD = 'pass phrase 9 long';

type Job = {
  id: number;
  status: string;
  rowsDone: number;
  rowsEstimated: number | null;
  progress: number | null;
  bytes: number | null;
  downloadPath: string | null;
  notified: string | null;
  expiresAt: number | null;
};

for (const mode of MODES) {
  describe(`exports end to end (${mode})`, () => {
    let p: TestPlatform;
    let smtp: TestSmtpServer;
    let a: Awaited<ReturnType<typeof seedTenant>>;
    let b: Awaited<ReturnType<typeof seedTenant>>;
    // Whole hours, inside raw retention: 10 h of one reading a minute for two sensors.
    const from = Math.floor((Date.now() - 12 * HOUR) / HOUR) * HOUR;
    const to = from + 10 * HOUR;

    const call = async (token: string, path: string, init: { method?: string; body?: unknown } = {}) => {
      const r = await fetch(`${p.httpUrl}/api/v1${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          authorization: `Bearer ${token}`,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const request = (token: string, body: Record<string, unknown>) => call(token, '/exports', { body });
    const job = async (token: string, id: number) =>
      (await call(token, `/exports/${id}`)).body as unknown as Job;
    const finished = async (token: string, id: number, timeout = 60_000): Promise<Job> => {
      await expect
        .poll(async () => (await job(token, id)).status, { timeout, interval: 100 })
        .toMatch(/succeeded|failed|cancelled/);
      return job(token, id);
    };
    const download = (path: string) => fetch(`${p.httpUrl}${path}`);

    beforeAll(async () => {
      smtp = await startSmtpServer();
      p = await startTestPlatform(mode, {
        overrides: {
          exportLinkSecret: SECRET,
          exportTenantConcurrency: 1,
          exportWorkers: 2,
          exportBatchRows: 2000,
          smtpUrl: smtp.url,
          smtpFrom: 'DataInsight <exports@datainsight.test>',
        },
      });
      a = await seedTenant(p.db);
      b = await seedTenant(p.db);
      const records = [];
      for (const sensor of ['t1', 't2'])
        for (let ts = from; ts < to; ts += MINUTE)
          records.push({
            location: 'hq',
            asset: 'ahu-1',
            sensor,
            ts,
            values: { temp: Math.round(Math.sin(ts / 3e6) * 1e4) / 100 },
          });
      const r = await fetch(`${p.httpUrl}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(records),
      });
      expect(r.status).toBeLessThan(300);
      // Wait until the storage role has written every reading (expect.poll is for tests only).
      for (let tries = 0; ; tries++) {
        const agg = await call(a.token, `/aggregate?location=hq&from=${from}&to=${to}&groupBy=location`);
        if ((agg.body.groups as { count: number }[])[0]?.count === 1200) break;
        if (tries > 300) throw new Error(`readings not stored: ${JSON.stringify(agg.body)}`);
        await new Promise((res) => setTimeout(res, 100));
      }
    }, 90_000);
    afterAll(async () => {
      await p?.destroy();
      await smtp?.close();
    });

    it("a raw export holds exactly the query API's rows for the same scope", async () => {
      const created = await request(a.token, {
        scope: { location: 'hq', parameter: ['temp'] },
        from,
        to,
        format: 'csv',
      });
      expect(created.status).toBe(202);
      const done = await finished(a.token, created.body.id as number);
      expect(done).toMatchObject({ status: 'succeeded', rowsDone: 1200, rowsEstimated: 1200, progress: 1 });
      const file = await download(done.downloadPath!);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toMatch(/^text\/csv/);
      const rows = (await file.text())
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','));
      const api = await call(
        a.token,
        `/series?location=hq&parameter=temp&from=${from}&to=${to}&points=20000`,
      );
      const series = api.body.series as { seriesId: number; tier: string; data: [number, number][] }[];
      expect(series.map((s) => s.tier)).toEqual(['raw', 'raw']);
      expect(rows.map((c) => [Number(c[0]), Number(c[6]), Number(c[8])])).toEqual(
        series.flatMap((s) => s.data.map(([ts, v]) => [s.seriesId, ts, v])),
      );
    });

    it("an hourly roll-up export (csv.gz) equals the query API's hourly buckets: avg, min and max", async () => {
      const created = await request(a.token, {
        scope: { sensor: ['hq/ahu-1/t1'] },
        from,
        to,
        resolution: '1h',
        format: 'csv.gz',
      });
      const done = await finished(a.token, created.body.id as number);
      expect(done.status).toBe('succeeded');
      const file = await download(done.downloadPath!);
      const rows = gunzipSync(Buffer.from(await file.arrayBuffer()))
        .toString()
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','));
      expect(rows).toHaveLength(10);
      const api = await call(a.token, `/series?sensor=hq/ahu-1/t1&from=${from}&to=${to}&points=10`);
      const [s] = api.body.series as {
        tier: string;
        data: [number, number][];
        band: [number, number, number][];
      }[];
      expect(s!.tier).toBe('1h');
      // ts, avg, min, max
      expect(rows.map((c) => [Number(c[6]), Number(c[10]), Number(c[8]), Number(c[9])])).toEqual(
        s!.data.map(([ts, avg], i) => [ts, avg, s!.band[i]![1], s!.band[i]![2]]),
      );
    });

    it("a second tenant's small export finishes while the first tenant's large ones run, and cancel stops one", async () => {
      await seedReadings(p.db, {
        tenantId: a.tenantId,
        location: 'big',
        asset: 'meter',
        sensors: 2,
        parameter: 'kw',
        from: from - 40 * 86_400_000,
        stepMs: 5_000,
        perSeries: 200_000,
      });
      const big = { scope: { location: 'big' }, from: from - 41 * 86_400_000, to, format: 'jsonl' };
      const big1 = (await request(a.token, big)).body.id as number;
      const big2 = (await request(a.token, big)).body.id as number;
      await expect
        .poll(async () => (await job(a.token, big1)).status, { timeout: 10_000, interval: 50 })
        .toBe('running');
      const small = (await request(b.token, { scope: { location: 'nowhere' }, from, to })).body;
      expect(small).toMatchObject({ code: 'DI_VALIDATION', field: 'scope' });
      // Tenant b has data of its own only now.
      await seedReadings(p.db, {
        tenantId: b.tenantId,
        location: 'hq',
        asset: 'x',
        sensors: 1,
        parameter: 'temp',
        from,
        stepMs: MINUTE,
        perSeries: 50,
      });
      const smallId = (await request(b.token, { scope: { location: 'hq' }, from, to })).body.id as number;
      const smallDone = await finished(b.token, smallId, 30_000);
      expect(smallDone).toMatchObject({ status: 'succeeded', rowsDone: 50 });
      const [j1, j2] = [await job(a.token, big1), await job(a.token, big2)];
      expect(j1.status).toBe('running');
      // Tenant a may run one export at a time: its second waits although a worker is free.
      expect(j2.status).toBe('queued');
      expect(j1.rowsEstimated).toBe(400_000);
      await expect
        .poll(async () => (await job(a.token, big1)).rowsDone, { timeout: 10_000 })
        .toBeGreaterThan(0);

      const cancelled = await call(a.token, `/exports/${big1}`, { method: 'DELETE' });
      expect(cancelled.body).toMatchObject({ status: 'cancelled' });
      // The worker lets go within a moment and the next job of the tenant starts.
      await expect
        .poll(async () => (await job(a.token, big2)).status, { timeout: 5_000, interval: 50 })
        .not.toBe('queued');
      expect((await call(a.token, `/exports/${big2}/cancel`, { method: 'POST' })).body).toMatchObject({
        status: 'cancelled',
      });
      expect((await call(a.token, `/exports/${big2}/cancel`, { method: 'POST' })).body).toMatchObject({
        code: 'DI_CONFLICT',
      });
    }, 120_000);

    it("links are refused for another tenant's export, when altered, and when expired; ids of another tenant are 404", async () => {
      const id = (await request(a.token, { scope: { sensor: ['hq/ahu-1/t2'] }, from, to })).body.id as number;
      const done = await finished(a.token, id);
      expect((await download(done.downloadPath!)).status).toBe(200);
      const signer = LinkSigner.fromSecret(SECRET);
      const other = (await call(b.token, '/exports')).body.exports as Job[];
      const bJob = other.find((j) => j.status === 'succeeded')!;
      // b's own valid link, with a's job id put in: the signature no longer matches.
      const swapped = bJob.downloadPath!.replace(`/exports/${bJob.id}/`, `/exports/${id}/`);
      const r1 = await download(swapped);
      expect(r1.status).toBe(403);
      expect(await r1.json()).toMatchObject({ code: 'DI_LINK_INVALID', field: 'sig' });
      // A correctly signed link naming tenant b for a's job: not b's, so not found.
      expect((await download(signer.path(id, b.tenantId, Date.now() + 60_000))).status).toBe(404);
      const expired = await download(signer.path(id, a.tenantId, Date.now() - 1));
      expect(expired.status).toBe(410);
      expect(await expired.json()).toMatchObject({ code: 'DI_LINK_EXPIRED' });
      expect(
        (await download(done.downloadPath!.replace(/expires=\d+/, `expires=${done.expiresAt! + 1}`))).status,
      ).toBe(403);
      expect((await download(`/api/v1/exports/${id}/download`)).status).toBe(403);
      expect((await call(b.token, `/exports/${id}`)).status).toBe(404);
      expect((await call(b.token, `/exports/${id}`, { method: 'DELETE' })).status).toBe(404);
      expect(((await call(b.token, '/exports')).body.exports as Job[]).map((j) => j.id)).not.toContain(id);
    });

    it('the CLI creates the export, shows its progress and downloads the file', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'di-export-cli-'));
      const out = join(dir, 'ahu.jsonl');
      const lines: string[] = [];
      try {
        const j = await runExportCli(
          {
            url: p.httpUrl,
            token: a.token,
            series: [],
            sensor: ['hq/ahu-1/t1', 'hq/ahu-1/t2'],
            parameter: [],
            from: String(from),
            to: String(to),
            resolution: '1m',
            format: 'jsonl',
            out,
            pollMs: 50,
          },
          { write: (s: string) => lines.push(s) },
        );
        expect(j.status).toBe('succeeded');
        expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(1200);
        expect(lines.join('')).toContain('100.0%  1,200 / 1,200 rows  succeeded');
        expect(lines.at(-1)).toBe(
          `${readFileSync(out).length.toLocaleString('en-US')} bytes written to ${out}\n`,
        );
        await expect(
          runExportCli(
            {
              url: p.httpUrl,
              token: a.token,
              series: [],
              sensor: [],
              parameter: [],
              from: String(from),
              to: String(to),
              resolution: 'raw',
              format: 'csv',
              out,
              pollMs: 50,
            },
            { write: () => true },
          ),
        ).rejects.toThrow(/HTTP 400 DI_VALIDATION.*\(scope\)/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('bad requests are refused with the field named', async () => {
      const base = { scope: { location: 'hq' }, from, to };
      const cases: [Record<string, unknown>, string][] = [
        [{ from, to }, 'scope'],
        [{ ...base, scope: {} }, 'scope'],
        [{ ...base, format: 'xls' }, 'format'],
        [{ ...base, resolution: '5m' }, 'resolution'],
        [{ ...base, from: to, to: from }, 'from'],
        [{ ...base, to: 'tomorrow' }, 'to'],
        [{ ...base, scope: { sensor: ['just-a-sensor'] } }, 'scope.sensor[0]'],
        [{ ...base, scope: { series: [-1] } }, 'scope.series[0]'],
        [{ ...base, extra: 1 }, 'body'],
      ];
      for (const [body, field] of cases) {
        const r = await request(a.token, body);
        expect(r.status, JSON.stringify(body)).toBe(400);
        expect(r.body.field, JSON.stringify(r.body)).toBe(field);
        if (field === 'body') expect(r.body.message).toContain('extra');
      }
      expect((await call(a.token, '/exports/abc')).status).toBe(400);
    });

    it('the requester gets an e-mail with the link when the export is ready', async () => {
      const user = await ensureUser(p.db, { email: 'fm@a.test' });
      await setPassword(p.db, { id: user.id, email: 'fm@a.test' }, PASSWORD);
      await setMembership(p.db, user.id, a.tenantId, 'viewer');
      await p.db.query(
        `insert into contact_points (tenant_id, user_id, kind, address, verified) values ($1, $2, 'email', $3, true)`,
        [a.tenantId, user.id, JSON.stringify({ kind: 'email', email: 'fm@a.test' })],
      );
      const login = await fetch(`${p.httpUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'fm@a.test', password: PASSWORD, tenant: a.tenant }),
      });
      expect(login.status).toBe(200);
      const cookie = login.headers
        .getSetCookie()
        .find((c) => c.startsWith('di_session='))!
        .split(';')[0]!;
      const before = smtp.messages.length;
      const r = await fetch(`${p.httpUrl}/api/v1/exports`, {
        method: 'POST',
        headers: { cookie, 'x-requested-with': 'XMLHttpRequest', 'content-type': 'application/json' },
        body: JSON.stringify({ scope: { sensor: ['hq/ahu-1/t1'] }, from, to, resolution: '1m' }),
      });
      expect(r.status).toBe(202);
      const id = ((await r.json()) as { id: number }).id;
      const mail = await smtp.message(before, 30_000);
      expect(mail.envelope.rcptTo).toEqual(['fm@a.test']);
      expect(mail.parsed.subject).toBe(`Your export #${id} is ready`);
      const link = /https?:\/\/\S+\/api\/v1\/exports\/\d+\/download\?\S+/.exec(mail.parsed.text ?? '')![0];
      const path = new URL(link).pathname + new URL(link).search;
      const file = await download(path);
      expect(file.status).toBe(200);
      expect((await file.text()).trimEnd().split('\n')).toHaveLength(1 + 600);
      await expect.poll(async () => (await job(a.token, id)).notified).toBe('sent to fm@a.test');
    });
  });
}
