import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ADAPTERS } from '../../test/support/db.js';
import type { AlertTransition } from '../alerting/engine/transition.js';
import type { Db } from '../db/port.js';
import { Outbox } from './outbox.js';
import type { Recipient } from './recipients.js';
import { DEFAULT_POLICY } from './schedule.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

const transition = (
  kind: AlertTransition['kind'],
  priority: AlertTransition['priority'],
  asset: string,
  ts: number,
  firedAt = ts,
): AlertTransition => ({
  v: 1,
  key: `acme/r/plant/${asset}/s|${kind}|${ts}`,
  kind,
  ts,
  firedAt,
  value: 9,
  title: `hot ${asset}`,
  action: '',
  tenantId: 0,
  tenant: 'acme',
  ruleId: 'r',
  priority,
  fingerprint: `acme/r/plant/${asset}/s`,
  location: 'plant',
  asset,
  sensor: 's',
  parameter: 'temp',
});

for (const adapter of DB_ADAPTERS) {
  describe(`outbox: ${adapter.name}`, () => {
    let db: Db & { drop(): Promise<void> };
    let tenantId: number;
    let recipient: Recipient;

    beforeAll(async () => {
      db = await adapter.open();
      tenantId = (
        await db.query<{ id: number }>(
          `insert into tenants (slug, name) values ('acme', 'Acme') returning id`,
        )
      ).rows[0]!.id;
      const user = (
        await db.query<{ id: number }>(`insert into users (email) values ('a@x.test') returning id`)
      ).rows[0]!.id;
      recipient = {
        userId: user,
        subscriptionId: 1,
        timeZone: 'UTC',
        quietHours: null,
        digest: { every: 'day', at: '08:00' },
        chain: [],
        fireAndForget: false,
      };
    });
    afterAll(() => db.drop());

    const t = (
      kind: AlertTransition['kind'],
      priority: AlertTransition['priority'],
      asset: string,
      ts: number,
      firedAt?: number,
    ) => ({
      ...transition(kind, priority, asset, ts, firedAt),
      tenantId,
    });

    it('a redelivered transition plans nothing twice', async () => {
      const o = new Outbox(db);
      const x = t('firing', 'critical', 'a1', NOW);
      expect(await o.enqueue(x, [recipient], DEFAULT_POLICY, NOW)).toHaveLength(1);
      expect(await o.enqueue(x, [recipient], DEFAULT_POLICY, NOW + 5)).toHaveLength(0);
    });

    it('high alerts for one person within the window share one due time (one message)', async () => {
      const o = new Outbox(db);
      const [first] = await o.enqueue(t('firing', 'high', 'h1', NOW), [recipient], DEFAULT_POLICY, NOW);
      const [second] = await o.enqueue(
        t('firing', 'high', 'h2', NOW + 3000),
        [recipient],
        DEFAULT_POLICY,
        NOW + 3000,
      );
      expect(first!.due_at).toBe(NOW + 10_000);
      expect(second!.due_at).toBe(NOW + 10_000);
      const due = await o.claimDue(NOW + 10_000, 100);
      expect(
        due
          .filter((d) => d.priority === 'high')
          .map((d) => d.transition.asset)
          .sort(),
      ).toEqual(['h1', 'h2']);
    });

    it('a resolve cancels the unsent firing and, nobody having been told, announces nothing', async () => {
      const o = new Outbox(db);
      await o.enqueue(t('firing', 'medium', 'm1', NOW), [recipient], DEFAULT_POLICY, NOW);
      const resolved = await o.enqueue(
        t('resolved', 'medium', 'm1', NOW + 60_000, NOW),
        [recipient],
        DEFAULT_POLICY,
        NOW + 60_000,
      );
      expect(resolved).toEqual([]);
      const rows = await db.query<{ status: string }>(
        `select status from deliveries where fingerprint like '%/m1/%'`,
      );
      expect(rows.rows.map((r) => r.status)).toEqual(['cancelled']);
    });

    it('a resolve after a sent firing is announced', async () => {
      const o = new Outbox(db);
      const [f] = await o.enqueue(t('firing', 'critical', 'c1', NOW), [recipient], DEFAULT_POLICY, NOW);
      const claimed = await o.claimDue(NOW, 10, [f!.id]);
      await o.sent(
        claimed.map((d) => d.id),
        { provider: 'smtp', contactPointId: 0, channelIndex: 0, messageId: 'm', status: 'sent' },
        NOW,
      );
      expect(
        await o.enqueue(
          t('resolved', 'critical', 'c1', NOW + 1000, NOW),
          [recipient],
          DEFAULT_POLICY,
          NOW + 1000,
        ),
      ).toHaveLength(1);
    });

    it('a digest planned before a restart is still due after it, and is claimed once', async () => {
      const before = new Outbox(db);
      const [d] = await before.enqueue(t('firing', 'low', 'l1', NOW), [recipient], DEFAULT_POLICY, NOW);
      expect(d!.due_at).toBe(Date.UTC(2026, 10, 28, 8, 0, 0));
      const after = new Outbox(db); // a new process: only the database carries the plan
      expect((await after.claimDue(NOW + 3_600_000, 100)).filter((x) => x.id === d!.id)).toEqual([]);
      const [a, b] = await Promise.all([after.claimDue(d!.due_at, 100), before.claimDue(d!.due_at, 100)]);
      expect([...a!, ...b!].filter((x) => x.id === d!.id)).toHaveLength(1);
    });

    it('a delivery left in sending by a crash goes back to the queue', async () => {
      const o = new Outbox(db);
      const [d] = await o.enqueue(t('firing', 'critical', 'k1', NOW), [recipient], DEFAULT_POLICY, NOW);
      await o.claimDue(NOW, 10, [d!.id]);
      expect(await o.recoverStuck(NOW + 120_000)).toBeGreaterThanOrEqual(1);
      expect((await o.claimDue(NOW + 120_000, 10, [d!.id])).map((x) => x.id)).toEqual([d!.id]);
    });

    it('a critical alert nobody acknowledges escalates after the delay; an acknowledgement cancels it', async () => {
      const o = new Outbox(db);
      const escalating: Recipient = {
        ...recipient,
        escalation: {
          afterMs: 600_000,
          chain: [{ id: 99, kind: 'sms', address: { kind: 'sms', phone: '+4915100000099' }, invalid: false }],
        },
      };
      await o.enqueue(t('firing', 'critical', 'e1', NOW), [escalating], DEFAULT_POLICY, NOW);
      const esc = await db.query<{
        id: number;
        due_at: number;
        chain: number[];
        transition: { title: string };
      }>(
        `select id, due_at, chain, transition from deliveries where kind = 'escalation' and fingerprint like '%/e1/%'`,
      );
      expect(esc.rows).toHaveLength(1);
      expect(esc.rows[0]).toMatchObject({ due_at: NOW + 600_000, chain: [99] });
      expect(esc.rows[0]!.transition.title).toBe('Not acknowledged for 10 min: hot e1');
      // Told at once (critical), then acknowledged before the delay: the escalation is called off.
      const first = await o.claimDue(NOW, 10);
      await o.sent(
        first.map((d) => d.id),
        { provider: 'twilio', contactPointId: 0, channelIndex: 0, messageId: 'm', status: 'sent' },
        NOW,
      );
      await o.enqueue(
        t('acknowledged', 'critical', 'e1', NOW + 60_000, NOW),
        [escalating],
        DEFAULT_POLICY,
        NOW + 60_000,
      );
      const after = await db.query<{ status: string }>('select status from deliveries where id = $1', [
        esc.rows[0]!.id,
      ]);
      expect(after.rows[0]!.status).toBe('cancelled');
    });

    it('provider statuses never move a delivery backwards', async () => {
      const o = new Outbox(db);
      const [d] = await o.enqueue(t('firing', 'critical', 's1', NOW), [recipient], DEFAULT_POLICY, NOW);
      await o.claimDue(NOW, 10, [d!.id]);
      await o.sent(
        [d!.id],
        {
          provider: 'twilio',
          providerId: 'SM1',
          contactPointId: 0,
          channelIndex: 0,
          messageId: 'm',
          status: 'sent',
        },
        NOW,
      );
      expect(await o.applyStatus('twilio', 'SM1', 'delivered', {}, NOW + 1)).toHaveLength(1);
      expect(await o.applyStatus('twilio', 'SM1', 'sent', {}, NOW + 2)).toHaveLength(0);
      const r = await db.query<{ status: string }>('select status from deliveries where id = $1', [d!.id]);
      expect(r.rows[0]!.status).toBe('delivered');
    });
  });
}
