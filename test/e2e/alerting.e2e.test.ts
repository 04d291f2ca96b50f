import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertTransition } from '../../src/alerting/engine/transition.js';
import { createApiToken } from '../../src/iam/tenants.js';
import { putRule, readAlertStream } from '../support/alerts.js';
import { MODES, seedTenant, startTestPlatform, type TestPlatform } from '../support/platform.js';

for (const mode of MODES) {
  describe(`alerting end to end (${mode})`, () => {
    let p: TestPlatform;
    let t: Awaited<ReturnType<typeof seedTenant>>;
    let device: mqtt.MqttClient;

    beforeAll(async () => {
      p = await startTestPlatform(mode);
      t = await seedTenant(p.db);
      device = await mqtt.connectAsync(p.mqttUrl, {
        username: t.device,
        password: t.password,
        clientId: `${t.device}-al`,
      });
    }, 60_000);
    afterAll(async () => {
      await device?.endAsync();
      await p?.destroy();
    });

    const publish = (asset: string, ts: number, values: Record<string, number>) =>
      device.publishAsync(`di/${t.tenant}/plant/${asset}/${asset}-main`, JSON.stringify({ ts, values }), {
        qos: 1,
      });

    it('a reading over the threshold fires on the critical stream and in the log; back under it resolves', async () => {
      await putRule(p.db, p.runtime.feed, t.tenantId, {
        id: 'cold-room-hot',
        tenant: t.tenant,
        name: 'Cold room too warm',
        title: '{{asset}} at {{value}} {{unit}} (limit {{threshold}})',
        action: 'Check the door of {{asset}} in {{location}}.',
        priority: 'critical',
        condition: { type: 'threshold', parameter: 'temp', op: '>', value: 8 },
      });
      // Rule edits reach the evaluator through the feed; give it a moment before the readings.
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now() - 10_000;
      await publish('cold-1', t0, { temp: 4 });
      await publish('cold-1', t0 + 1000, { temp: 9.5 });
      const seen: AlertTransition[] = [];
      await expect
        .poll(
          async () => {
            seen.push(...(await readAlertStream(p.runtime.bus, 'critical', 'test-critical')));
            return seen.map((x) => x.kind);
          },
          { timeout: 15_000 },
        )
        .toEqual(['firing']);
      expect(seen[0]).toMatchObject({
        ruleId: 'cold-room-hot',
        asset: 'cold-1',
        location: 'plant',
        ts: t0 + 1000,
        value: 9.5,
        title: 'cold-1 at 9.5  (limit 8)',
        action: 'Check the door of cold-1 in plant.',
      });
      // The stream hears first; the log is written right after (ADR 9).
      await expect
        .poll(
          async () =>
            (await p.db.query(`select status, fired_at from alerts where rule_id = 'cold-room-hot'`)).rows,
          { timeout: 5000 },
        )
        .toEqual([{ status: 'firing', fired_at: t0 + 1000 }]);

      await publish('cold-1', t0 + 2000, { temp: 5 });
      await expect
        .poll(
          async () => {
            seen.push(...(await readAlertStream(p.runtime.bus, 'critical', 'test-critical')));
            return seen.map((x) => x.kind);
          },
          { timeout: 15_000 },
        )
        .toEqual(['firing', 'resolved']);
      await expect
        .poll(
          async () =>
            (
              await p.db.query<{ kind: string }>(
                `select e.kind from alert_events e join alerts a on a.id = e.alert_id where a.rule_id = 'cold-room-hot' order by e.ts`,
              )
            ).rows.map((r) => r.kind),
          { timeout: 5000 },
        )
        .toEqual(['firing', 'resolved']);
    });

    it('commanded on with no current fires the chiller action on the high stream, after its duration', async () => {
      await putRule(p.db, p.runtime.feed, t.tenantId, {
        id: 'chiller-ignores-commands',
        tenant: t.tenant,
        name: 'Chiller does not follow commands',
        title: 'Automation commands not working on {{asset}}',
        action:
          'Most likely automation commands are not working on {{asset}}. Please switch the chiller to JouleTrack mode, turn it on, and then return it to recipe mode.',
        priority: 'high',
        forMs: 60_000,
        condition: {
          type: 'stateMismatch',
          when: { parameter: 'on', op: '=', value: 1 },
          expect: { parameter: 'current', op: '>', value: 0.5 },
        },
      });
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now() - 300_000;
      for (let i = 0; i <= 3; i++) await publish('chiller-7', t0 + i * 30_000, { on: 1, current: 0.02 });
      const seen: AlertTransition[] = [];
      await expect
        .poll(
          async () => {
            seen.push(...(await readAlertStream(p.runtime.bus, 'high', 'test-high')));
            return seen.map((x) => [x.kind, x.ts]);
          },
          { timeout: 15_000 },
        )
        .toEqual([['firing', t0 + 60_000]]);
      expect(seen[0]!.action).toContain('Most likely automation commands are not working on chiller-7');
      expect(seen[0]!.sensor).toBe('*');
    });

    it('a rule edited on a running evaluator takes effect within a second', async () => {
      const rule = {
        id: 'freezer-limit',
        tenant: t.tenant,
        name: 'Freezer limit',
        title: '{{asset}} too warm',
        priority: 'critical' as const,
        scope: { assets: ['plant/freezer-1'] },
        condition: { type: 'threshold' as const, parameter: 'temp', op: '>' as const, value: 100 },
      };
      await putRule(p.db, p.runtime.feed, t.tenantId, rule);
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now() - 20_000;
      await publish('freezer-1', t0, { temp: -10 });
      await putRule(p.db, p.runtime.feed, t.tenantId, {
        ...rule,
        condition: { ...rule.condition, value: -15 },
      });
      const edited = Date.now();
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() - edited)));
      await publish('freezer-1', t0 + 1000, { temp: -9 });
      await expect
        .poll(
          async () =>
            (await readAlertStream(p.runtime.bus, 'critical', 'test-edit'))
              .filter((x) => x.asset === 'freezer-1')
              .map((x) => x.kind),
          { timeout: 10_000 },
        )
        .toEqual(['firing']);
    });

    it('a silent sensor raises a no-data alert, and its next reading resolves it', async () => {
      await putRule(p.db, p.runtime.feed, t.tenantId, {
        id: 'meter-silent',
        tenant: t.tenant,
        name: 'Meter silent',
        title: '{{asset}} sends nothing for {{threshold}}',
        priority: 'medium',
        scope: { assets: ['plant/meter-9'] },
        condition: { type: 'noData', parameter: 'kwh', afterMs: 2000 },
      });
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      await publish('meter-9', t0, { kwh: 1 });
      const seen: AlertTransition[] = [];
      await expect
        .poll(
          async () => {
            seen.push(...(await readAlertStream(p.runtime.bus, 'medium', 'test-medium')));
            return seen.map((x) => [x.kind, x.ts]);
          },
          { timeout: 10_000 },
        )
        .toEqual([['firing', t0 + 2000]]);
      expect(seen[0]!.title).toBe('meter-9 sends nothing for 2 s');
      await publish('meter-9', Date.now(), { kwh: 2 });
      await expect
        .poll(
          async () => {
            seen.push(...(await readAlertStream(p.runtime.bus, 'medium', 'test-medium')));
            return seen.map((x) => x.kind);
          },
          { timeout: 10_000 },
        )
        .toEqual(['firing', 'resolved']);
    });

    it('a silenced asset still logs its alert but publishes nothing', async () => {
      const ops = await createApiToken(p.db, t.tenantId, 'ops', ['operate']);
      const r = await fetch(`${p.httpUrl}/api/v1/silences`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ops}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          matcher: { assets: ['plant/cold-9'] },
          durationMs: 600_000,
          comment: 'defrost maintenance',
        }),
      });
      expect(r.status).toBe(201);
      await new Promise((res) => setTimeout(res, 300));
      const t0 = Date.now() - 3000;
      await publish('cold-9', t0, { temp: 15 });
      await publish('cold-8', t0, { temp: 15 });
      await expect
        .poll(
          async () =>
            (
              await p.db.query<{ asset: string }>(
                `select asset from alerts where asset in ('cold-8', 'cold-9') order by asset`,
              )
            ).rows.map((x) => x.asset),
          { timeout: 15_000 },
        )
        .toEqual(['cold-8', 'cold-9']);
      const stream = await readAlertStream(p.runtime.bus, 'critical', 'test-silence');
      expect(stream.filter((x) => x.asset === 'cold-8' || x.asset === 'cold-9').map((x) => x.asset)).toEqual([
        'cold-8',
      ]);
    });

    it('a redelivered reading does not fire twice', async () => {
      const t0 = Date.now() - 5000;
      await publish('cold-2', t0, { temp: 12 });
      await publish('cold-2', t0, { temp: 12 });
      await expect
        .poll(
          async () =>
            (
              await p.db.query(
                `select 1 from alert_events e join alerts a on a.id = e.alert_id where a.asset = 'cold-2'`,
              )
            ).rowCount,
          { timeout: 15_000 },
        )
        .toBe(1);
      await new Promise((r) => setTimeout(r, 500));
      const events = await p.db.query(
        `select 1 from alert_events e join alerts a on a.id = e.alert_id where a.asset = 'cold-2'`,
      );
      expect(events.rowCount).toBe(1);
      const stream = await readAlertStream(p.runtime.bus, 'critical', 'test-critical-2');
      expect(stream.filter((x) => x.asset === 'cold-2').map((x) => x.kind)).toEqual(['firing']);
    });
  });
}
