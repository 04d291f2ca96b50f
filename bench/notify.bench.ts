/**
 * Notifications: dispatch throughput (messages/s through the outbox and the webhook channel to a
 * local receiver) beside plain HTTP POSTs to the same receiver from the same process; and the full
 * critical path, MQTT publish -> SMS request received at a local Twilio, p50/p99, while 10,000
 * readings/s flow.
 */
import type { AlertTransition } from '../src/alerting/engine/transition.js';
import { Breakers } from '../src/notify/breaker.js';
import { createWebhookChannel } from '../src/notify/channels/webhook/webhook.js';
import { Dispatcher } from '../src/notify/dispatcher.js';
import { Outbox } from '../src/notify/outbox.js';
import { Recipients, type Recipient } from '../src/notify/recipients.js';
import { DEFAULT_POLICY } from '../src/notify/schedule.js';
import { Metrics } from '../src/platform/metrics.js';
import { silentLogger } from '../src/platform/logger.js';
import { PgliteDb } from '../src/db/pglite.js';
import { migrate } from '../src/db/migrate.js';
import { startFakeTwilio } from '../test/support/providers/twilio.js';
import { startWebhookReceiver } from '../test/support/providers/webhook-receiver.js';
import { distributedCriticalPath, embeddedCriticalPath, type CriticalPath } from './critical-path.js';
import { arrivalsFrom, probeLatency } from './probe.js';
import type { BenchContext, BenchRow, BenchSuite } from './table.js';

async function dispatchThroughput(ctx: BenchContext): Promise<BenchRow[]> {
  const receiver = await startWebhookReceiver();
  const db = await PgliteDb.open(undefined);
  try {
    await migrate(db);
    const tenantId = (
      await db.query<{ id: number }>(`insert into tenants (slug, name) values ('bench', 'b') returning id`)
    ).rows[0]!.id;
    const users = 50;
    const recipients: Recipient[] = [];
    for (let u = 0; u < users; u++) {
      const id = (
        await db.query<{ id: number }>(`insert into users (email) values ($1) returning id`, [
          `u${u}@bench.test`,
        ])
      ).rows[0]!.id;
      const cp = (
        await db.query<{ id: number }>(
          `insert into contact_points (tenant_id, user_id, kind, address) values ($1, $2, 'webhook', $3) returning id`,
          [
            tenantId,
            id,
            JSON.stringify({
              kind: 'webhook',
              url: receiver.url(`/u${u}`),
              secret: 'bench-secret-0123456789',
            }),
          ],
        )
      ).rows[0]!.id;
      recipients.push({
        userId: id,
        subscriptionId: 0,
        timeZone: 'UTC',
        quietHours: null,
        digest: { every: 'day', at: '08:00' },
        chain: [
          { id: cp, kind: 'webhook', address: { kind: 'webhook', url: '', secret: '' }, invalid: false },
        ],
        fireAndForget: false,
      });
    }
    const outbox = new Outbox(db);
    const messages = Math.round(5000 * ctx.scale);
    const now = Date.now();
    ctx.progress(`dispatch: planning ${messages} critical deliveries`);
    for (let i = 0; i < messages / users; i++) {
      const t: AlertTransition = {
        v: 1,
        key: `k${i}`,
        kind: 'firing',
        ts: now,
        firedAt: now + i,
        value: 1,
        title: 't',
        action: 'a',
        tenantId,
        tenant: 'bench',
        ruleId: 'r',
        priority: 'critical',
        fingerprint: `f${i}`,
        location: 'l',
        asset: 'a',
        sensor: 's',
        parameter: 'p',
      };
      await outbox.enqueue(t, recipients, DEFAULT_POLICY, now);
    }
    const dispatcher = new Dispatcher({
      db,
      outbox,
      recipients: new Recipients(db),
      channels: new Map([['webhook', createWebhookChannel({ timeoutMs: 10_000 })]]),
      breakers: new Breakers(),
      logger: silentLogger(),
      metrics: new Metrics(),
      render: { appUrl: 'http://bench' },
    });
    const before = receiver.received.length;
    const t0 = performance.now();
    for (;;) {
      const due = await outbox.claimDue(Date.now(), 200);
      if (due.length === 0) break;
      await dispatcher.dispatch(due);
    }
    const ours = (receiver.received.length - before) / ((performance.now() - t0) / 1000);
    // Raw: the same number of signed-size JSON POSTs, 200 at a time, straight to the receiver.
    const body = JSON.stringify({ type: 'alert.firing', alert: { title: 't', asset: 'a', location: 'l' } });
    const r0 = performance.now();
    for (let i = 0; i < messages; i += 200) {
      await Promise.all(
        Array.from({ length: Math.min(200, messages - i) }, (_, k) =>
          fetch(receiver.url(`/raw${(i + k) % users}`), {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          }).then((r) => r.arrayBuffer()),
        ),
      );
    }
    const raw = messages / ((performance.now() - r0) / 1000);
    return [
      {
        suite: 'notify',
        metric: 'dispatch: outbox -> webhook channel (PGlite)',
        unit: 'messages/s',
        ours,
        raw,
        note: `${messages} messages, 50 people`,
      },
    ];
  } finally {
    await db.close();
    await receiver.close();
  }
}

const TWILIO = { accountSid: 'AC00000000000000000000000000000099', authToken: 'bench-twilio-token' };

async function smsPath(
  ctx: BenchContext,
  label: string,
  open: (sms: {
    baseUrl: string;
    accountSid: string;
    authToken: string;
  }) => Promise<CriticalPath | undefined>,
): Promise<BenchRow[]> {
  const twilio = await startFakeTwilio(TWILIO);
  const seen = new Map<string, number>();
  // Time of arrival, taken when the request reaches the provider (before it answers).
  twilio.respondWith((req) => {
    const m = /hot (\d+)/.exec(req.body.Body ?? '');
    if (m) seen.set(m[1]!, performance.now());
    return undefined;
  });
  const path = await open({ baseUrl: twilio.baseUrl, ...TWILIO });
  if (!path) {
    await twilio.close();
    return [];
  }
  try {
    return await probeLatency(ctx, {
      ...path,
      suite: 'notify',
      metric: `critical: MQTT publish -> SMS request at the provider (${label})`,
      target: { p99Ms: 10 },
      arrivals: arrivalsFrom(
        seen,
        (p) => String(p.value),
        async () => undefined,
      ),
    });
  } finally {
    await path.close();
    await twilio.close();
  }
}

export const notifyBench: BenchSuite = async (ctx) => [
  ...(await dispatchThroughput(ctx)),
  ...(await smsPath(ctx, 'embedded', (sms) => embeddedCriticalPath(sms))),
  ...(ctx.databaseUrl && ctx.redisUrl
    ? await smsPath(ctx, 'distributed', (sms) =>
        distributedCriticalPath(ctx.databaseUrl!, ctx.redisUrl!, sms),
      )
    : []),
];
