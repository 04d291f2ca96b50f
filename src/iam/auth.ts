import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { DataInsightError } from '../platform/errors.js';
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

/** A preHandler that admits requests carrying a live token of a tenant with the given scope. */
export function requireScope(verifier: CredentialVerifier, scope: TokenScope): preHandlerAsyncHookHandler {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const token = tokenOf(req);
    if (!token)
      throw new DataInsightError('DI_UNAUTHORIZED', 'missing API token (Authorization: Bearer <token>)');
    const principal = await verifier.apiToken(token);
    if (!principal) throw new DataInsightError('DI_UNAUTHORIZED', 'invalid or revoked API token');
    if (!principal.scopes.includes(scope) && !principal.scopes.includes('admin')) {
      throw new DataInsightError('DI_FORBIDDEN', `this token lacks the "${scope}" scope`);
    }
    req.principal = principal;
  };
}

export function principalOf(req: FastifyRequest): TenantPrincipal {
  if (!req.principal) throw new DataInsightError('DI_UNAUTHORIZED', 'not authenticated');
  return req.principal;
}
