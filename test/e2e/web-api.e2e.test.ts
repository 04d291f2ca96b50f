/**
 * The API the web app stands on, end to end on a real platform: dashboards (own, shared, edited by the
 * right people, isolated per tenant), self-service notification preferences (/users/me), and the live
 * stream (SSE): a value published over MQTT reaches the open stream, alert changes nudge it, another
 * tenant's ids and data never reach it, and signing out ends it.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putRule } from '../support/alerts.js';
import type { MemberRole } from '../../src/iam/roles.js';
import { createApiToken } from '../../src/iam/tenants.js';
import { ensureUser, setMembership, setPassword } from '../../src/iam/users.js';
import { MODES, seedTenant, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { openSse } from '../support/sse.js';

type Body = Record<string, unknown> & { code?: string; field?: string; message?: string };
const PASSWORD = 'pass phrase 9 long';

for (const mode of MODES) {
  describe(`web app API: dashboards, my notifications, live stream (${mode})`, () => {
    let p: TestPlatform;
    let a: Awaited<ReturnType<typeof seedTenant>> & { admin: string };
    let b: Awaited<ReturnType<typeof seedTenant>>;
    const sessions: Record<string, string> = {};
    const ids: Record<string, number> = {};
    let aSeries: number;
    let bSeries: number;

    const call = async (
      path: string,
      o: { method?: string; body?: unknown; as?: string; token?: string } = {},
    ) => {
      const r = await fetch(`${p.httpUrl}/api/v1${path}`, {
        method: o.method ?? (o.body === undefined ? 'GET' : 'POST'),
        headers: {
          ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(o.as ? { cookie: `di_session=${sessions[o.as]}`, 'x-requested-with': 'datainsight-web' } : {}),
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        },
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
      });
      const text = await r.text();
      return { status: r.status, body: (text ? JSON.parse(text) : {}) as Body };
    };

    const person = async (who: string, tenantId: number, role: MemberRole) => {
      const email = `${who}@web.test`;
      const u = await ensureUser(p.db, { email });
      await setMembership(p.db, u.id, tenantId, role);
      await setPassword(p.db, { id: u.id, email }, PASSWORD);
      ids[who] = u.id;
      const r = await fetch(`${p.httpUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      expect(r.status).toBe(200);
      sessions[who] = r.headers.getSetCookie()[0]!.split(';')[0]!.slice('di_session='.length);
    };

    const seriesOf = async (token: string, location: string) => {
      for (let waited = 0; waited < 15_000; waited += 100) {
        const latest = (await call(`/latest?location=${location}`, { token })).body.latest as {
          seriesId: number;
        }[];
        if (latest?.length) return latest[0]!.seriesId;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no series in ${location} after 15 s`);
    };

    beforeAll(async () => {
      p = await startTestPlatform(mode, { overrides: { liveHeartbeatMs: 300 } });
      const ta = await seedTenant(p.db);
      a = { ...ta, admin: await createApiToken(p.db, ta.tenantId, 'admin', ['admin']) };
      b = await seedTenant(p.db);
      await person('owner', a.tenantId, 'viewer');
      await person('colleague', a.tenantId, 'viewer');
      await person('boss', a.tenantId, 'admin');
      await person('stranger', b.tenantId, 'admin');
      const ts = Date.now() - 60_000;
      const reading = (t: string) => ({
        readings: [{ location: 'hq', asset: 'chiller-1', sensor: 'main', ts, values: { supply_temp: 6 } }],
        tenant: t,
      });
      expect(
        (await call('/ingest', { token: a.token, body: { readings: reading(a.tenant).readings } })).status,
      ).toBe(202);
      expect(
        (await call('/ingest', { token: b.token, body: { readings: reading(b.tenant).readings } })).status,
      ).toBe(202);
      aSeries = await seriesOf(a.token, 'hq');
      bSeries = await seriesOf(b.token, 'hq');
    }, 60_000);
    afterAll(() => p?.destroy());

    describe('dashboards', () => {
      const widgets = () => [
        { id: 'w1', kind: 'line', title: 'Supply', series: [aSeries], range: '24h', w: 8, h: 2 },
        { id: 'w2', kind: 'gauge', series: [aSeries], min: 0, max: 20 },
        { id: 'w3', kind: 'alerts', priority: ['critical', 'high'] },
      ];

      it('a person saves a dashboard; it stays private until shared, then colleagues see it read-only', async () => {
        const made = await call('/dashboards', {
          as: 'owner',
          body: { title: 'Plant room', widgets: widgets() },
        });
        expect(made.status).toBe(201);
        expect(made.body).toMatchObject({
          title: 'Plant room',
          shared: false,
          mine: true,
          canEdit: true,
          version: 1,
        });
        expect((made.body.widgets as { id: string; w: number }[]).map((w) => [w.id, w.w])).toEqual([
          ['w1', 8],
          ['w2', 6],
          ['w3', 6],
        ]);
        const id = made.body.id as number;
        expect((await call(`/dashboards/${id}`, { as: 'colleague' })).status).toBe(404);
        expect(((await call('/dashboards', { as: 'colleague' })).body.dashboards as unknown[]).length).toBe(
          0,
        );

        // Reorder, resize, remove a widget and share: one PUT of the whole arrangement.
        const [w1, w2] = widgets();
        const shared = await call(`/dashboards/${id}`, {
          method: 'PUT',
          as: 'owner',
          body: { title: 'Plant room', shared: true, version: 1, widgets: [{ ...w2, w: 4 }, w1] },
        });
        expect(shared.status).toBe(200);
        expect(shared.body).toMatchObject({ shared: true, version: 2 });
        expect((shared.body.widgets as { id: string; w: number }[]).map((w) => [w.id, w.w])).toEqual([
          ['w2', 4],
          ['w1', 8],
        ]);
        const seen = await call(`/dashboards/${id}`, { as: 'colleague' });
        expect(seen.body).toMatchObject({
          title: 'Plant room',
          mine: false,
          canEdit: false,
          owner: 'owner@web.test',
        });
        const edit = await call(`/dashboards/${id}`, {
          method: 'PUT',
          as: 'colleague',
          body: { title: 'Mine now', shared: true, version: 2, widgets: [] },
        });
        expect(edit.status).toBe(403);
        expect((await call(`/dashboards/${id}`, { method: 'DELETE', as: 'colleague' })).status).toBe(403);
        // The tenant's admin may change a shared one.
        const byBoss = await call(`/dashboards/${id}`, {
          method: 'PUT',
          as: 'boss',
          body: { title: 'Plant room (checked)', shared: true, version: 2, widgets: [w1] },
        });
        expect(byBoss.status).toBe(200);
        // The owner's stale tab is told, not silently overwritten.
        const stale = await call(`/dashboards/${id}`, {
          method: 'PUT',
          as: 'owner',
          body: { title: 'Old title', shared: true, version: 2, widgets: [] },
        });
        expect(stale.status).toBe(409);
        expect(stale.body.field).toBe('version');
        expect((await call(`/dashboards/${id}`, { as: 'owner' })).body.title).toBe('Plant room (checked)');
      });

      it("bad widgets get errors naming the widget and field; no widget may show another tenant's series", async () => {
        const bad = await call('/dashboards', {
          as: 'owner',
          body: { title: 'x', widgets: [{ id: 'g', kind: 'gauge', series: [aSeries], min: 10, max: 5 }] },
        });
        expect(bad.status).toBe(400);
        expect(bad.body.field).toBe('widgets[0].max');
        const unknownKind = await call('/dashboards', {
          as: 'owner',
          body: { title: 'x', widgets: [{ id: 'k', kind: 'pie' }] },
        });
        expect(unknownKind.status).toBe(400);
        expect(unknownKind.body.field).toMatch(/^widgets\[0\]/);
        const foreign = await call('/dashboards', {
          as: 'owner',
          body: { title: 'x', widgets: [{ id: 'l', kind: 'line', series: [aSeries, bSeries] }] },
        });
        expect(foreign.status).toBe(400);
        expect(foreign.body.field).toBe('widgets[0].series[1]');
        expect(foreign.body.message).toContain(`no series ${bSeries} in this tenant`);
      });

      it("another tenant's dashboard is a 404 for every method, even for its admin", async () => {
        const theirs = await call('/dashboards', { as: 'stranger', body: { title: 'B only', shared: true } });
        expect(theirs.status).toBe(201);
        const id = theirs.body.id as number;
        expect((await call(`/dashboards/${id}`, { as: 'boss' })).status).toBe(404);
        expect(
          (
            await call(`/dashboards/${id}`, {
              method: 'PUT',
              as: 'boss',
              body: { title: 'x', version: 1, widgets: [] },
            })
          ).status,
        ).toBe(404);
        expect((await call(`/dashboards/${id}`, { method: 'DELETE', as: 'boss' })).status).toBe(404);
        expect((await call(`/dashboards/${id}`, { token: a.admin })).status).toBe(404);
        expect(
          ((await call('/dashboards', { as: 'boss' })).body.dashboards as { id: number }[]).map((d) => d.id),
        ).not.toContain(id);
      });
    });

    describe('my notifications (/users/me)', () => {
      it("a viewer manages their own contact points and subscriptions, but not anyone else's", async () => {
        const cp = await call('/users/me/contact-points', {
          as: 'colleague',
          body: { kind: 'email', address: { email: 'colleague@web.test' }, label: 'work' },
        });
        expect(cp.status).toBe(201);
        const sub = await call('/users/me/subscriptions', {
          as: 'colleague',
          body: { minPriority: 'high', channels: { critical: [cp.body.id], high: [cp.body.id] } },
        });
        expect(sub.status).toBe(201);
        const mine = await call('/users/me/subscriptions', { as: 'colleague' });
        expect(mine.body.subscriptions).toEqual([
          expect.objectContaining({ id: sub.body.id, minPriority: 'high' }),
        ]);
        expect(
          (
            await call('/users/me', {
              method: 'PATCH',
              as: 'colleague',
              body: { timezone: 'Europe/Berlin', quietHours: { start: '22:00', end: '06:00' } },
            })
          ).status,
        ).toBe(200);
        const me = (
          (await call('/users', { as: 'colleague' })).body.users as { id: number; timezone: string }[]
        ).find((u) => u.id === ids.colleague);
        expect(me?.timezone).toBe('Europe/Berlin');

        // Someone else's: not for a viewer, fine for the admin.
        expect((await call(`/users/${ids.colleague}/contact-points`, { as: 'owner' })).status).toBe(403);
        expect(
          (
            await call(`/users/${ids.colleague}/contact-points`, {
              as: 'owner',
              body: { kind: 'sms', address: { phone: '+4915112345678' } },
            })
          ).status,
        ).toBe(403);
        expect((await call(`/users/${ids.colleague}/contact-points`, { as: 'boss' })).status).toBe(200);
        // Another tenant's person, even for an admin: 404.
        expect((await call(`/users/${ids.stranger}/contact-points`, { as: 'boss' })).status).toBe(404);
        // "me" is a person: an API token has none.
        const token = await call('/users/me/contact-points', { token: a.admin });
        expect(token.status).toBe(400);
        expect(token.body.field).toBe('id');
      });
    });

    describe('access: tokens, devices, roles', () => {
      it('an admin creates a scoped token (shown once), it works, and once revoked it stops at once', async () => {
        const made = await call('/tokens', { as: 'boss', body: { name: 'bms-sync', scopes: ['read'] } });
        expect(made.status).toBe(201);
        const token = made.body.token as string;
        expect(token).toMatch(/^dit_/);
        expect((await call('/latest?location=hq', { token })).status).toBe(200);
        expect((await call('/rules', { token, body: { id: 'x' } })).status).toBe(403);
        const listed = (await call('/tokens', { as: 'boss' })).body.tokens as Record<string, unknown>[];
        expect(listed.find((t) => t.id === made.body.id)).toEqual(
          expect.objectContaining({ name: 'bms-sync', scopes: ['read'], revokedAt: null }),
        );
        expect(JSON.stringify(listed)).not.toContain(token);
        expect((await call(`/tokens/${made.body.id}`, { method: 'DELETE', as: 'boss' })).status).toBe(204);
        expect((await call('/latest?location=hq', { token })).status).toBe(401);
        // Not for a viewer; another tenant's token id is a 404.
        expect(
          (await call('/tokens', { as: 'owner', body: { name: 'mine', scopes: ['read'] } })).status,
        ).toBe(403);
        const theirs = await call('/tokens', { as: 'stranger', body: { name: 'b', scopes: ['read'] } });
        expect((await call(`/tokens/${theirs.body.id}`, { method: 'DELETE', as: 'boss' })).status).toBe(404);
        expect((await call('/latest', { token: theirs.body.token as string })).status).toBe(200);
        const bad = await call('/tokens', { as: 'boss', body: { name: 'x', scopes: ['root'] } });
        expect(bad.status).toBe(400);
        expect(bad.body.field).toMatch(/^scopes/);
      });

      it('an admin creates MQTT credentials for a gateway; revoked, the broker refuses them', async () => {
        const username = `${a.tenant}-gw2`;
        const made = await call('/devices', { as: 'boss', body: { username } });
        expect(made.status).toBe(201);
        const password = made.body.password as string;
        const device = await mqtt.connectAsync(p.mqttUrl, {
          username,
          password,
          clientId: `${username}-c`,
          reconnectPeriod: 0,
        });
        await device.endAsync();
        expect((await call(`/devices/${username}`, { method: 'DELETE', as: 'boss' })).status).toBe(204);
        if (mode === 'embedded')
          await expect(
            mqtt.connectAsync(p.mqttUrl, {
              username,
              password,
              clientId: `${username}-d`,
              reconnectPeriod: 0,
            }),
          ).rejects.toThrow(/Not authorized|Bad username or password/i);
        expect((await call(`/devices/${b.device}`, { method: 'DELETE', as: 'boss' })).status).toBe(404);
      });

      it("an admin sets a person's role and first password; the person signs in with it", async () => {
        const added = await call('/users', { token: a.admin, body: { email: 'newcomer@web.test' } });
        expect(added.status).toBe(201);
        const id = added.body.id as number;
        const set = await call(`/users/${id}/access`, {
          method: 'PUT',
          as: 'boss',
          body: { role: 'operator', password: 'first day 2026 pass' },
        });
        expect(set.status).toBe(200);
        expect(set.body).toMatchObject({ role: 'operator', canSignIn: true });
        const login = await fetch(`${p.httpUrl}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'newcomer@web.test', password: 'first day 2026 pass' }),
        });
        expect(login.status).toBe(200);
        expect(((await login.json()) as { role: string }).role).toBe('operator');
        // A second "initial" password would take over their account: refused.
        expect(
          (
            await call(`/users/${id}/access`, {
              method: 'PUT',
              as: 'boss',
              body: { role: 'viewer', password: 'another pass 2026 x' },
            })
          ).status,
        ).toBe(409);
        expect(
          (await call(`/users/${id}/access`, { method: 'PUT', as: 'owner', body: { role: 'admin' } })).status,
        ).toBe(403);
        expect(
          (
            await call(`/users/${ids.stranger}/access`, {
              method: 'PUT',
              as: 'boss',
              body: { role: 'viewer' },
            })
          ).status,
        ).toBe(404);
        expect((await call(`/users/${ids.boss}`, { method: 'DELETE', as: 'boss' })).status).toBe(409);
        expect((await call(`/users/${id}`, { method: 'DELETE', as: 'boss' })).status).toBe(204);
        expect(
          ((await call('/users', { as: 'boss' })).body.users as { id: number }[]).map((u) => u.id),
        ).not.toContain(id);
      });
    });

    describe('live stream (SSE)', () => {
      const live = (as: string, query: string) =>
        openSse(`${p.httpUrl}/api/v1/live?${query}`, { cookie: `di_session=${sessions[as]}` });

      it("a value published over MQTT reaches the open stream, and only the watching tenant's", async () => {
        const mine = await live('owner', `series=${aSeries}&alerts=true`);
        expect(mine.status).toBe(200);
        await mine.next((e) => e.event === 'hello');
        // Theirs watches the same location/asset/sensor path in tenant B.
        const theirs = await live('stranger', `series=${bSeries}`);
        await theirs.next((e) => e.event === 'hello');
        const device = await mqtt.connectAsync(p.mqttUrl, {
          username: a.device,
          password: a.password,
          clientId: `${a.device}-live`,
        });
        try {
          const ts = Date.now();
          await device.publishAsync(
            `di/${a.tenant}/hq/chiller-1/main`,
            JSON.stringify({ ts, values: { supply_temp: 7.25 } }),
            { qos: 1 },
          );
          const got = await mine.next(
            (e) => e.event === 'latest' && (e.data as { ts: number }[]).some((x) => x.ts === ts),
            15_000,
          );
          expect(got.data).toEqual([{ seriesId: aSeries, ts, value: 7.25 }]);
        } finally {
          await device.endAsync();
        }
        // Tenant B's stream saw only its own initial value, never A's reading.
        expect(
          theirs.events
            .filter((e) => e.event === 'latest')
            .flatMap((e) => e.data as { seriesId: number; value: number }[]),
        ).toEqual([{ seriesId: bSeries, ts: expect.any(Number), value: 6 }]);
        mine.close();
        theirs.close();
      });

      it('an alert firing nudges the streams of its tenant that asked for alerts', async () => {
        await putRule(p.db, p.runtime.feed, a.tenantId, {
          id: 'live-hot',
          tenant: a.tenant,
          name: 'Supply too warm',
          title: '{{asset}} supply at {{value}}',
          priority: 'high',
          condition: { type: 'threshold', parameter: 'supply_temp', op: '>', value: 30 },
        });
        const s = await live('owner', `series=${aSeries}&alerts=true`);
        await s.next((e) => e.event === 'hello');
        const other = await live('stranger', `series=${bSeries}&alerts=true`);
        await other.next((e) => e.event === 'hello');
        expect(
          (
            await call('/ingest', {
              token: a.token,
              body: {
                readings: [
                  {
                    location: 'hq',
                    asset: 'chiller-1',
                    sensor: 'main',
                    ts: Date.now(),
                    values: { supply_temp: 35 },
                  },
                ],
              },
            })
          ).status,
        ).toBe(202);
        await s.next((e) => e.event === 'alerts', 15_000);
        const firing = (await call('/alerts?status=firing', { as: 'owner' })).body.alerts as {
          ruleId: string;
        }[];
        expect(firing.map((x) => x.ruleId)).toContain('live-hot');
        expect(other.events.some((e) => e.event === 'alerts')).toBe(false);
        s.close();
        other.close();
      });

      it("asking for another tenant's series is a 404 before any stream opens; no credentials, a 401", async () => {
        const denied = await live('owner', `series=${bSeries}`);
        expect(denied.status).toBe(404);
        expect(denied.events).toEqual([]);
        const anonymous = await openSse(`${p.httpUrl}/api/v1/live?series=${aSeries}`, {});
        expect(anonymous.status).toBe(401);
      });

      it('signing out ends an open stream', async () => {
        await person('leaver', a.tenantId, 'viewer');
        const s = await live('leaver', `series=${aSeries}`);
        await s.next((e) => e.event === 'hello');
        expect((await call('/auth/logout', { method: 'POST', as: 'leaver' })).status).toBe(204);
        const bye = await s.next((e) => e.event === 'bye', 5_000);
        expect(bye.data).toEqual({ reason: 'signed out or session expired' });
        await s.ended;
      });
    });
  });
}
