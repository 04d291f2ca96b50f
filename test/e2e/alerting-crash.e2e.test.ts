/**
 * An evaluator killed with SIGKILL under load: after another takes over its partitions, every alert
 * transition is in the log exactly once, and every one reached the alert stream (a transition
 * published just before the crash may be published again with the same key, never with another).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putRule, readAlertStream } from '../support/alerts.js';
import { seedTenant, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { RoleProcess, roleEnv } from '../support/role-process.js';

const DISTRIBUTED = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL && process.env.MQTT_URL);

describe.skipIf(!DISTRIBUTED)('a killed evaluator loses and repeats no transition (distributed)', () => {
  const ASSETS = 40;
  const STEPS = 60; // per asset: values alternate around the threshold, so every step is a transition
  let p: TestPlatform;
  let tenant: Awaited<ReturnType<typeof seedTenant>>;
  const workers: RoleProcess[] = [];

  beforeAll(async () => {
    p = await startTestPlatform('distributed', { roles: ['api', 'bridge', 'storage'] });
    tenant = await seedTenant(p.db);
  }, 60_000);
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await p?.destroy();
  }, 60_000);

  const evaluator = (suffix: string) => {
    const w = new RoleProcess(
      'alerting',
      `${p.config.busPrefix}-${suffix}`,
      roleEnv(p, { CONSUMER_BATCH_SIZE: '20' }),
    );
    workers.push(w);
    return w;
  };
  const count = async (sql: string) => Number((await p.db.query<{ n: number }>(sql)).rows[0]?.n ?? 0);

  it('every transition is logged once and published, across a SIGKILL and a takeover', async () => {
    await putRule(p.db, p.runtime.feed, tenant.tenantId, {
      id: 'boiler-hot',
      tenant: tenant.tenant,
      name: 'Boiler too hot',
      title: '{{asset}} at {{value}}',
      priority: 'critical',
      condition: { type: 'threshold', parameter: 'temp', op: '>', value: 80 },
    });
    const a = evaluator('a');
    const t0 = Date.now() - 3_600_000;
    const send = async (step: number) => {
      const readings = Array.from({ length: ASSETS }, (_, k) => ({
        location: 'plant',
        asset: `boiler-${k}`,
        sensor: `boiler-${k}-t`,
        ts: t0 + step * 1000,
        values: { temp: step % 2 === 0 ? 90 : 70 },
      }));
      const r = await fetch(`${p.httpUrl}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ readings }),
      });
      expect(r.status).toBe(202);
    };
    for (let step = 0; step < STEPS / 2; step++) await send(step);
    await expect
      .poll(() => count(`select count(*)::int as n from alert_events`), { timeout: 30_000, interval: 50 })
      .toBeGreaterThan(50);
    await a.kill('SIGKILL');
    for (let step = STEPS / 2; step < STEPS; step++) await send(step);
    evaluator('b');
    const expected = ASSETS * STEPS;
    await expect
      .poll(() => count(`select count(*)::int as n from alert_events`), { timeout: 40_000, interval: 200 })
      .toBe(expected);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await count(`select count(*)::int as n from alert_events`)).toBe(expected);
    // Per asset: firing and resolved strictly alternate, one per step.
    const perAsset = await p.db.query<{ asset: string; kinds: string[] }>(
      `select a.asset, array_agg(e.kind order by e.ts) as kinds from alert_events e join alerts a on a.id = e.alert_id group by a.asset`,
    );
    expect(perAsset.rows).toHaveLength(ASSETS);
    for (const row of perAsset.rows)
      expect(row.kinds).toEqual(
        Array.from({ length: STEPS }, (_, i) => (i % 2 === 0 ? 'firing' : 'resolved')),
      );
    expect(await count(`select count(*)::int as n from alerts where status = 'firing'`)).toBe(0);
    const stream = await readAlertStream(p.runtime.bus, 'critical', 'crash-test');
    const keys = new Set(stream.map((x) => x.key));
    expect(keys.size).toBe(expected);
  }, 120_000);
});
