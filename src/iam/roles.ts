import type { TokenScope } from './tenants.js';

/**
 * Roles of a person in a tenant. admin: users, rules, settings (everything); operator: acknowledge,
 * silence, subscriptions; viewer: read. A session gets the API scopes of its role, so every route's
 * `requireScope` serves people and tokens alike.
 */
export const MEMBER_ROLES = ['admin', 'operator', 'viewer'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

const SCOPES: Record<MemberRole, readonly TokenScope[]> = {
  viewer: ['read'],
  operator: ['read', 'operate'],
  admin: ['read', 'operate', 'admin', 'ingest'],
};

export const scopesOfRole = (role: MemberRole): TokenScope[] => [...SCOPES[role]];

export const isMemberRole = (v: unknown): v is MemberRole =>
  typeof v === 'string' && (MEMBER_ROLES as readonly string[]).includes(v);

/** The role a user acts with in a tenant: a platform admin is admin everywhere. */
export function effectiveRole(
  membership: string | null | undefined,
  platformAdmin: boolean,
): MemberRole | undefined {
  if (platformAdmin) return 'admin';
  return isMemberRole(membership) ? membership : undefined;
}
