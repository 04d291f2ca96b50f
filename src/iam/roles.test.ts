import { describe, expect, it } from 'vitest';
import { effectiveRole, MEMBER_ROLES, scopesOfRole } from './roles.js';

describe('roles', () => {
  it('map to the API scopes every route checks', () => {
    expect(scopesOfRole('viewer')).toEqual(['read']);
    expect(scopesOfRole('operator')).toEqual(['read', 'operate']);
    expect(scopesOfRole('admin')).toEqual(['read', 'operate', 'admin', 'ingest']);
  });

  it('each role can do what the one below can, and viewers cannot write', () => {
    const [admin, operator, viewer] = MEMBER_ROLES.map(scopesOfRole);
    for (const s of viewer!) expect(operator).toContain(s);
    for (const s of operator!) expect(admin).toContain(s);
    expect(viewer).not.toContain('operate');
    expect(viewer).not.toContain('ingest');
  });

  it('a platform admin is admin of any tenant; others need a membership', () => {
    expect(effectiveRole(null, true)).toBe('admin');
    expect(effectiveRole('viewer', true)).toBe('admin');
    expect(effectiveRole('operator', false)).toBe('operator');
    expect(effectiveRole(null, false)).toBeUndefined();
    expect(effectiveRole('root', false)).toBeUndefined();
  });

  it('returns a fresh array (callers cannot widen a role)', () => {
    scopesOfRole('viewer').push('admin');
    expect(scopesOfRole('viewer')).toEqual(['read']);
  });
});
