import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { DataInsightError } from '../platform/errors.js';
import { cookieValue, SESSION_COOKIE } from './cookies.js';
import type { CredentialVerifier } from './credentials.js';
import type { TenantPrincipal, TokenScope } from './tenants.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: TenantPrincipal;
  }
}

/**
 * The token of a request, from any of the forms our clients use: `Authorization: Bearer <t>` (our
 * API), `Authorization: Token <t>` (InfluxDB v2 clients, Telegraf), Basic auth or `?p=<t>` with any
 * user (InfluxDB v1 clients).
 */
export function tokenOf(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (h) {
    const [scheme, value] = h.split(' ', 2);
    const s = scheme?.toLowerCase();
    if ((s === 'bearer' || s === 'token') && value) return value.trim();
    if (s === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      return i >= 0 ? decoded.slice(i + 1) : undefined;
    }
  }
  const q = req.query as Record<string, unknown> | undefined;
  return typeof q?.p === 'string' && q.p ? q.p : undefined;
}

/** The session token of a request: the `di_session` cookie. */
export const sessionTokenOf = (req: FastifyRequest): string | undefined =>
  cookieValue(req.headers.cookie, SESSION_COOKIE) || undefined;

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF defence for cookie-authenticated writes (a browser attaches cookies to cross-site requests; it
 * never attaches an Authorization header, so tokens are exempt): the request must carry
 * X-Requested-With (a cross-site page cannot set it without a CORS preflight, which we never grant) or
 * come from PUBLIC_URL's origin.
 */
export function checkSameOrigin(req: FastifyRequest, publicOrigin: string | undefined): void {
  if (!WRITES.has(req.method)) return;
  if (req.headers['x-requested-with']) return;
  const origin = req.headers.origin;
  if (publicOrigin && origin === publicOrigin) return;
  throw new DataInsightError(
    'DI_FORBIDDEN',
    'a request signed in with a session cookie must send X-Requested-With or come from this site',
    { field: 'x-requested-with' },
  );
}

/**
 * A preHandler that admits requests carrying a live API token of a tenant with the given scope, or
 * (without an Authorization header) a live session cookie whose user's role in the session's tenant
 * grants the scope (see roles.ts).
 */
export function requireScope(verifier: CredentialVerifier, scope: TokenScope): preHandlerAsyncHookHandler {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const principal = await authenticate(verifier, req);
    if (!principal.scopes.includes(scope) && !principal.scopes.includes('admin')) {
      throw new DataInsightError(
        'DI_FORBIDDEN',
        principal.role
          ? `your role "${principal.role}" in tenant ${principal.tenant} does not allow this (needs "${scope}")`
          : `this token lacks the "${scope}" scope`,
      );
    }
    req.principal = principal;
  };
}

/** Who the request's credentials are now (long-lived streams re-check it: sign-out ends them). */
export async function authenticate(
  verifier: CredentialVerifier,
  req: FastifyRequest,
): Promise<TenantPrincipal> {
  const token = tokenOf(req);
  if (token) {
    const principal = await verifier.apiToken(token);
    if (!principal) throw new DataInsightError('DI_UNAUTHORIZED', 'invalid or revoked API token');
    return principal;
  }
  const session = sessionTokenOf(req);
  if (!session)
    throw new DataInsightError(
      'DI_UNAUTHORIZED',
      'missing API token (Authorization: Bearer <token>) or session (sign in at /api/v1/auth/login)',
    );
  const principal = await verifier.session(session);
  if (!principal)
    throw new DataInsightError('DI_UNAUTHORIZED', 'session expired or signed out: sign in again');
  checkSameOrigin(req, verifier.publicOrigin);
  return principal;
}

export function principalOf(req: FastifyRequest): TenantPrincipal {
  if (!req.principal) throw new DataInsightError('DI_UNAUTHORIZED', 'not authenticated');
  return req.principal;
}
