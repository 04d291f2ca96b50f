import { createHash } from 'node:crypto';
import type { Db } from '../db/port.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { Breakers } from './breaker.js';
import { PermanentDeliveryError, RateLimitedError } from './errors.js';
import type { Delivery, Outbox } from './outbox.js';
import type { Channel, ChannelKind, ContactAddress } from './port.js';
import type { Recipients } from './recipients.js';
import { render, type RenderContext } from './render.js';

export interface DispatcherOptions {
  db: Db;
  outbox: Outbox;
  recipients: Recipients;
  channels: ReadonlyMap<ChannelKind, Channel>;
  breakers: Breakers;
  logger: Logger;
  metrics: Metrics;
  render: Omit<RenderContext, 'timeZone'>;
  /** Public base URL providers post status callbacks to (undefined: no callbacks requested). */
  statusCallbackUrl?: (provider: string) => string | undefined;
  /** First retry delay; doubled per attempt, with jitter, capped by the priority's deadline. */
  retryBaseMs?: number;
  maxAttempts?: number;
}

const TTL_SECONDS = { critical: 3600, high: 3600, medium: 6 * 3600, low: 24 * 3600 } as const;

/** Deliveries sent together: one person, one priority, one chain; critical ones are never batched. */
function groups(deliveries: Delivery[]): Delivery[][] {
  const out = new Map<string, Delivery[]>();
  for (const d of deliveries) {
    const k =
      d.priority === 'critical'
        ? `one:${d.id}`
        : `${d.user_id}|${d.priority}|${JSON.stringify(d.chain)}|${d.channel_index}`;
    const g = out.get(k) ?? [];
    g.push(d);
    out.set(k, g);
  }
  return [...out.values()];
}

/**
 * Sends claimed deliveries through each person's channels in order of preference: transient errors
 * are retried with backoff within the priority's deadline, a rate limit waits as told, a permanent
 * error marks the contact point when the provider blames it and moves to the next channel, an open
 * circuit skips its provider. What no channel could deliver is dead-lettered with the reason.
 */
export class Dispatcher {
  private readonly points = new Map<
    number,
    { kind: ChannelKind; address: ContactAddress; invalid: boolean }
  >();

  constructor(private readonly o: DispatcherOptions) {}

  private async contactPoints(ids: number[]): Promise<void> {
    const missing = ids.filter((id) => !this.points.has(id));
    if (missing.length === 0) return;
    const r = await this.o.db.query<{
      id: number;
      kind: ChannelKind;
      address: ContactAddress;
      invalid_at: number | null;
    }>('select id, kind, address, invalid_at from contact_points where id = any($1::int[])', [missing]);
    for (const p of r.rows)
      this.points.set(p.id, { kind: p.kind, address: p.address, invalid: p.invalid_at !== null });
  }

  async dispatch(deliveries: Delivery[]): Promise<void> {
    await this.contactPoints([...new Set(deliveries.flatMap((d) => d.chain))]);
    await Promise.all(groups(deliveries).map((g) => this.sendGroup(g)));
  }

  private async sendGroup(group: Delivery[]): Promise<void> {
    const first = group[0]!;
    const ids = group.map((d) => d.id);
    const priority = first.priority;
    const heading = priority === 'low' ? 'Digest' : priority === 'medium' ? 'Alert summary' : 'Alerts';
    const message = render(
      group.map((d) => d.transition),
      { ...this.o.render, timeZone: first.time_zone },
      heading,
    );
    // Stable across retries of this message, distinct per channel tried.
    const idBase = createHash('sha256')
      .update(
        group
          .map((d) => d.key)
          .sort()
          .join('\n'),
      )
      .digest('hex')
      .slice(0, 32);
    const reasons: string[] = [];
    for (let index = first.channel_index; index < first.chain.length; index++) {
      const now = Date.now();
      const cpId = first.chain[index]!;
      const cp = this.points.get(cpId);
      const channel = cp ? this.o.channels.get(cp.kind) : undefined;
      if (!cp || cp.invalid || !channel) {
        reasons.push(
          `#${cpId}: ${!cp ? 'contact point gone' : cp.invalid ? 'contact point invalid' : `no ${cp.kind} provider configured`}`,
        );
        continue;
      }
      if (!this.o.breakers.allows(channel.provider, now)) {
        reasons.push(`${channel.provider}: circuit open`);
        continue;
      }
      const started = performance.now();
      try {
        const res = await channel.send({
          to: cp.address,
          message,
          priority,
          idempotencyKey: `${idBase}-${index}`,
          ttlSeconds: TTL_SECONDS[priority],
          statusCallbackUrl: first.fire_and_forget ? undefined : this.o.statusCallbackUrl?.(channel.provider),
        });
        this.o.breakers.success(channel.provider);
        await this.o.outbox.sent(
          ids,
          {
            provider: channel.provider,
            providerId: first.fire_and_forget ? undefined : res.providerId,
            contactPointId: cpId,
            channelIndex: index,
            messageId: idBase,
            status: res.status,
          },
          Date.now(),
        );
        this.o.metrics.notifySent.inc({ channel: cp.kind, priority }, group.length);
        for (const d of group)
          this.o.metrics.notifyLatency.observe({ priority }, (Date.now() - d.transition.ts) / 1000);
        this.o.metrics.providerRequest.observe(
          { provider: channel.provider },
          (performance.now() - started) / 1000,
        );
        return;
      } catch (e) {
        const text = (e as Error).message;
        // Adapters name themselves in their errors; say the provider once.
        const msg = text.startsWith(`${channel.provider}:`)
          ? text.slice(channel.provider.length + 1).trim()
          : text;
        if (e instanceof PermanentDeliveryError) {
          reasons.push(`${channel.provider}: ${msg}`);
          if (e.contactInvalid) {
            cp.invalid = true;
            await this.o.recipients.markInvalid(cpId, msg);
          }
          continue;
        }
        this.o.breakers.failure(channel.provider, Date.now());
        const attempt = first.attempts;
        // Whole milliseconds: due times are bigint columns.
        const wait = Math.round(
          e instanceof RateLimitedError
            ? e.retryAfterMs
            : (this.o.retryBaseMs ?? 1000) * 2 ** Math.max(0, attempt - 1) * (0.5 + Math.random()),
        );
        const maxAttempts = this.o.maxAttempts ?? 8;
        if (Date.now() + wait < first.deadline_at && attempt < maxAttempts) {
          this.o.logger.warn(
            { provider: channel.provider, attempt, waitMs: Math.round(wait), err: msg },
            'delivery failed; retrying',
          );
          await this.o.outbox.retryAt(
            ids,
            Date.now() + wait,
            index,
            `${channel.provider}: ${msg}`,
            Date.now(),
          );
          return;
        }
        reasons.push(`${channel.provider}: ${msg} (gave up after ${attempt} attempts)`);
      }
    }
    const reason = reasons.length ? reasons.join('; ') : 'no channel configured for this priority';
    await this.o.outbox.dead(ids, reason, Date.now());
    this.o.metrics.notifyDead.inc({ priority }, group.length);
    if (priority === 'critical') {
      this.o.logger.error(
        { deliveries: ids, fingerprint: first.transition.fingerprint, reason },
        'OPERATOR ALERT: a critical alert reached nobody',
      );
    } else this.o.logger.warn({ deliveries: ids, reason }, 'delivery dead-lettered');
  }
}
