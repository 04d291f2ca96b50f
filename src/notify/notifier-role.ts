import { PRIORITIES, type Priority } from '../alerting/domain/rule.js';
import {
  ALERT_STREAM_SPEC,
  ALERT_STREAMS,
  defineAlertStreams,
  type AlertTransition,
} from '../alerting/engine/transition.js';
import { consumeStream } from '../runtime/consume.js';
import type { RoleStarter } from '../runtime/role.js';
import { Breakers } from './breaker.js';
import { buildChannels } from './channels/index.js';
import { Dispatcher } from './dispatcher.js';
import { Outbox } from './outbox.js';
import { Recipients } from './recipients.js';
import { DEFAULT_POLICY, type SchedulePolicy } from './schedule.js';

export const NOTIFIER_GROUP = 'notifier';

/**
 * The notifier role: one consumer per alert stream, so a flood of low and medium alerts never delays
 * a critical one. Each transition becomes a delivery per subscribed person in the durable outbox;
 * critical deliveries are sent at once, the others when due (batches, groups, digests) by the
 * dispatch loop, which any number of notifier processes share (rows are claimed skip-locked).
 */
export const startNotifier: RoleStarter = async (rt) => {
  const { config } = rt;
  const log = rt.logger.child({ role: 'notifier' });
  defineAlertStreams(rt.bus);
  const channels = buildChannels(config, log);
  const recipients = new Recipients(rt.db);
  const outbox = new Outbox(rt.db);
  const dispatcher = new Dispatcher({
    db: rt.db,
    outbox,
    recipients,
    channels,
    breakers: new Breakers(),
    logger: log,
    metrics: rt.metrics,
    render: {
      appUrl: config.publicUrl,
      whatsappTemplate: {
        name: config.whatsappTemplate.split(':')[0]!,
        language: config.whatsappTemplate.split(':')[1]!,
      },
    },
    statusCallbackUrl: (provider) => `${config.publicUrl.replace(/\/$/, '')}/api/v1/webhooks/${provider}`,
  });
  const policy: SchedulePolicy = {
    ...DEFAULT_POLICY,
    highWindowMs: config.notifyHighWindowMs,
    mediumDelayMs: config.notifyMediumDelayMs,
  };
  const offFeed = await rt.feed.subscribe('subscriptions', (m) =>
    recipients.invalidate((m as { tenantId?: number }).tenantId),
  );
  /**
   * A delivery still 'sending' after this long was claimed by a notifier that died (provider calls
   * time out after 10 s): it goes back to the queue, for this or another notifier.
   */
  const STUCK_AFTER_MS = 30_000;
  let lastRecovery = 0;

  const plan = async (priority: Priority, entries: { payload: string }[]): Promise<void> => {
    const now = Date.now();
    const created = [];
    for (const e of entries) {
      const t = JSON.parse(e.payload) as AlertTransition;
      created.push(...(await outbox.enqueue(t, await recipients.of(t), policy, now)));
    }
    // Critical: straight to the providers, before the stream entry is acknowledged.
    if (priority === 'critical' && created.length)
      await dispatcher.dispatch(
        await outbox.claimDue(
          Date.now(),
          created.length,
          created.map((d) => d.id),
        ),
      );
  };

  const consumers = PRIORITIES.map((priority) => {
    const stream = { name: ALERT_STREAMS[priority], ...ALERT_STREAM_SPEC };
    return consumeStream(rt, {
      stream,
      group: NOTIFIER_GROUP,
      handle: (entries) => plan(priority, entries),
      logger: log,
      batchSize: priority === 'critical' ? 50 : 500,
    });
  });
  for (const p of PRIORITIES) await rt.bus.ensureGroup(ALERT_STREAMS[p], NOTIFIER_GROUP);
  for (const c of consumers) c.start();

  let stopped = false;
  let loop: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    loop = loop.then(async () => {
      if (stopped) return;
      try {
        if (Date.now() - lastRecovery > 5000) {
          lastRecovery = Date.now();
          const n = await outbox.recoverStuck(lastRecovery - STUCK_AFTER_MS);
          if (n)
            log.warn({ deliveries: n }, 'deliveries left mid-send by a stopped notifier are queued again');
        }
        for (;;) {
          const due = await outbox.claimDue(Date.now(), 200);
          if (due.length === 0) break;
          await dispatcher.dispatch(due);
        }
      } catch (e) {
        log.error({ err: e }, 'dispatch loop failed; retrying');
      }
    });
  }, 500);
  timer.unref();

  return {
    describe: () => [
      `notifier: channels ${[...channels.keys()].join(', ') || '(none configured)'}; consuming ${Object.values(ALERT_STREAMS).join(', ')}`,
    ],
    async close() {
      stopped = true;
      clearInterval(timer);
      await offFeed();
      await Promise.all(consumers.map((c) => c.close()));
      await loop;
      for (const ch of channels.values()) await ch.close?.();
    },
  };
};
