import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent, AlertState } from '../../src/alerting/domain/alert-state.js';
import { AlertLog } from '../../src/alerting/engine/alert-log.js';
import { ALERT_STREAMS, toTransition, type AlertSubject } from '../../src/alerting/engine/transition.js';
import { createApiToken } from '../../src/iam/tenants.js';
import { MODES, seedTenant, startTestPlatform, type TestPlatform } from '../support/platform.js';

type Body = Record<string, unknown> & { code?: string; field?: string };
type Tenant = Awaited<ReturnType<typeof seedTenant>> & { admin: string; ops: string };

const MIN = 60_000;
const rule = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `rule ${id}`,
  title: 'Supply temperature high on {{asset}}',
  priority: 'high',
  condition: { type: 'threshold', parameter: 'supply_temp', op: '>', value: 10 },
  ...extra,
});

for (const mode of MODES) {
  describe(`alert management API (${mode})`, () => {
    let p: TestPlatform;
    let a: Tenant;
    let b: Tenant;

    const call = async (token: string, method: string, path: string, body?: unknown) => {
      const r = await fetch(`${p.httpUrl}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      return { status: r.status, body: (text ? JSON.parse(text) : {}) as Body };
    };
    /** Resolves with the first message on a feed channel that satisfies `pick`. */
    const nextMessage = async (channel: string, pick: (m: Record<string, unknown>) => boolean) => {
      let done!: (m: unknown) => void;
      const got = new Promise((r) => (done = r));
      const off = await p.runtime.feed.subscribe(
        channel,
        (m) => pick(m as Record<string, unknown>) && done(m),
      );
      return { got, off };
    };

    /** A firing alert, as the evaluator would have stored it. */
    const fire = async (t: Tenant, ruleId: string, asset: string, firedAt: number, resolvedAt?: number) => {
      const subject: AlertSubject = {
        tenantId: t.tenantId,
        tenant: t.tenant,
        ruleId,
        priority: 'high',
        fingerprint: `${t.tenant}/${ruleId}/plant/${asset}/ch1`,
        location: 'plant',
        asset,
        sensor: 'ch1',
        parameter: 'supply_temp',
      };
      const state: AlertState = {
        status: 'firing',
        since: firedAt,
        activeSince: firedAt,
        firedAt,
        watermark: firedAt,
        lastSeenTs: firedAt,
        lastValue: 12,
        notifiedAt: firedAt,
        changes: [],
      };
      const log = new AlertLog();
      await log.saveState(p.db, subject, state, undefined, firedAt);
      const e: AlertEvent = { kind: 'firing', ts: firedAt, value: 12, activeSince: firedAt };
      const text = { title: `hot ${asset}`, action: 'check it' };
      await log.record(p.db, [toTransition(subject, e, text)!]);
      if (resolvedAt !== undefined) {
        const end: AlertEvent = { kind: 'resolved', ts: resolvedAt, value: 5, firedAt };
        await log.record(p.db, [toTransition(subject, end, text)!]);
      }
      const r = await p.db.query<{ id: number }>(
        'select id from alerts where fingerprint = $1 and fired_at = $2',
        [subject.fingerprint, firedAt],
      );
      return r.rows[0]!.id;
    };

    beforeAll(async () => {
      p = await startTestPlatform(mode);
      const seed = async () => {
        const t = await seedTenant(p.db);
        const admin = await createApiToken(p.db, t.tenantId, 'admin', ['admin']);
        const ops = await createApiToken(p.db, t.tenantId, 'ops', ['read', 'operate']);
        return { ...t, admin, ops };
      };
      a = await seed();
      b = await seed();
      await call(a.admin, 'POST', '/rules', rule('hot'));
    }, 60_000);
    afterAll(() => p?.destroy());

    it('creates a rule in the caller tenant, refuses bad ones naming the field, and needs the admin scope', async () => {
      const bad = await call(
        a.admin,
        'POST',
        '/rules',
        rule('band', { condition: { type: 'band', parameter: 'x', low: 9, high: 1 } }),
      );
      expect(bad).toMatchObject({ status: 400, body: { code: 'DI_VALIDATION', field: 'condition.low' } });
      const noTitle = await call(a.admin, 'POST', '/rules', { ...rule('t2'), title: undefined });
      expect(noTitle).toMatchObject({ status: 400, body: { field: 'title' } });
      expect((await call(a.admin, 'POST', '/rules', [1, 2])).body.code).toBe('DI_VALIDATION');
      expect((await call(a.ops, 'POST', '/rules', rule('r-ops'))).status).toBe(403);
      const { got, off } = await nextMessage('rules', (m) => m.ruleId === 'r1');
      const created = await call(a.admin, 'POST', '/rules', { ...rule('r1'), tenant: b.tenant });
      expect(created).toMatchObject({
        status: 201,
        body: { id: 'r1', tenant: a.tenant, version: 1, enabled: true },
      });
      const started = Date.now();
      expect(await got).toEqual({ tenantId: a.tenantId, tenant: a.tenant, ruleId: 'r1' });
      expect(Date.now() - started).toBeLessThan(1000);
      await off();
      expect((await call(a.token, 'GET', '/rules/r1')).body).toMatchObject({ id: 'r1', tenant: a.tenant });
      expect((await call(a.admin, 'POST', '/rules', rule('r1'))).body).toMatchObject({
        code: 'DI_CONFLICT',
        field: 'id',
      });
    });

    it('replaces a rule with version + 1, refusing a stale version and a different id', async () => {
      await call(a.admin, 'POST', '/rules', rule('r2'));
      const v2 = await call(a.admin, 'PUT', '/rules/r2', { ...rule('r2'), priority: 'critical', version: 1 });
      expect(v2).toMatchObject({ status: 200, body: { priority: 'critical', version: 2 } });
      expect(v2.body.updatedAt as number).toBeGreaterThan(v2.body.createdAt as number);
      const stale = await call(a.admin, 'PUT', '/rules/r2', { ...rule('r2'), version: 1 });
      expect(stale).toMatchObject({ status: 409, body: { field: 'version' } });
      const roundTrip = await call(a.admin, 'PUT', '/rules/r2', { ...v2.body, name: 'renamed' });
      expect(roundTrip.body).toMatchObject({ name: 'renamed', version: 3, priority: 'critical' });
      expect((await call(a.admin, 'PUT', '/rules/r2', rule('other'))).body).toMatchObject({ field: 'id' });
      const list = await call(a.token, 'GET', '/rules?priority=critical');
      expect((list.body.rules as { id: string }[]).map((r) => r.id)).toEqual(['r2']);
      await call(a.admin, 'PUT', '/rules/r2', { ...rule('r2'), enabled: false });
      const disabled = await call(a.token, 'GET', '/rules?enabled=false');
      expect((disabled.body.rules as { id: string }[]).map((r) => r.id)).toEqual(['r2']);
      expect((await call(a.token, 'GET', '/rules?limit=0')).body).toMatchObject({
        code: 'DI_BAD_REQUEST',
        field: 'limit',
      });
    });

    it('deletes a rule: it is gone from reads and its id is not reused', async () => {
      await call(a.admin, 'POST', '/rules', rule('r3'));
      expect((await call(a.admin, 'DELETE', '/rules/r3')).status).toBe(204);
      expect((await call(a.token, 'GET', '/rules/r3')).status).toBe(404);
      expect((await call(a.admin, 'DELETE', '/rules/r3')).status).toBe(404);
      expect((await call(a.admin, 'PUT', '/rules/r3', rule('r3'))).status).toBe(404);
      const ids = ((await call(a.token, 'GET', '/rules')).body.rules as { id: string }[]).map((r) => r.id);
      expect(ids).not.toContain('r3');
      expect((await call(a.admin, 'POST', '/rules', rule('r3'))).status).toBe(409);
    });

    it('another tenant sees none of it: 404 for rules, alerts and silences, never 403', async () => {
      const alertId = await fire(a, 'hot', 'iso-1', Date.now() - 5 * MIN);
      const silence = await call(a.ops, 'POST', '/silences', {
        matcher: { locations: ['plant'] },
        durationMs: 3_600_000,
      });
      expect(silence.status).toBe(201);
      const sid = silence.body.id as number;
      for (const [method, path, body] of [
        ['GET', '/rules/hot'],
        ['PUT', '/rules/hot', rule('hot')],
        ['DELETE', '/rules/hot'],
        ['GET', `/alerts/${alertId}`],
        ['POST', `/alerts/${alertId}/acknowledge`, {}],
        ['POST', `/alerts/${alertId}/resolve`],
        ['GET', `/silences/${sid}`],
        ['DELETE', `/silences/${sid}`],
      ] as const) {
        expect([method, path, (await call(b.admin, method, path, body)).status]).toEqual([method, path, 404]);
      }
      expect((await call(b.admin, 'GET', '/rules')).body.rules).toEqual([]);
      expect((await call(b.admin, 'GET', '/alerts')).body.alerts).toEqual([]);
      expect((await call(b.admin, 'GET', '/silences')).body.silences).toEqual([]);
      expect((await call(a.token, 'GET', `/alerts/${alertId}`)).body.status).toBe('firing');
    });

    it('dry-runs a rule on readings ingested through the API', async () => {
      const t0 = Date.now() - 50 * MIN;
      const values = [8, 9, 12, 13, 9, 8, 15, 9];
      const readings = values.map((v, i) => ({
        location: 'dry',
        asset: 'chiller-1',
        sensor: 'ch1',
        ts: t0 + i * MIN,
        values: { supply_temp: v, other: 100 },
      }));
      readings.push({
        location: 'elsewhere',
        asset: 'c',
        sensor: 's',
        ts: t0,
        values: { supply_temp: 50, other: 0 },
      });
      const ingest = await fetch(`${p.httpUrl}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ readings }),
      });
      expect(ingest.status).toBe(202);
      const body = { rule: { condition: rule('x').condition, scope: { locations: ['dry'] } }, hours: 1 };
      await expect
        .poll(async () => (await call(a.token, 'POST', '/rules/dry-run', body)).body.readingsScanned, {
          timeout: 15_000,
        })
        .toBe(values.length);
      const run = await call(a.token, 'POST', '/rules/dry-run', body);
      const fp = `${a.tenant}/dry-run/dry/chiller-1/ch1`;
      expect(run.body).toMatchObject({ truncated: false, seriesScanned: 1 });
      expect(run.body.events).toEqual([
        {
          fingerprint: fp,
          location: 'dry',
          asset: 'chiller-1',
          sensor: 'ch1',
          kind: 'firing',
          ts: t0 + 2 * MIN,
          value: 12,
        },
        {
          fingerprint: fp,
          location: 'dry',
          asset: 'chiller-1',
          sensor: 'ch1',
          kind: 'resolved',
          ts: t0 + 4 * MIN,
          value: 9,
        },
        {
          fingerprint: fp,
          location: 'dry',
          asset: 'chiller-1',
          sensor: 'ch1',
          kind: 'firing',
          ts: t0 + 6 * MIN,
          value: 15,
        },
        {
          fingerprint: fp,
          location: 'dry',
          asset: 'chiller-1',
          sensor: 'ch1',
          kind: 'resolved',
          ts: t0 + 7 * MIN,
          value: 9,
        },
      ]);
      // Tenant B has no such readings.
      expect((await call(b.token, 'POST', '/rules/dry-run', body)).body).toMatchObject({
        events: [],
        readingsScanned: 0,
      });
      const bad = { rule: { condition: { type: 'band', parameter: 'x', low: 2, high: 1 } } };
      expect((await call(a.token, 'POST', '/rules/dry-run', bad)).body).toMatchObject({
        field: 'rule.condition.low',
      });
      expect((await call(a.token, 'POST', '/rules/dry-run', { ...body, hours: 200 })).body).toMatchObject({
        field: 'hours',
      });
    });

    it('acknowledges and resolves a firing alert, publishing both, and refuses to act on a resolved one', async () => {
      const firedAt = Date.now() - 10 * MIN;
      const id = await fire(a, 'hot', 'ack-1', firedAt);
      expect((await call(a.token, 'POST', `/alerts/${id}/acknowledge`)).status).toBe(403);
      const { got, off } = await nextMessage('alerts', (m) => String(m.fingerprint).endsWith('/ack-1/ch1'));
      const ack = await call(a.ops, 'POST', `/alerts/${id}/acknowledge`, { comment: 'on it' });
      expect(ack).toMatchObject({ status: 200, body: { status: 'firing', acknowledgedBy: 'token:ops' } });
      await got;
      await off();
      expect((await call(a.ops, 'POST', `/alerts/${id}/acknowledge`)).status).toBe(200); // idempotent
      const after = await call(a.token, 'GET', `/alerts/${id}`);
      expect(
        (after.body.events as { kind: string; detail: object }[]).map((e) => [e.kind, e.detail]),
      ).toEqual([
        ['firing', {}],
        ['acknowledged', { comment: 'on it', by: 'token:ops' }],
      ]);
      const resolved = await call(a.admin, 'POST', `/alerts/${id}/resolve`, {});
      expect(resolved.body).toMatchObject({ status: 'resolved', resolvedBy: 'token:admin' });
      expect((resolved.body.events as { kind: string }[]).map((e) => e.kind)).toEqual([
        'firing',
        'acknowledged',
        'resolved',
      ]);
      const again = await call(a.ops, 'POST', `/alerts/${id}/acknowledge`);
      expect(again).toMatchObject({ status: 409, body: { code: 'DI_CONFLICT' } });
      expect((await call(a.ops, 'POST', `/alerts/${id}/resolve`)).status).toBe(409);
      const fp = `${a.tenant}/hot/plant/ack-1/ch1`;
      const state = (await new AlertLog().loadStates(p.db, [fp])).get(fp)!;
      expect(state).toMatchObject({ version: 3, state: { status: 'resolved', latched: true } });
      // Both transitions went to the priority's alert stream, for the notifier.
      const stream = ALERT_STREAMS.high;
      await p.runtime.bus.ensureGroup(stream, 'test');
      const entries = await p.runtime.bus.read({
        stream,
        group: 'test',
        consumer: 'c',
        partitions: [0, 1, 2, 3],
        count: 100,
        blockMs: 0,
      });
      const mine = entries
        .map((e) => JSON.parse(e.payload) as { fingerprint: string; kind: string; by?: string })
        .filter((t) => t.fingerprint === fp);
      expect(mine.map((t) => [t.kind, t.by])).toEqual([
        ['acknowledged', 'token:ops'],
        ['resolved', 'token:admin'],
      ]);
    });

    it('lists alerts newest first, filtered and paged', async () => {
      const now = Date.now();
      const old = await fire(a, 'hot', 'list-1', now - 120 * MIN, now - 90 * MIN);
      const mid = await fire(a, 'hot', 'list-2', now - 30 * MIN);
      const nu = await fire(a, 'hot', 'list-3', now - 5 * MIN);
      const ids = async (q: string) =>
        ((await call(a.token, 'GET', `/alerts?${q}`)).body.alerts as { id: number }[]).map((x) => x.id);
      expect(await ids('asset=list-1&status=resolved')).toEqual([old]);
      expect(await ids('asset=list-1&status=firing')).toEqual([]);
      expect((await ids('location=plant&priority=high')).slice(0, 2)).toEqual([nu, mid]);
      expect(await ids('priority=low&priority=critical')).toEqual([]);
      expect(await ids(`rule=hot&from=${now - 60 * MIN}&to=${now - 20 * MIN}`)).toContain(mid);
      expect(await ids(`rule=hot&from=${now - 60 * MIN}&to=${now - 20 * MIN}`)).not.toContain(nu);
      expect(await ids(`rule=hot&from=${now - 60 * MIN}`)).not.toContain(old);
      const page = await call(a.token, 'GET', '/alerts?limit=1');
      expect(page.body.next).toBe(nu);
      expect(await ids(`limit=1&before=${nu}`)).toEqual([mid]);
      expect((await call(a.token, 'GET', '/alerts?from=yesterday')).body).toMatchObject({ field: 'from' });
      expect((await call(a.token, 'GET', '/alerts/abc')).body).toMatchObject({
        code: 'DI_BAD_REQUEST',
        field: 'id',
      });
    });

    it('silences a scope for a time window, lists and ends it', async () => {
      const bad = async (body: unknown) => (await call(a.ops, 'POST', '/silences', body)).body;
      expect(await bad({ matcher: {}, durationMs: 1000 })).toMatchObject({
        code: 'DI_VALIDATION',
        field: 'matcher',
      });
      expect(await bad({ matcher: { assets: ['x'] }, durationMs: 1000 })).toMatchObject({
        field: 'matcher.assets[0]',
      });
      expect(
        await bad({ matcher: { rules: ['hot'] }, durationMs: 1000, endsAt: Date.now() + 5000 }),
      ).toMatchObject({ field: 'durationMs' });
      expect(await bad({ matcher: { rules: ['hot'] }, endsAt: 'now-1h' })).toMatchObject({ field: 'endsAt' });
      expect(
        (await call(a.token, 'POST', '/silences', { matcher: { rules: ['hot'] }, durationMs: 1000 })).status,
      ).toBe(403);
      const { got, off } = await nextMessage('silences', (m) => m.tenantId === a.tenantId);
      const now = await call(a.ops, 'POST', '/silences', {
        matcher: { assets: ['plant/chiller-1'], rules: ['hot'] },
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        comment: 'maintenance',
      });
      expect(now).toMatchObject({ status: 201, body: { createdBy: 'token:ops', comment: 'maintenance' } });
      await got;
      await off();
      const later = await call(a.ops, 'POST', '/silences', {
        matcher: { locations: ['lab'] },
        startsAt: 'now+1h',
        durationMs: 60_000,
      });
      const ids = async (q: string) =>
        ((await call(a.token, 'GET', `/silences?${q}`)).body.silences as { id: number }[]).map((s) => s.id);
      expect(await ids('active=true')).toContain(now.body.id);
      expect(await ids('active=true')).not.toContain(later.body.id);
      expect(await ids('active=false')).toContain(later.body.id);
      expect((await call(a.ops, 'DELETE', `/silences/${now.body.id}`)).status).toBe(204);
      expect(await ids('active=true')).not.toContain(now.body.id);
      const ended = await call(a.token, 'GET', `/silences/${now.body.id}`);
      expect(ended.body.endsAt as number).toBeLessThanOrEqual(Date.now());
      expect((await call(a.ops, 'DELETE', `/silences/${now.body.id}`)).status).toBe(204);
      expect((await call(a.ops, 'DELETE', `/silences/${later.body.id}`)).status).toBe(204);
      expect((await call(a.token, 'GET', `/silences/${later.body.id}`)).status).toBe(404);
    });

    it('documents the routes and their bodies in OpenAPI', async () => {
      const doc = (await (await fetch(`${p.httpUrl}/api/v1/openapi.json`)).json()) as {
        paths: Record<
          string,
          Record<string, { requestBody?: { content: Record<string, { schema: { properties?: object } }> } }>
        >;
      };
      for (const path of [
        '/api/v1/rules',
        '/api/v1/rules/{id}',
        '/api/v1/rules/dry-run',
        '/api/v1/alerts',
        '/api/v1/alerts/{id}/acknowledge',
        '/api/v1/silences/{id}',
      ]) {
        expect(doc.paths[path], path).toBeDefined();
      }
      const create = doc.paths['/api/v1/rules']!.post!.requestBody!.content['application/json']!.schema;
      expect(Object.keys(create.properties ?? {})).toEqual(
        expect.arrayContaining(['id', 'condition', 'scope', 'priority']),
      );
    });
  });
}
