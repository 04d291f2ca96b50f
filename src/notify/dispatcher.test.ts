import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startFakeTwilio,
  inSequence,
  twilioError,
  type FakeTwilio,
} from '../../test/support/providers/twilio.js';
import {
  startWebhookReceiver,
  type TestWebhookReceiver,
} from '../../test/support/providers/webhook-receiver.js';
import type { AlertTransition } from '../alerting/engine/transition.js';
import { migrate } from '../db/migrate.js';
import { PgliteDb } from '../db/pglite.js';
import { silentLogger } from '../platform/logger.js';
import { Metrics } from '../platform/metrics.js';
import { Breakers } from './breaker.js';
import { createTwilioSmsChannel } from './channels/twilio-sms/twilio-sms.js';
import { createWebhookChannel } from './channels/webhook/webhook.js';
import { Dispatcher } from './dispatcher.js';
import { Outbox } from './outbox.js';
import type { ChannelKind, Channel } from './port.js';
import { Recipients, type Recipient } from './recipients.js';
import { DEFAULT_POLICY } from './schedule.js';

const TWILIO = { accountSid: 'AC00000000000000000000000000000007', authToken: 'dispatcher-test-token' };

/** The communication exception flow against a local Twilio: retries, rate limits, fallback, breaker, dead letters. */
describe('dispatcher exception flow', () => {
  let db: PgliteDb;
  let twilio: FakeTwilio;
  let hooks: TestWebhookReceiver;
  let tenantId: number;
  let userId: number;
  let sms: number;
  let hook: number;
  let n = 0;

  beforeAll(async () => {
    db = await PgliteDb.open(undefined);
    await migrate(db);
    twilio = await startFakeTwilio(TWILIO);
    hooks = await startWebhookReceiver();
    tenantId = (
      await db.query<{ id: number }>(`insert into tenants (slug, name) values ('acme', 'Acme') returning id`)
    ).rows[0]!.id;
    userId = (
      await db.query<{ id: number }>(`insert into users (email) values ('oncall@acme.test') returning id`)
    ).rows[0]!.id;
    const cp = async (kind: string, address: unknown) =>
      (
        await db.query<{ id: number }>(
          'insert into contact_points (tenant_id, user_id, kind, address) values ($1, $2, $3, $4) returning id',
          [tenantId, userId, kind, JSON.stringify(address)],
        )
      ).rows[0]!.id;
    sms = await cp('sms', { kind: 'sms', phone: '+4915100000042' });
    hook = await cp('webhook', {
      kind: 'webhook',
      url: hooks.url('/oncall'),
      secret: 'a-secret-of-sixteen-chars',
    });
  });
  afterAll(async () => {
    await db.close();
    await twilio.close();
    await hooks.close();
  });
  beforeEach(() => {
    twilio.reset();
  });

  const setup = (breakers = new Breakers()) => {
    const outbox = new Outbox(db);
    const channels = new Map<ChannelKind, Channel>([
      [
        'sms',
        createTwilioSmsChannel({
          ...TWILIO,
          from: '+15005550006',
          baseUrl: twilio.baseUrl,
          defaultRetryAfterMs: 20,
        }),
      ],
      ['webhook', createWebhookChannel({ timeoutMs: 2000 })],
    ]);
    const dispatcher = new Dispatcher({
      db,
      outbox,
      recipients: new Recipients(db),
      channels,
      breakers,
      logger: silentLogger(),
      metrics: new Metrics(),
      render: { appUrl: 'https://app.test' },
      retryBaseMs: 10,
    });
    return { outbox, dispatcher };
  };
  const plan = async (outbox: Outbox, chain: number[]) => {
    const now = Date.now();
    const t: AlertTransition = {
      v: 1,
      key: `k${n++}`,
      kind: 'firing',
      ts: now,
      firedAt: now,
      value: 99,
      title: 'Boiler too hot',
      action: 'Check it',
      tenantId,
      tenant: 'acme',
      ruleId: 'r',
      priority: 'critical',
      fingerprint: `f${n}`,
      location: 'plant',
      asset: 'boiler-1',
      sensor: 's',
      parameter: 'temp',
    };
    const r: Recipient = {
      userId,
      subscriptionId: 0,
      timeZone: 'UTC',
      quietHours: null,
      digest: { every: 'day', at: '08:00' },
      chain: chain.map((id) => ({ id, kind: 'sms', address: { kind: 'sms', phone: '' }, invalid: false })),
      fireAndForget: false,
    };
    const [d] = await outbox.enqueue(t, [r], DEFAULT_POLICY, now);
    return d!;
  };
  /** Claim and dispatch until nothing is due any more (the deadline bounds it). */
  const drain = async (outbox: Outbox, dispatcher: Dispatcher) => {
    for (let i = 0; i < 200; i++) {
      const due = await outbox.claimDue(Date.now(), 50);
      if (due.length) await dispatcher.dispatch(due);
      const waiting = await db.query(`select 1 from deliveries where status in ('scheduled', 'sending')`);
      if (waiting.rowCount === 0) return;
      await new Promise((r) => setTimeout(r, 15));
    }
  };
  const status = async (id: number) =>
    (
      await db.query<{ status: string; last_error: string | null; contact_point_id: number | null }>(
        'select status, last_error, contact_point_id from deliveries where id = $1',
        [id],
      )
    ).rows[0]!;

  it('500, 500, then 429 with Retry-After, then accepted: one SMS, sent after retries', async () => {
    const { outbox, dispatcher } = setup();
    twilio.respondWith(
      inSequence(
        twilioError(500, 20500, 'Internal Server Error'),
        twilioError(503, 20503, 'Service Unavailable'),
        twilioError(429, 20429, 'Too Many Requests', { 'retry-after': '0' }),
      ),
    );
    const d = await plan(outbox, [sms]);
    await drain(outbox, dispatcher);
    expect(twilio.requests).toHaveLength(4);
    expect(twilio.messages.size).toBe(1);
    expect(await status(d.id)).toMatchObject({ status: 'sent', contact_point_id: sms });
    const events = await db.query<{ status: string }>(
      'select status from delivery_events where delivery_id = $1 order by id',
      [d.id],
    );
    expect(events.rows.map((e) => e.status)).toEqual(['scheduled', 'retry', 'retry', 'retry', 'sent']);
  });

  it('a permanent error falls back to the next channel at once, without retrying the first', async () => {
    const { outbox, dispatcher } = setup();
    twilio.respondWith(() =>
      twilioError(400, 21408, 'Permission to send an SMS has not been enabled for the region'),
    );
    const before = hooks.received.length;
    const d = await plan(outbox, [sms, hook]);
    await drain(outbox, dispatcher);
    expect(twilio.requests).toHaveLength(1);
    expect(hooks.received.length - before).toBe(1);
    expect(await status(d.id)).toMatchObject({ status: 'sent', contact_point_id: hook });
  });

  it('a provider that stays down opens its circuit: later messages go straight to the fallback', async () => {
    const { outbox, dispatcher } = setup(new Breakers(2, 60_000));
    twilio.respondWith(() => twilioError(500, 20500, 'Internal Server Error'));
    const before = hooks.received.length;
    // Deadline-bounded retries on SMS; once the breaker opens, the fallback takes over.
    const ds = [
      await plan(outbox, [sms, hook]),
      await plan(outbox, [sms, hook]),
      await plan(outbox, [sms, hook]),
    ];
    await drain(outbox, dispatcher);
    expect(twilio.requests.length).toBeLessThanOrEqual(3);
    for (const d of ds) expect((await status(d.id)).status).toBe('sent');
    expect(hooks.received.length - before).toBe(3);
  });

  it('what no channel can deliver is dead-lettered with the reason', async () => {
    const { outbox, dispatcher } = setup();
    twilio.respondWith(() => twilioError(400, 21211, "The 'To' number is not a valid phone number."));
    const bad = (
      await db.query<{ id: number }>(
        `insert into contact_points (tenant_id, user_id, kind, address) values ($1, $2, 'sms', '{"kind":"sms","phone":"+4915100000666"}') returning id`,
        [tenantId, userId],
      )
    ).rows[0]!.id;
    const d = await plan(outbox, [bad]);
    await drain(outbox, dispatcher);
    const s = await status(d.id);
    expect(s.status).toBe('dead');
    expect(s.last_error).toMatch(/twilio: .*21211|not a valid phone number/);
    // The number was blamed: the contact point is marked invalid.
    const cp = await db.query<{ invalid_reason: string | null }>(
      'select invalid_reason from contact_points where id = $1',
      [bad],
    );
    expect(cp.rows[0]!.invalid_reason).not.toBeNull();
  });
});
