import type { AlertTransition } from '../alerting/engine/transition.js';
import type { Db, Queryable } from '../db/port.js';
import type { DeliveryStatus } from './port.js';
import type { Recipient } from './recipients.js';
import { schedule, type SchedulePolicy } from './schedule.js';

export interface Delivery {
  id: number;
  tenant_id: number;
  key: string;
  user_id: number;
  transition: AlertTransition;
  priority: AlertTransition['priority'];
  status: DeliveryStatus;
  due_at: number;
  deadline_at: number;
  chain: number[];
  time_zone: string;
  channel_index: number;
  attempts: number;
  fire_and_forget: boolean;
}

/** Provider statuses only move forward: a late "sent" never overwrites "delivered". */
const RANK: Record<DeliveryStatus, number> = {
  scheduled: 0,
  sending: 1,
  sent: 2,
  failed: 3,
  undelivered: 3,
  delivered: 4,
  read: 5,
  cancelled: 6,
  dead: 6,
};

/**
 * The durable outbox: every person's delivery of every transition is a row before anything is sent,
 * unique by key, so a restart loses nothing and a redelivered transition plans nothing twice.
 */
export class Outbox {
  constructor(private readonly db: Db) {}

  private async event(
    q: Queryable,
    ids: number[],
    status: string,
    detail: Record<string, unknown>,
    now: number,
  ): Promise<void> {
    if (ids.length === 0) return;
    await q.query(
      `insert into delivery_events (delivery_id, ts, status, detail) select id, $2, $3, $4 from unnest($1::bigint[]) as id`,
      [ids, now, status, JSON.stringify(detail)],
    );
  }

  /**
   * Plan a transition for its recipients; returns the deliveries created (none for a redelivered
   * transition). A resolved transition cancels what of its alert is still waiting; it is announced only
   * to people who were told it fired.
   */
  async enqueue(
    t: AlertTransition,
    recipients: Recipient[],
    policy: SchedulePolicy,
    now: number,
  ): Promise<Delivery[]> {
    return this.db.transaction(async (tx) => {
      const created: Delivery[] = [];
      for (const r of recipients) {
        if (t.kind === 'resolved' || t.kind === 'acknowledged') {
          const cancelled = await tx.query<{ id: number }>(
            `update deliveries set status = 'cancelled', updated_at = $4 where fingerprint = $1 and fired_at = $2 and user_id = $3
               and status = 'scheduled' and kind in ('firing', 'renotify', 'flapping', 'escalation') returning id`,
            [t.fingerprint, t.firedAt, r.userId, now],
          );
          await this.event(
            tx,
            cancelled.rows.map((x) => x.id),
            'cancelled',
            { by: t.kind },
            now,
          );
          const told = await tx.query(
            `select 1 from deliveries where fingerprint = $1 and fired_at = $2 and user_id = $3 and kind = 'firing'
               and status in ('sending', 'sent', 'delivered', 'read', 'failed', 'undelivered') limit 1`,
            [t.fingerprint, t.firedAt, r.userId],
          );
          if (told.rowCount === 0) continue;
        }
        const open =
          t.priority === 'high' || t.priority === 'medium' || t.priority === 'low'
            ? await tx.query<{ due: number | null }>(
                `select min(due_at) as due from deliveries where user_id = $1 and priority = $2 and status = 'scheduled' and due_at >= $3`,
                [r.userId, t.priority, now],
              )
            : undefined;
        const s = schedule(
          {
            priority: t.priority,
            now,
            timeZone: r.timeZone,
            quietHours: r.quietHours,
            digest: r.digest,
            openGroupDueAt: open?.rows[0]?.due ?? undefined,
          },
          policy,
        );
        const ins = await tx.query<Delivery>(
          `insert into deliveries (tenant_id, key, user_id, subscription_id, transition, priority, fingerprint, fired_at, kind, status, due_at, deadline_at, chain, time_zone, fire_and_forget, created_at, updated_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'scheduled', $10, $11, $12, $13, $14, $15, $15)
           on conflict (key) do nothing
           returning id, tenant_id, key, user_id, transition, priority, status, due_at, deadline_at, chain, time_zone, channel_index, attempts, fire_and_forget`,
          [
            t.tenantId,
            `${t.key}|${r.userId}`,
            r.userId,
            r.subscriptionId,
            JSON.stringify(t),
            t.priority,
            t.fingerprint,
            t.firedAt,
            t.kind,
            s.dueAt,
            s.deadlineAt,
            JSON.stringify(r.chain.map((c) => c.id)),
            r.timeZone,
            r.fireAndForget,
            now,
          ],
        );
        if (ins.rows[0]) {
          created.push(ins.rows[0]);
          await this.event(tx, [ins.rows[0].id], 'scheduled', { dueAt: s.dueAt }, now);
        }
        if (t.kind === 'firing' && r.escalation && r.escalation.chain.length > 0)
          await this.planEscalation(tx, t, r, now);
      }
      return created;
    });
  }

  /**
   * A critical alert nobody acknowledges in time goes further (the next channel, or another person):
   * a delivery due after the escalation delay, cancelled like any waiting one when the alert is
   * acknowledged or resolved.
   */
  private async planEscalation(tx: Queryable, t: AlertTransition, r: Recipient, now: number): Promise<void> {
    const esc = r.escalation!;
    const due = now + esc.afterMs;
    const minutes = Math.round(esc.afterMs / 60_000);
    const transition = { ...t, title: `Not acknowledged for ${minutes} min: ${t.title}` };
    const ins = await tx.query<{ id: number }>(
      `insert into deliveries (tenant_id, key, user_id, subscription_id, transition, priority, fingerprint, fired_at, kind, status, due_at, deadline_at, chain, time_zone, created_at, updated_at)
       values ($1, $2, $3, $4, $5, 'critical', $6, $7, 'escalation', 'scheduled', $8, $9, $10, $11, $12, $12)
       on conflict (key) do nothing returning id`,
      [
        t.tenantId,
        `${t.key}|${r.userId}|escalation`,
        r.userId,
        r.subscriptionId,
        JSON.stringify(transition),
        t.fingerprint,
        t.firedAt,
        due,
        due + 5 * 60_000,
        JSON.stringify(esc.chain.map((c) => c.id)),
        r.timeZone,
        now,
      ],
    );
    if (ins.rows[0])
      await this.event(tx, [ins.rows[0].id], 'scheduled', { dueAt: due, escalation: true }, now);
  }

  /** Take due deliveries for sending (skip-locked, so several notifiers share the outbox). */
  async claimDue(now: number, limit: number, ids?: number[]): Promise<Delivery[]> {
    const r = await this.db.query<Delivery>(
      `update deliveries set status = 'sending', attempts = attempts + 1, updated_at = $1
       where id in (select id from deliveries where status = 'scheduled' and due_at <= $1 and ($3::bigint[] is null or id = any($3))
                    order by due_at limit $2 for update skip locked)
       returning id, tenant_id, key, user_id, transition, priority, status, due_at, deadline_at, chain, time_zone, channel_index, attempts, fire_and_forget`,
      [now, limit, ids ?? null],
    );
    return r.rows;
  }

  /** After a crash, deliveries left in 'sending' go back to the queue (providers' idempotency keys guard the resend). */
  async recoverStuck(olderThan: number): Promise<number> {
    const r = await this.db.query(
      `update deliveries set status = 'scheduled', updated_at = $1 where status = 'sending' and updated_at < $1`,
      [olderThan],
    );
    return r.rowCount;
  }

  async sent(
    ids: number[],
    s: {
      provider: string;
      providerId?: string;
      contactPointId: number;
      channelIndex: number;
      messageId: string;
      status: 'sent' | 'delivered';
    },
    now: number,
  ): Promise<void> {
    await this.db.query(
      `update deliveries set status = $2, provider = $3, provider_id = $4, contact_point_id = $5, channel_index = $6, message_id = $7, sent_at = $8, updated_at = $8, last_error = null
       where id = any($1::bigint[])`,
      [ids, s.status, s.provider, s.providerId ?? null, s.contactPointId, s.channelIndex, s.messageId, now],
    );
    await this.event(
      this.db,
      ids,
      s.status,
      { provider: s.provider, providerId: s.providerId, contactPointId: s.contactPointId },
      now,
    );
  }

  async retryAt(
    ids: number[],
    dueAt: number,
    channelIndex: number,
    error: string,
    now: number,
  ): Promise<void> {
    await this.db.query(
      `update deliveries set status = 'scheduled', due_at = $2, channel_index = $3, last_error = $4, updated_at = $5 where id = any($1::bigint[])`,
      [ids, dueAt, channelIndex, error, now],
    );
    await this.event(this.db, ids, 'retry', { dueAt, channelIndex, error }, now);
  }

  async dead(ids: number[], reason: string, now: number): Promise<void> {
    await this.db.query(
      `update deliveries set status = 'dead', last_error = $2, updated_at = $3 where id = any($1::bigint[])`,
      [ids, reason, now],
    );
    await this.event(this.db, ids, 'dead', { reason }, now);
  }

  /** A provider status callback; returns the deliveries it moved (never backwards). */
  async applyStatus(
    provider: string,
    providerId: string,
    status: DeliveryStatus,
    detail: Record<string, unknown>,
    now: number,
  ): Promise<{ id: number; contact_point_id: number | null }[]> {
    const forward = Object.entries(RANK)
      .filter(([, r]) => r < RANK[status])
      .map(([s]) => s);
    const r = await this.db.query<{ id: number; contact_point_id: number | null }>(
      `update deliveries set status = $3, updated_at = $4 where provider = $1 and provider_id = $2 and status = any($5::text[]) returning id, contact_point_id`,
      [provider, providerId, status, now, forward],
    );
    await this.event(
      this.db,
      r.rows.map((x) => x.id),
      status,
      detail,
      now,
    );
    return r.rows;
  }
}
