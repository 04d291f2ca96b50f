import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapIfEmpty, type InitialCredentials } from '../../src/iam/bootstrap.js';
import type { MemberRole } from '../../src/iam/roles.js';
import { createApiToken } from '../../src/iam/tenants.js';
import { ensureUser, setMembership, setPassword } from '../../src/iam/users.js';
import { createLogger } from '../../src/platform/logger.js';
import { MODES, seedTenant, startTestPlatform, type TestPlatform } from '../support/platform.js';

type Body = Record<string, unknown> & { code?: string };
type Tenant = Awaited<ReturnType<typeof seedTenant>> & { admin: string };

const PASSWORD = 'pass phrase 9 long';
const rule = (id: string) => ({
  id,
  name: `rule ${id}`,
  title: 'Supply temperature high on {{asset}}',
  priority: 'high',
  condition: { type: 'threshold', parameter: 'supply_temp', op: '>', value: 10 },
});

for (const mode of MODES) {
  describe(`sign-in, sessions and roles (${mode})`, () => {
    let p: TestPlatform;
    let a: Tenant;
    let b: Tenant;
    let first: InitialCredentials;
    const logLines: string[] = [];
    /** Every password and session token the tests used: none may reach the log. */
    const secrets = new Set<string>([PASSWORD]);

    const call = async (
      path: string,
      o: {
        method?: string;
        body?: unknown;
        session?: string;
        token?: string;
        headers?: Record<string, string>;
      } = {},
    ) => {
      const r = await fetch(`${p.httpUrl}/api/v1${path}`, {
        method: o.method ?? (o.body === undefined ? 'GET' : 'POST'),
        headers: {
          ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(o.session ? { cookie: `di_session=${o.session}`, 'x-requested-with': 'XMLHttpRequest' } : {}),
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
          ...o.headers,
        },
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
      });
      const text = await r.text();
      return { status: r.status, headers: r.headers, body: (text ? JSON.parse(text) : {}) as Body };
    };

    const login = async (email: string, password = PASSWORD, tenant?: string) => {
      secrets.add(password);
      const r = await call('/auth/login', { body: { email, password, ...(tenant ? { tenant } : {}) } });
      const cookie = r.headers.getSetCookie().find((c) => c.startsWith('di_session='));
      const session = cookie?.slice('di_session='.length).split(';')[0];
      if (session) secrets.add(session);
      return { ...r, cookie, session: session ?? '' };
    };

    const person = async (email: string, tenantId: number, role: MemberRole) => {
      const u = await ensureUser(p.db, { email });
      await setMembership(p.db, u.id, tenantId, role);
      await setPassword(p.db, { id: u.id, email }, PASSWORD);
      return u.id;
    };

    beforeAll(async () => {
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          logLines.push(chunk.toString());
          done();
        },
      });
      p = await startTestPlatform(mode, { logger: createLogger({ level: 'trace', destination: sink }) });
      // What the first start of an empty installation does (before any other tenant exists).
      first = (await bootstrapIfEmpty(p.db, undefined))!;
      secrets.add(first.admin.password!).add(first.apiToken);
      const seed = async (): Promise<Tenant> => {
        const t = await seedTenant(p.db);
        return { ...t, admin: await createApiToken(p.db, t.tenantId, 'admin', ['admin']) };
      };
      a = await seed();
      b = await seed();
      await person('admin@a.test', a.tenantId, 'admin');
      await person('viewer@a.test', a.tenantId, 'viewer');
      await person('operator@a.test', a.tenantId, 'operator');
      await person('guess@a.test', a.tenantId, 'viewer');
      await person('changer@a.test', a.tenantId, 'viewer');
      await person('admin@b.test', b.tenantId, 'admin');
      expect((await call('/rules', { token: b.admin, body: rule('b-secret') })).status).toBe(201);
    }, 60_000);
    afterAll(() => p?.destroy());

    it('login sets an HttpOnly, SameSite=Lax session cookie that /auth/me and every route accept', async () => {
      const r = await login('Admin@A.test');
      expect(r.status).toBe(200);
      expect(r.cookie).toMatch(/^di_session=dis_[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
      expect(r.body).toEqual({
        user: { id: expect.any(Number), email: 'admin@a.test', name: '', platformAdmin: false },
        tenant: a.tenant,
        role: 'admin',
        tenants: [{ tenant: a.tenant, role: 'admin' }],
      });
      expect((await call('/auth/me', { session: r.session })).body).toEqual(r.body);
      expect((await call('/rules', { session: r.session })).status).toBe(200);
      expect((await call('/rules', { session: r.session, body: rule('by-admin') })).status).toBe(201);
      // No cookie, no token.
      expect((await call('/auth/me')).status).toBe(401);
      expect((await call('/rules')).status).toBe(401);
    });

    it('a viewer reads series but may not create a rule; an operator may silence but not edit rules', async () => {
      const ts = Date.now() - 5000;
      const ingest = await call('/ingest', {
        token: a.token,
        body: { readings: [{ location: 'hq', asset: 'ahu-1', sensor: 's1', ts, values: { temp: 21.5 } }] },
      });
      expect(ingest.status).toBe(202);
      const viewer = await login('viewer@a.test');
      expect(viewer.body.role).toBe('viewer');
      await expect
        .poll(
          async () =>
            (
              (await call('/latest?location=hq', { session: viewer.session })).body.latest as {
                value: number;
              }[]
            )?.map((l) => l.value),
          { timeout: 15_000 },
        )
        .toEqual([21.5]);
      const seriesId = (
        (await call('/latest?location=hq', { session: viewer.session })).body.latest as { seriesId: number }[]
      )[0]!.seriesId;
      const series = await call(`/series?series=${seriesId}&from=now-1h`, { session: viewer.session });
      expect(series.status).toBe(200);
      expect(series.body.series).toHaveLength(1);
      const denied = await call('/rules', { session: viewer.session, body: rule('by-viewer') });
      expect(denied.status).toBe(403);
      expect(denied.body.code).toBe('DI_FORBIDDEN');
      const silence = { matcher: { locations: ['hq'] }, durationMs: 3_600_000 };
      expect((await call('/silences', { session: viewer.session, body: silence })).status).toBe(403);
      expect((await call('/ingest', { session: viewer.session, body: { readings: [] } })).status).toBe(403);

      const operator = await login('operator@a.test');
      expect((await call('/silences', { session: operator.session, body: silence })).status).toBe(201);
      expect((await call('/rules', { session: operator.session, body: rule('by-operator') })).status).toBe(
        403,
      );
    });

    it('cookie-authenticated writes need X-Requested-With or this origin (CSRF); tokens do not', async () => {
      const s = await login('operator@a.test');
      const silence = { matcher: { locations: ['csrf'] }, durationMs: 3_600_000 };
      const bare = { 'content-type': 'application/json', cookie: `di_session=${s.session}` };
      const post = (headers: Record<string, string>) =>
        fetch(`${p.httpUrl}/api/v1/silences`, { method: 'POST', headers, body: JSON.stringify(silence) });
      expect((await post(bare)).status).toBe(403);
      expect((await post({ ...bare, origin: 'https://evil.example' })).status).toBe(403);
      expect((await post({ ...bare, origin: new URL(p.config.publicUrl).origin })).status).toBe(201);
      expect((await call('/rules', { token: a.admin, body: rule('by-token') })).status).toBe(201);
      // Reads need neither.
      expect((await fetch(`${p.httpUrl}/api/v1/silences`, { headers: { cookie: bare.cookie } })).status).toBe(
        200,
      );
    });

    it('logout ends the session: the cookie stops working everywhere', async () => {
      const s = await login('viewer@a.test');
      expect((await call('/auth/me', { session: s.session })).status).toBe(200);
      const out = await call('/auth/logout', { method: 'POST', session: s.session });
      expect(out.status).toBe(204);
      expect(out.headers.getSetCookie()[0]).toMatch(/^di_session=; .*Max-Age=0/);
      expect((await call('/auth/me', { session: s.session })).status).toBe(401);
      expect((await call('/rules', { session: s.session })).status).toBe(401);
      expect((await call('/auth/logout', { method: 'POST' })).status).toBe(204);
    });

    it('a wrong password and an unknown e-mail get the same 401; the 6th failure in a row gets 429', async () => {
      const wrong = await login('guess@a.test', 'wrong password 1');
      const unknown = await login('nobody@a.test', 'wrong password 1');
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(unknown.body).toEqual(wrong.body);
      expect(wrong.cookie).toBeUndefined();
      for (let i = 2; i <= 5; i++)
        expect((await login('guess@a.test', `wrong password ${i}`)).status).toBe(401);
      const sixth = await login('guess@a.test', PASSWORD);
      expect(sixth.status).toBe(429);
      expect(sixth.body.code).toBe('DI_RATE_LIMITED');
      expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(800);
      expect(sixth.cookie).toBeUndefined();
      // Other people (and this one elsewhere) are not locked out.
      expect((await login('viewer@a.test')).status).toBe(200);
    });

    it("a user of tenant A cannot switch to tenant B nor read B's rules by id", async () => {
      const s = await login('admin@a.test');
      const sw = await call('/auth/tenant', { session: s.session, body: { tenant: b.tenant } });
      expect(sw.status).toBe(404);
      expect(
        (await call('/auth/tenant', { session: s.session, body: { tenant: 'no-such-tenant' } })).body,
      ).toEqual({
        ...sw.body,
        message: sw.body.message?.toString().replace(b.tenant, 'no-such-tenant'),
      });
      expect((await login('admin@a.test', PASSWORD, b.tenant)).status).toBe(404);
      expect((await call('/rules/b-secret', { session: s.session })).status).toBe(404);
      expect((await call('/rules/b-secret', { session: s.session, method: 'DELETE' })).status).toBe(404);
      const ids = ((await call('/rules', { session: s.session })).body.rules as { id: string }[]).map(
        (r) => r.id,
      );
      expect(ids).not.toContain('b-secret');
      expect((await call('/auth/me', { session: s.session })).body.tenant).toBe(a.tenant);
      // The admin of B sees it.
      const bAdmin = await login('admin@b.test');
      expect((await call('/rules/b-secret', { session: bAdmin.session })).status).toBe(200);
    });

    it('the first admin (created on first start) signs in and, as platform admin, acts in any tenant', async () => {
      expect(first.admin.email).toBe('admin@datainsight.local');
      expect(first.admin.password).toMatch(/^[A-Za-z0-9]{20}$/);
      const s = await login(first.admin.email, first.admin.password!);
      expect(s.status).toBe(200);
      expect(s.body).toMatchObject({ tenant: 'demo', role: 'admin', user: { platformAdmin: true } });
      expect((s.body.tenants as { tenant: string }[]).map((t) => t.tenant)).toEqual(
        expect.arrayContaining(['demo', a.tenant, b.tenant]),
      );
      const sw = await call('/auth/tenant', { session: s.session, body: { tenant: b.tenant } });
      expect(sw.status).toBe(200);
      expect(sw.body).toMatchObject({ tenant: b.tenant, role: 'admin' });
      expect((await call('/rules/b-secret', { session: s.session })).status).toBe(200);
      expect((await call('/rules', { session: s.session, body: rule('by-platform-admin') })).status).toBe(
        201,
      );
      expect((await call('/rules/by-platform-admin', { token: b.admin })).status).toBe(200);
      expect(await bootstrapIfEmpty(p.db, undefined)).toBeUndefined();
    });

    it('a password change needs the current one; the old one stops working, other sessions end', async () => {
      const other = await login('changer@a.test');
      expect((await call('/auth/me', { session: other.session })).status).toBe(200);
      const s = await login('changer@a.test');
      const NEW = 'a brand new passphrase';
      secrets.add(NEW);
      const change = (body: unknown) => call('/auth/password', { session: s.session, body });
      expect((await change({ current: 'not it at all', new: NEW })).status).toBe(403);
      expect((await change({ current: PASSWORD, new: 'short' })).body).toMatchObject({
        code: 'DI_VALIDATION',
        field: 'new',
      });
      expect((await change({ current: PASSWORD, new: 'changer@a.test' })).status).toBe(400);
      expect((await change({ current: PASSWORD, new: NEW })).status).toBe(204);
      expect((await login('changer@a.test', PASSWORD)).status).toBe(401);
      expect((await login('changer@a.test', NEW)).status).toBe(200);
      expect((await call('/auth/me', { session: s.session })).status).toBe(200);
      // The other session is deleted, and dropped from this process's cache at once.
      expect((await call('/auth/me', { session: other.session })).status).toBe(401);
    });

    it('no password, token or session cookie ever reaches the log', async () => {
      const joined = logLines.join('');
      expect(logLines.length).toBeGreaterThan(0);
      expect(secrets.size).toBeGreaterThan(5);
      for (const secret of secrets) expect(joined.includes(secret), 'a secret is in the log').toBe(false);
    });
  });
}
