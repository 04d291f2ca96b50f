import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { documented, zodValidatorCompiler } from '../api/http-schema.js';
import type { Db } from '../db/port.js';
import { DataInsightError } from '../platform/errors.js';
import { checkSameOrigin, sessionTokenOf } from './auth.js';
import { clearedSessionCookie, sessionCookie } from './cookies.js';
import type { CredentialVerifier } from './credentials.js';
import { PASSWORD_MAX_LENGTH, passwordProblem, verifyNothing, verifyPassword } from './passwords.js';
import type { FailureLimiter } from './rate-limit.js';
import { normalizeEmail, setPassword, tenantsOf, userByEmail, userById, type TenantRole } from './users.js';

export interface AuthRoutesOptions {
  db: Db;
  verifier: CredentialVerifier;
  /** Failed sign-ins per client address + e-mail. */
  limiter: FailureLimiter;
  /** Mark the cookie Secure (PUBLIC_URL is https). */
  secureCookie: boolean;
}

const LoginBody = z.strictObject({
  email: z.string().min(1).max(320),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  tenant: z.string().min(1).max(64).optional().describe('Tenant slug to act in; default: your first'),
});
const PasswordBody = z.strictObject({
  current: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  new: z.string().min(1).max(PASSWORD_MAX_LENGTH).describe('At least 10 characters, not your e-mail'),
});
const TenantBody = z.strictObject({ tenant: z.string().min(1).max(64) });

/** The same answer for an unknown e-mail, a wrong password and a user without one: no enumeration. */
const badLogin = () => new DataInsightError('DI_UNAUTHORIZED', 'wrong e-mail or password');
const notYours = (slug: string) =>
  new DataInsightError('DI_NOT_FOUND', `no tenant "${slug}" among yours`, { field: 'tenant' });

/**
 * Sign-in for people: POST /auth/login sets the HttpOnly `di_session` cookie, which every route then
 * accepts like a token with the scopes of the user's role in the session's tenant; /auth/logout,
 * /auth/me, /auth/password, /auth/tenant (switch among the user's tenants).
 */
export function authRoutes(o: AuthRoutesOptions): FastifyPluginAsync {
  const { db, verifier, limiter } = o;
  const cookieMaxAge = verifier.sessions.policy.maxAgeMs / 1000;

  /** The signed-in session of a request, with the same-origin check for writes. */
  const signedIn = async (req: FastifyRequest) => {
    const token = sessionTokenOf(req);
    const principal = token ? await verifier.session(token) : null;
    if (!token || !principal?.userId)
      throw new DataInsightError('DI_UNAUTHORIZED', 'not signed in (POST /api/v1/auth/login)');
    checkSameOrigin(req, verifier.publicOrigin);
    const user = await userById(db, principal.userId);
    if (!user) throw new DataInsightError('DI_UNAUTHORIZED', 'not signed in (POST /api/v1/auth/login)');
    return { token, principal, user };
  };

  const describe = async (
    user: { id: number; email: string; name: string; platformAdmin: boolean },
    tenant: TenantRole,
    tenants?: TenantRole[],
  ) => ({
    user: { id: user.id, email: user.email, name: user.name, platformAdmin: user.platformAdmin },
    tenant: tenant.tenant,
    role: tenant.role,
    tenants: (tenants ?? (await tenantsOf(db, user))).map((t) => ({ tenant: t.tenant, role: t.role })),
  });

  const limited = (reply: FastifyReply, key: string) => {
    const wait = limiter.retryAfterMs(key);
    if (wait <= 0) return;
    const seconds = Math.ceil(wait / 1000);
    reply.header('retry-after', String(seconds));
    throw new DataInsightError('DI_RATE_LIMITED', `too many failed sign-ins: retry in ${seconds} s`, {
      details: { retryAfterMs: wait },
    });
  };

  return async (app) => {
    app.setValidatorCompiler(zodValidatorCompiler);
    const tags = ['sign-in'];

    app.post(
      '/auth/login',
      {
        schema: {
          tags,
          security: [],
          summary: 'Sign in with e-mail and password: sets the di_session cookie (HttpOnly)',
          body: documented(LoginBody),
        },
      },
      async (req, reply) => {
        const b = req.body as z.output<typeof LoginBody>;
        const email = normalizeEmail(b.email);
        const key = `${req.ip}|${email}`;
        limited(reply, key);
        const user = await userByEmail(db, email);
        const ok = user?.passwordHash
          ? await verifyPassword(user.passwordHash, b.password)
          : await verifyNothing(b.password);
        if (!user || !ok) {
          limiter.fail(key);
          throw badLogin();
        }
        limiter.reset(key);
        const tenants = await tenantsOf(db, user);
        const tenant = b.tenant ? tenants.find((t) => t.tenant === b.tenant) : tenants[0];
        if (!tenant) {
          if (b.tenant) throw notYours(b.tenant);
          throw new DataInsightError('DI_FORBIDDEN', 'your account belongs to no tenant yet: ask an admin');
        }
        const s = await verifier.sessions.create(user.id, tenant.tenantId, {
          ip: req.ip,
          ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
        });
        reply.header(
          'set-cookie',
          sessionCookie(s.token, { maxAgeSeconds: cookieMaxAge, secure: o.secureCookie }),
        );
        return describe(user, tenant, tenants);
      },
    );

    app.post(
      '/auth/logout',
      { schema: { tags, summary: 'Sign out: ends the session and clears the cookie' } },
      async (req, reply) => {
        const token = sessionTokenOf(req);
        if (token) {
          checkSameOrigin(req, verifier.publicOrigin);
          await verifier.sessions.remove(token);
          verifier.forgetSession(token);
        }
        reply.header('set-cookie', clearedSessionCookie(o.secureCookie));
        return reply.status(204).send();
      },
    );

    app.get(
      '/auth/me',
      { schema: { tags, summary: 'Who is signed in, in which tenant, with which role' } },
      async (req) => {
        const { principal, user } = await signedIn(req);
        return describe(user, {
          tenantId: principal.tenantId,
          tenant: principal.tenant,
          role: principal.role!,
        });
      },
    );

    app.post(
      '/auth/password',
      {
        schema: {
          tags,
          summary: 'Change your password (your other sessions are signed out)',
          body: documented(PasswordBody),
        },
      },
      async (req, reply) => {
        const { token, user } = await signedIn(req);
        const b = req.body as z.output<typeof PasswordBody>;
        const key = `${req.ip}|${user.email}`;
        limited(reply, key);
        const ok = user.passwordHash
          ? await verifyPassword(user.passwordHash, b.current)
          : await verifyNothing(b.current);
        if (!ok) {
          limiter.fail(key);
          throw new DataInsightError('DI_FORBIDDEN', 'current: the current password is wrong', {
            field: 'current',
          });
        }
        limiter.reset(key);
        const problem =
          passwordProblem(b.new, user.email) ??
          (b.new === b.current ? 'must differ from the current one' : undefined);
        if (problem) throw new DataInsightError('DI_VALIDATION', `new: ${problem}`, { field: 'new' });
        await setPassword(db, user, b.new);
        verifier.forgetSessionIds(await verifier.sessions.removeOthers(user.id, token));
        return reply.status(204).send();
      },
    );

    app.post(
      '/auth/tenant',
      {
        schema: {
          tags,
          summary: 'Act in another of your tenants (this session)',
          body: documented(TenantBody),
        },
      },
      async (req) => {
        const { token, user } = await signedIn(req);
        const { tenant: slug } = req.body as z.output<typeof TenantBody>;
        const tenants = await tenantsOf(db, user);
        const tenant = tenants.find((t) => t.tenant === slug);
        if (!tenant) throw notYours(slug);
        await verifier.sessions.setTenant(token, tenant.tenantId);
        verifier.forgetSession(token);
        return describe(user, tenant, tenants);
      },
    );
  };
}
