import { describe, expect, it } from 'vitest';
import { clearedSessionCookie, cookieValue, sessionCookie } from './cookies.js';

describe('session cookie', () => {
  it('is read from a Cookie header among others', () => {
    expect(cookieValue('a=1; di_session=dis_abc-_9; b=2', 'di_session')).toBe('dis_abc-_9');
    expect(cookieValue('di_session="q"', 'di_session')).toBe('q');
    expect(cookieValue('x_di_session=1', 'di_session')).toBeUndefined();
    expect(cookieValue(undefined, 'di_session')).toBeUndefined();
  });

  it('is HttpOnly, SameSite=Lax, site-wide, Secure only over https', () => {
    expect(sessionCookie('t', { maxAgeSeconds: 60, secure: false })).toBe(
      'di_session=t; Path=/; HttpOnly; SameSite=Lax; Max-Age=60',
    );
    expect(sessionCookie('t', { maxAgeSeconds: 60, secure: true })).toMatch(/; Secure$/);
    expect(clearedSessionCookie(false)).toContain('Max-Age=0');
  });
});
