import { describe, expect, it } from 'vitest';
import { isDataInsightError } from '../platform/errors.js';
import { LinkSigner } from './signing.js';

const query = (path: string) => Object.fromEntries(new URL(path, 'http://x').searchParams);
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return isDataInsightError(e) ? e.code : 'other';
  }
};

describe('signed download links', () => {
  const signer = LinkSigner.fromSecret('test-secret');
  const now = 1_000_000;

  it('a link verifies for its job and tenant until it expires', () => {
    const q = query(signer.path(42, 3, now + 1000));
    expect(signer.verify(42, q, now)).toEqual({ tenantId: 3 });
    expect(codeOf(() => signer.verify(42, q, now + 1000))).toBe('DI_LINK_EXPIRED');
  });

  it('changing the job, the tenant or the expiry, or another key, breaks it', () => {
    const q = query(signer.path(42, 3, now + 1000));
    expect(codeOf(() => signer.verify(43, q, now))).toBe('DI_LINK_INVALID');
    expect(codeOf(() => signer.verify(42, { ...q, tenant: '4' }, now))).toBe('DI_LINK_INVALID');
    expect(codeOf(() => signer.verify(42, { ...q, expires: String(now + 10_000_000) }, now))).toBe(
      'DI_LINK_INVALID',
    );
    expect(codeOf(() => LinkSigner.fromSecret('other').verify(42, q, now))).toBe('DI_LINK_INVALID');
    expect(codeOf(() => signer.verify(42, { tenant: '3' }, now))).toBe('DI_LINK_INVALID');
  });
});
