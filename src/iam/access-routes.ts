/**
 * Access to a tenant, managed by its admins: API tokens for integrations (scoped; the token is shown
 * once and only its hash kept), MQTT device credentials (the password likewise), and people's roles
 * (with an initial password so they can sign in). Everything is scoped to the caller's tenant: another
 * tenant's token, device or person is a 404. A revoked credential stops working at once in this
 * process and within the verifier's cache time (10 s) in the others.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { documented, zodValidatorCompiler } from '../api/http-schema.js';
import type { ChangeFeed } from '../bus/feed.js';
import type { Db } from '../db/port.js';
import { KEY_PATTERN } from '../ingest/parse/validate.js';
import { DataInsightError } from '../platform/errors.js';
import { principalOf, requireScope } from './auth.js';
import { REVOCATIONS_CHANNEL, type CredentialVerifier, type Revocation } from './credentials.js';
import { MEMBER_ROLES } from './roles.js';
import { hashSecret } from './secrets.js';
import { TOKEN_SCOPES, createApiToken, createDeviceCredential } from './tenants.js';
import { setMembership, setPassword, userById } from './users.js';

export interface AccessRoutesOptions {
  db: Db;
  feed: ChangeFeed;
  verifier: CredentialVerifier;
  now?: () => number;
}

const TokenBody = z.strictObject({
  name: z.string().trim().min(1, { error: 'must not be empty' }).max(100),
  scopes: z.array(z.enum(TOKEN_SCOPES, { error: `must be one of ${TOKEN_SCOPES.join(', ')}` })).min(1, {
    error: 'give at least one scope',
  }),
});
const DeviceBody = z.strictObject({
  username: z
    .string()
    .regex(KEY_PATTERN, { error: 'letters, digits, . _ - (1 to 64), starting with a letter or digit' }),
});
const AccessBody = z.strictObject({
  role: z.enum(MEMBER_ROLES, { error: `must be one of ${MEMBER_ROLES.join(', ')}` }),
  password: z
    .string()
    .optional()
    .describe('An initial password, so the person can sign in (they can change it)'),
});
const IdParams = z.strictObject({ id: z.coerce.number().int().positive() });
const DeviceParams = z.strictObject({ username: z.string().min(1) });

export function accessRoutes(o: AccessRoutesOptions): FastifyPluginAsync {
  const now = o.now ?? Date.now;
  return async (app) => {
    app.setValidatorCompiler(zodValidatorCompiler);
    const admin = requireScope(o.verifier, 'admin');
    const tags = ['access'];
    /** Here at once; in every other process as soon as the feed delivers (their caches expire anyway). */
    const revoke = async (r: Revocation): Promise<void> => {
      if (r.tokenHash) o.verifier.forgetToken(r.tokenHash);
      if (r.device) o.verifier.forgetDevice(r.device);
      if (r.sessionIds) o.verifier.forgetSessionIds(r.sessionIds);
      await o.feed.publish(REVOCATIONS_CHANNEL, r);
    };

    app.get(
      '/tokens',
      {
        preHandler: admin,
        schema: { tags, summary: 'API tokens of your tenant (never the tokens themselves)' },
      },
      async (req) => {
        const r = await o.db.query(
          `select id, name, scopes, created_at as "createdAt", revoked_at as "revokedAt" from api_tokens where tenant_id = $1 order by id`,
          [principalOf(req).tenantId],
        );
        return { tokens: r.rows };
      },
    );

    app.post(
      '/tokens',
      {
        preHandler: admin,
        schema: {
          tags,
          summary: 'Create an API token: the token is in this answer only',
          body: documented(TokenBody),
        },
      },
      async (req, reply) => {
        const { tenantId } = principalOf(req);
        const b = req.body as z.output<typeof TokenBody>;
        const token = await createApiToken(o.db, tenantId, b.name, [...new Set(b.scopes)]);
        const r = await o.db.query<{ id: number }>('select id from api_tokens where token_hash = $1', [
          hashSecret(token),
        ]);
        return reply
          .status(201)
          .send({ id: r.rows[0]!.id, name: b.name, scopes: [...new Set(b.scopes)], token });
      },
    );

    app.delete(
      '/tokens/:id',
      { preHandler: admin, schema: { tags, summary: 'Revoke an API token', params: documented(IdParams) } },
      async (req, reply) => {
        const { id } = req.params as z.output<typeof IdParams>;
        const r = await o.db.query<{ token_hash: string }>(
          'update api_tokens set revoked_at = coalesce(revoked_at, $3) where tenant_id = $1 and id = $2 returning token_hash',
          [principalOf(req).tenantId, id, now()],
        );
        if (!r.rows[0]) throw new DataInsightError('DI_NOT_FOUND', `no token ${id}`, { field: 'id' });
        await revoke({ tokenHash: r.rows[0].token_hash });
        return reply.status(204).send();
      },
    );

    app.get(
      '/devices',
      { preHandler: admin, schema: { tags, summary: 'MQTT device credentials of your tenant' } },
      async (req) => {
        const r = await o.db.query(
          `select username, created_at as "createdAt", revoked_at as "revokedAt" from device_credentials where tenant_id = $1 order by username`,
          [principalOf(req).tenantId],
        );
        return { devices: r.rows };
      },
    );

    app.post(
      '/devices',
      {
        preHandler: admin,
        schema: {
          tags,
          summary: 'Create MQTT credentials for a device or gateway: the password is in this answer only',
          body: documented(DeviceBody),
        },
      },
      async (req, reply) => {
        const { username } = req.body as z.output<typeof DeviceBody>;
        const password = await createDeviceCredential(o.db, principalOf(req).tenantId, username);
        return reply.status(201).send({ username, password });
      },
    );

    app.delete(
      '/devices/:username',
      {
        preHandler: admin,
        schema: { tags, summary: "Revoke a device's MQTT credentials", params: documented(DeviceParams) },
      },
      async (req, reply) => {
        const { username } = req.params as z.output<typeof DeviceParams>;
        const r = await o.db.query(
          'update device_credentials set revoked_at = coalesce(revoked_at, $3) where tenant_id = $1 and username = $2',
          [principalOf(req).tenantId, username, now()],
        );
        if (r.rowCount === 0)
          throw new DataInsightError('DI_NOT_FOUND', `no device ${username}`, { field: 'username' });
        await revoke({ device: username });
        return reply.status(204).send();
      },
    );

    app.put(
      '/users/:id/access',
      {
        preHandler: admin,
        schema: {
          tags,
          summary: "Set a person's role in your tenant (and optionally an initial password)",
          params: documented(IdParams),
          body: documented(AccessBody),
        },
      },
      async (req) => {
        const p = principalOf(req);
        const { id } = req.params as z.output<typeof IdParams>;
        const b = req.body as z.output<typeof AccessBody>;
        const member = await o.db.query('select 1 from memberships where tenant_id = $1 and user_id = $2', [
          p.tenantId,
          id,
        ]);
        const user = member.rowCount ? await userById(o.db, id) : undefined;
        if (!user)
          throw new DataInsightError('DI_NOT_FOUND', `no user ${id} in this tenant`, { field: 'id' });
        if (id === p.userId && b.role !== 'admin')
          throw new DataInsightError('DI_CONFLICT', 'you cannot lower your own role: ask another admin', {
            field: 'role',
          });
        await setMembership(o.db, id, p.tenantId, b.role);
        if (b.password !== undefined) {
          if (user.passwordHash)
            throw new DataInsightError(
              'DI_CONFLICT',
              `${user.email} already has a password: they change it themselves`,
              { field: 'password' },
            );
          await setPassword(o.db, user, b.password);
        }
        return {
          id,
          email: user.email,
          role: b.role,
          canSignIn: b.password !== undefined || Boolean(user.passwordHash),
        };
      },
    );

    app.delete(
      '/users/:id',
      {
        preHandler: admin,
        schema: { tags, summary: 'Remove a person from your tenant', params: documented(IdParams) },
      },
      async (req, reply) => {
        const p = principalOf(req);
        const { id } = req.params as z.output<typeof IdParams>;
        if (id === p.userId)
          throw new DataInsightError('DI_CONFLICT', 'you cannot remove yourself: ask another admin', {
            field: 'id',
          });
        const r = await o.db.query('delete from memberships where tenant_id = $1 and user_id = $2', [
          p.tenantId,
          id,
        ]);
        if (r.rowCount === 0)
          throw new DataInsightError('DI_NOT_FOUND', `no user ${id} in this tenant`, { field: 'id' });
        // Their sessions in this tenant end; their contact points and subscriptions here go too.
        const ended = await o.db.query<{ id: string }>(
          'delete from sessions where user_id = $1 and tenant_id = $2 returning id',
          [id, p.tenantId],
        );
        await revoke({ sessionIds: ended.rows.map((x) => x.id) });
        await o.db.query('delete from subscriptions where user_id = $1 and tenant_id = $2', [id, p.tenantId]);
        await o.db.query('delete from contact_points where user_id = $1 and tenant_id = $2', [
          id,
          p.tenantId,
        ]);
        return reply.status(204).send();
      },
    );
  };
}
