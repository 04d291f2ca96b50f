import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { documented, zodValidatorCompiler } from '../api/http-schema.js';
import type { ChangeFeed } from '../bus/feed.js';
import type { Db } from '../db/port.js';
import { principalOf, requireScope } from '../iam/auth.js';
import type { CredentialVerifier } from '../iam/credentials.js';
import { DataInsightError } from '../platform/errors.js';
import { ContactPointBody, SubscriptionBody, UserBody, UserPatch } from './contacts.js';
import { PermanentDeliveryError, RateLimitedError } from './errors.js';
import type { Channel, ChannelKind, ContactAddress } from './port.js';

export interface PeopleRoutesOptions {
  db: Db;
  feed: ChangeFeed;
  verifier: CredentialVerifier;
  /** Configured channels, for test messages. */
  channels: ReadonlyMap<ChannelKind, Channel>;
  /** The VAPID public key browsers subscribe with (unset: no Web Push on this deployment). */
  vapidPublicKey?: string;
}

/** A person's id, or `me`: the signed-in person (self-service from the web app). */
const personId = z.union([z.literal('me'), z.coerce.number().int().positive()]);
const IdParams = z.strictObject({ id: personId });
const NestedParams = z.strictObject({ id: personId, itemId: z.coerce.number().int().positive() });
const DeliveriesQuery = z.strictObject({
  status: z
    .enum(['scheduled', 'sending', 'sent', 'delivered', 'read', 'failed', 'undelivered', 'cancelled', 'dead'])
    .optional(),
  fingerprint: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/**
 * People of a tenant and how they are told (contact points, subscriptions, quiet hours, digest), and
 * the delivery log with its dead letters. Admins manage everyone's; each person manages their own
 * through /users/me/... (the web app's "My notifications" page).
 */
export function peopleRoutes(o: PeopleRoutesOptions): FastifyPluginAsync {
  return async (app) => {
    app.setValidatorCompiler(zodValidatorCompiler);
    const admin = requireScope(o.verifier, 'admin');
    const read = requireScope(o.verifier, 'read');
    const changed = (tenantId: number) => o.feed.publish('subscriptions', { tenantId });

    /**
     * The person a /users/:id route acts on: `me` is the signed-in person. Admins manage everyone;
     * anyone else only their own contact points, subscriptions and preferences (phone numbers and
     * chat ids are personal, so reading another's needs admin too).
     */
    const person = (req: FastifyRequest): number => {
      const p = principalOf(req);
      const { id } = req.params as { id: 'me' | number };
      const userId = id === 'me' ? p.userId : id;
      if (userId === undefined)
        throw new DataInsightError('DI_BAD_REQUEST', 'id: "me" needs a signed-in person, not an API token', {
          field: 'id',
        });
      if (userId !== p.userId && !p.scopes.includes('admin'))
        throw new DataInsightError(
          'DI_FORBIDDEN',
          "only an admin may see or change another person's notifications",
        );
      return userId;
    };

    /** The user, if a member of the caller's tenant; 404 otherwise (never reveal other tenants'). */
    const member = async (tenantId: number, userId: number): Promise<void> => {
      const r = await o.db.query('select 1 from memberships where tenant_id = $1 and user_id = $2', [
        tenantId,
        userId,
      ]);
      if (r.rowCount === 0)
        throw new DataInsightError('DI_NOT_FOUND', `no user ${userId} in this tenant`, { field: 'id' });
    };

    app.post(
      '/users',
      { preHandler: admin, schema: { summary: 'Add a person to the tenant', body: documented(UserBody) } },
      async (req, reply) => {
        const { tenantId } = principalOf(req);
        const b = req.body as z.output<typeof UserBody>;
        const user = await o.db.transaction(async (tx) => {
          const u = await tx.query<{ id: number }>(
            `insert into users (email, name, timezone, quiet_hours, digest) values ($1, $2, $3, $4, $5)
           on conflict (email) do update set email = excluded.email returning id`,
            [
              b.email.toLowerCase(),
              b.name,
              b.timezone,
              b.quietHours ? JSON.stringify(b.quietHours) : null,
              JSON.stringify(b.digest),
            ],
          );
          await tx.query(
            `insert into memberships (user_id, tenant_id, role) values ($1, $2, 'viewer') on conflict do nothing`,
            [u.rows[0]!.id, tenantId],
          );
          return u.rows[0]!;
        });
        return reply.status(201).send({ id: user.id, ...b });
      },
    );

    app.get(
      '/push/public-key',
      {
        preHandler: read,
        schema: { summary: 'The VAPID public key to subscribe a browser to Web Push with' },
      },
      async () => {
        if (!o.vapidPublicKey)
          throw new DataInsightError(
            'DI_NOT_FOUND',
            'Web Push is not configured on this deployment (VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY)',
          );
        return { publicKey: o.vapidPublicKey };
      },
    );

    app.get('/users', { preHandler: read, schema: { summary: 'People of the tenant' } }, async (req) => {
      const r = await o.db.query(
        `select u.id, u.email, u.name, u.timezone, u.quiet_hours as "quietHours", u.digest, m.role from users u join memberships m on m.user_id = u.id
         where m.tenant_id = $1 order by u.email`,
        [principalOf(req).tenantId],
      );
      return { users: r.rows };
    });

    app.patch(
      '/users/:id',
      {
        preHandler: read,
        schema: {
          summary: 'Change time zone, quiet hours or digest',
          params: documented(IdParams),
          body: documented(UserPatch),
        },
      },
      async (req) => {
        const { tenantId } = principalOf(req);
        const id = person(req);
        await member(tenantId, id);
        const b = req.body as z.output<typeof UserPatch>;
        await o.db.query(
          `update users set name = coalesce($2, name), timezone = coalesce($3, timezone),
           quiet_hours = case when $4::boolean then $5::jsonb else quiet_hours end, digest = coalesce($6::jsonb, digest) where id = $1`,
          [
            id,
            b.name ?? null,
            b.timezone ?? null,
            b.quietHours !== undefined,
            b.quietHours ? JSON.stringify(b.quietHours) : null,
            b.digest ? JSON.stringify(b.digest) : null,
          ],
        );
        await changed(tenantId);
        return { id, ...b };
      },
    );

    app.post(
      '/users/:id/contact-points',
      {
        preHandler: read,
        schema: {
          summary: 'Add a contact point (email, phone, WhatsApp, Telegram chat, push subscription, webhook)',
          params: documented(IdParams),
          body: documented(ContactPointBody),
        },
      },
      async (req, reply) => {
        const { tenantId } = principalOf(req);
        const id = person(req);
        await member(tenantId, id);
        const b = req.body as z.output<typeof ContactPointBody>;
        const r = await o.db.query<{ id: number }>(
          'insert into contact_points (tenant_id, user_id, kind, address, label) values ($1, $2, $3, $4, $5) returning id',
          [tenantId, id, b.kind, JSON.stringify({ kind: b.kind, ...b.address }), b.label],
        );
        await changed(tenantId);
        return reply.status(201).send({ id: r.rows[0]!.id, kind: b.kind, label: b.label });
      },
    );

    app.get(
      '/users/:id/contact-points',
      {
        preHandler: read,
        schema: { summary: 'Contact points of a person, with their validity', params: documented(IdParams) },
      },
      async (req) => {
        const { tenantId } = principalOf(req);
        const id = person(req);
        await member(tenantId, id);
        // Secrets of webhooks stay server-side.
        const r = await o.db.query(
          `select id, kind, address - 'secret' as address, label, verified, invalid_reason as "invalidReason", invalid_at as "invalidAt"
         from contact_points where tenant_id = $1 and user_id = $2 order by id`,
          [tenantId, id],
        );
        return { contactPoints: r.rows };
      },
    );

    app.delete(
      '/users/:id/contact-points/:itemId',
      { preHandler: read, schema: { params: documented(NestedParams) } },
      async (req, reply) => {
        const { tenantId } = principalOf(req);
        const id = person(req);
        const { itemId } = req.params as z.output<typeof NestedParams>;
        const r = await o.db.query(
          'delete from contact_points where tenant_id = $1 and user_id = $2 and id = $3',
          [tenantId, id, itemId],
        );
        if (r.rowCount === 0)
          throw new DataInsightError('DI_NOT_FOUND', `no contact point ${itemId}`, { field: 'itemId' });
        await changed(tenantId);
        return reply.status(204).send();
      },
    );

    app.post(
      '/users/:id/contact-points/:itemId/test',
      {
        preHandler: read,
        schema: { summary: 'Send a test message to a contact point now', params: documented(NestedParams) },
      },
      async (req) => {
        const { tenantId } = principalOf(req);
        const id = person(req);
        const { itemId } = req.params as z.output<typeof NestedParams>;
        const r = await o.db.query<{ kind: ChannelKind; address: ContactAddress }>(
          'select kind, address from contact_points where tenant_id = $1 and user_id = $2 and id = $3',
          [tenantId, id, itemId],
        );
        const cp = r.rows[0];
        if (!cp)
          throw new DataInsightError('DI_NOT_FOUND', `no contact point ${itemId}`, { field: 'itemId' });
        const channel = o.channels.get(cp.kind);
        if (!channel)
          throw new DataInsightError(
            'DI_CONFLICT',
            `no ${cp.kind} provider is configured on this deployment`,
            { field: 'kind' },
          );
        const text = 'DataInsight test message: this contact point receives alerts.';
        try {
          const res = await channel.send({
            to: cp.address,
            message: {
              subject: 'DataInsight test message',
              text,
              html: `<p>${text}</p>`,
              json: { type: 'test', text },
            },
            priority: 'low',
            idempotencyKey: `test-${itemId}-${Date.now()}`,
            ttlSeconds: 600,
          });
          await o.db.query(
            'update contact_points set verified = true, invalid_reason = null, invalid_at = null where id = $1',
            [itemId],
          );
          return { sent: true, provider: channel.provider, providerId: res.providerId ?? null };
        } catch (e) {
          const reason = (e as Error).message;
          if (e instanceof PermanentDeliveryError && e.contactInvalid) {
            await o.db.query('update contact_points set invalid_reason = $2, invalid_at = $3 where id = $1', [
              itemId,
              reason,
              Date.now(),
            ]);
          }
          return {
            sent: false,
            provider: channel.provider,
            reason,
            retryable: !(e instanceof PermanentDeliveryError),
            ...(e instanceof RateLimitedError ? { retryAfterMs: e.retryAfterMs } : {}),
          };
        }
      },
    );

    app.post(
      '/users/:id/subscriptions',
      {
        preHandler: read,
        schema: {
          summary: 'Subscribe a person to a scope with channels per priority',
          params: documented(IdParams),
          body: documented(SubscriptionBody),
        },
      },
      async (req, reply) => {
        const { tenantId } = principalOf(req);
        const id = person(req);
        await member(tenantId, id);
        const b = req.body as z.output<typeof SubscriptionBody>;
        const ids = [...new Set(Object.values(b.channels).flat())];
        if (b.escalation) {
          const esc = await o.db.query<{ id: number }>(
            'select id from contact_points where tenant_id = $1 and id = any($2::int[])',
            [tenantId, b.escalation.contactPoints],
          );
          const unknown = b.escalation.contactPoints.find((x) => !esc.rows.some((r) => r.id === x));
          if (unknown !== undefined)
            throw new DataInsightError(
              'DI_VALIDATION',
              `escalation contact point ${unknown} is not in this tenant`,
              { field: 'escalation.contactPoints' },
            );
        }
        const own = await o.db.query<{ id: number }>(
          'select id from contact_points where tenant_id = $1 and user_id = $2 and id = any($3::int[])',
          [tenantId, id, ids],
        );
        const missing = ids.filter((x) => !own.rows.some((r) => r.id === x));
        if (missing.length)
          throw new DataInsightError(
            'DI_VALIDATION',
            `contact point ${missing[0]} is not one of this person's`,
            { field: 'channels' },
          );
        const r = await o.db.query<{ id: number }>(
          'insert into subscriptions (tenant_id, user_id, scope, min_priority, channels, fire_and_forget, escalation) values ($1, $2, $3, $4, $5, $6, $7) returning id',
          [
            tenantId,
            id,
            JSON.stringify(b.scope),
            b.minPriority,
            JSON.stringify(b.channels),
            b.fireAndForget,
            b.escalation ? JSON.stringify(b.escalation) : null,
          ],
        );
        await changed(tenantId);
        return reply.status(201).send({ id: r.rows[0]!.id, ...b });
      },
    );

    app.get(
      '/users/:id/subscriptions',
      { preHandler: read, schema: { params: documented(IdParams) } },
      async (req) => {
        const { tenantId } = principalOf(req);
        const id = person(req);
        await member(tenantId, id);
        const r = await o.db.query(
          `select id, scope, min_priority as "minPriority", channels, fire_and_forget as "fireAndForget", escalation from subscriptions where tenant_id = $1 and user_id = $2 order by id`,
          [tenantId, id],
        );
        return { subscriptions: r.rows };
      },
    );

    app.delete(
      '/users/:id/subscriptions/:itemId',
      { preHandler: read, schema: { params: documented(NestedParams) } },
      async (req, reply) => {
        const { tenantId } = principalOf(req);
        const id = person(req);
        const { itemId } = req.params as z.output<typeof NestedParams>;
        const r = await o.db.query(
          'delete from subscriptions where tenant_id = $1 and user_id = $2 and id = $3',
          [tenantId, id, itemId],
        );
        if (r.rowCount === 0)
          throw new DataInsightError('DI_NOT_FOUND', `no subscription ${itemId}`, { field: 'itemId' });
        await changed(tenantId);
        return reply.status(204).send();
      },
    );

    app.get(
      '/deliveries',
      {
        preHandler: read,
        schema: {
          summary: 'Delivery log (status=dead lists what no channel could deliver, with the reason)',
          querystring: documented(DeliveriesQuery),
        },
      },
      async (req) => {
        const q = req.query as z.output<typeof DeliveriesQuery>;
        const r = await o.db.query(
          `select d.id, d.user_id as "userId", d.priority, d.kind, d.fingerprint, d.fired_at as "firedAt", d.status, d.due_at as "dueAt",
                d.provider, d.provider_id as "providerId", d.contact_point_id as "contactPointId", d.attempts, d.last_error as "lastError",
                d.created_at as "createdAt", d.sent_at as "sentAt"
         from deliveries d where d.tenant_id = $1 and ($2::text is null or d.status = $2) and ($3::text is null or d.fingerprint = $3)
         order by d.id desc limit $4`,
          [principalOf(req).tenantId, q.status ?? null, q.fingerprint ?? null, q.limit],
        );
        return { deliveries: r.rows };
      },
    );
  };
}
