/**
 * A notifier killed with SIGKILL while messages are in flight: after another notifier takes over,
 * every person got every alert, and any message sent again carries the same Idempotency-Key (what a
 * crash cannot rule out, the receiver can recognise).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/iam/tenants.js';
import { putRule } from '../support/alerts.js';
import { seedTenant, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { startWebhookReceiver, type TestWebhookReceiver } from '../support/providers/webhook-receiver.js';
import { RoleProcess, roleEnv } from '../support/role-process.js';

const DISTRIBUTED = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL && process.env.MQTT_URL);

describe.skipIf(!DISTRIBUTED)('a killed notifier loses no message (distributed)', () => {
  const ASSETS = 30;
  let p: TestPlatform;
  let receiver: TestWebhookReceiver;
  const workers: RoleProcess[] = [];

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    // Slow answers keep messages in flight when the notifier dies.
    receiver.replyAlways('/oncall', { status: 200, body: '{"ok":true}', delayMs: 150 });
    p = await startTestPlatform('distributed', { roles: ['api', 'bridge', 'storage', 'alerting'] });
  }, 60_000);
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await p?.destroy();
    await receiver?.close();
  }, 60_000);

  const notifier = (suffix: string) => {
    const w = new RoleProcess('notifier', `${p.config.busPrefix}-${suffix}`, roleEnv(p));
    workers.push(w);
    return w;
  };

  it('every alert reaches the person across a SIGKILL and a takeover', async () => {
    const t = await seedTenant(p.db);
    const admin = await createApiToken(p.db, t.tenantId, 'admin', ['admin']);
    const call = async (path: string, body: unknown) => {
      const r = await fetch(`${p.httpUrl}/api/v1${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(r.status, await r.clone().text()).toBe(201);
      return (await r.json()) as { id: number };
    };
    const user = await call('/users', { email: 'oncall@crash.test' });
    const cp = await call(`/users/${user.id}/contact-points`, {
      kind: 'webhook',
      address: { url: receiver.url('/oncall'), secret: 'crash-test-secret-0123' },
    });
    await call(`/users/${user.id}/subscriptions`, {
      minPriority: 'critical',
      channels: { critical: [cp.id] },
    });
    await putRule(p.db, p.runtime.feed, t.tenantId, {
      id: 'boiler-hot',
      tenant: t.tenant,
      name: 'Boiler too hot',
      title: '{{asset}} at {{value}}',
      priority: 'critical',
      condition: { type: 'threshold', parameter: 'temp', op: '>', value: 80 },
    });
    const a = notifier('a');
    await new Promise((r) => setTimeout(r, 500));
    const r = await fetch(`${p.httpUrl}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        readings: Array.from({ length: ASSETS }, (_, k) => ({
          location: 'plant',
          asset: `boiler-${k}`,
          sensor: `b${k}`,
          ts: Date.now() - 1000,
          values: { temp: 95 },
        })),
      }),
    });
    expect(r.status).toBe(202);
    await expect
      .poll(() => receiver.received.filter((x) => x.path === '/oncall').length, {
        timeout: 30_000,
        interval: 20,
      })
      .toBeGreaterThanOrEqual(3);
    await a.kill('SIGKILL');
    notifier('b');
    const keys = () =>
      new Set(
        receiver.received
          .filter((x) => x.path === '/oncall')
          .map((x) => String(x.headers['idempotency-key'])),
      );
    await expect.poll(() => keys().size, { timeout: 90_000, interval: 200 }).toBe(ASSETS);
    const byAsset = new Map<string, Set<string>>();
    for (const m of receiver.received.filter((x) => x.path === '/oncall')) {
      const asset = String((m.json as { alert: { asset: string } }).alert.asset);
      byAsset.set(asset, (byAsset.get(asset) ?? new Set()).add(String(m.headers['idempotency-key'])));
    }
    expect(byAsset.size).toBe(ASSETS);
    // A message repeated after the crash is the same message: one key per asset.
    for (const k of byAsset.values()) expect(k.size).toBe(1);
    await expect
      .poll(async () => (await p.db.query(`select 1 from deliveries where status = 'sent'`)).rowCount, {
        timeout: 60_000,
      })
      .toBe(ASSETS);
  }, 150_000);
});
