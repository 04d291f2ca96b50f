import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { DataInsightError } from '../platform/errors.js';
import { checkSameOrigin, sessionTokenOf } from './auth.js';

const req = (method: string, headers: Record<string, string> = {}) =>
  ({ method, headers }) as unknown as FastifyRequest;

const refused = (r: FastifyRequest, origin?: string) => {
  try {
    checkSameOrigin(r, origin);
    return false;
  } catch (e) {
    if (e instanceof DataInsightError && e.code === 'DI_FORBIDDEN') return true;
    throw e;
  }
};

describe('session requests', () => {
  it('take the token from the di_session cookie', () => {
    expect(sessionTokenOf(req('GET', { cookie: 'x=1; di_session=dis_abc' }))).toBe('dis_abc');
    expect(sessionTokenOf(req('GET', { cookie: 'di_session=' }))).toBeUndefined();
    expect(sessionTokenOf(req('GET'))).toBeUndefined();
  });

  it('writes need X-Requested-With or the public origin; reads need nothing (CSRF)', () => {
    const site = 'https://di.example.com';
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(refused(req(m), site)).toBe(true);
      expect(refused(req(m, { origin: 'https://evil.example' }), site)).toBe(true);
      expect(refused(req(m, { origin: site }), site)).toBe(false);
      expect(refused(req(m, { 'x-requested-with': 'XMLHttpRequest' }), site)).toBe(false);
    }
    expect(refused(req('GET'), site)).toBe(false);
    expect(refused(req('HEAD'), site)).toBe(false);
    // Without a known public origin only the header admits.
    expect(refused(req('POST', { origin: 'null' }), undefined)).toBe(true);
  });
});
