import { describe, expect, it } from 'vitest';
import {
  generatePassword,
  hashPassword,
  passwordProblem,
  verifyNothing,
  verifyPassword,
} from './passwords.js';

describe('passwords', () => {
  it('hashes with argon2id at the OWASP parameters, salted, and verifies only the right password', async () => {
    const h = await hashPassword('correct horse battery');
    expect(h).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(h).not.toContain('correct horse battery');
    expect(await hashPassword('correct horse battery')).not.toBe(h);
    expect(await verifyPassword(h, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(h, 'correct horse batterY')).toBe(false);
    expect(await verifyPassword(h, '')).toBe(false);
  });

  it('a malformed stored hash verifies nothing instead of throwing', async () => {
    expect(await verifyPassword('not-a-hash', 'x')).toBe(false);
    expect(await verifyPassword('', 'x')).toBe(false);
  });

  it('verifyNothing spends a verification and is always false', async () => {
    expect(await verifyNothing('anything')).toBe(false);
    const t = performance.now();
    await verifyNothing('anything');
    // One argon2id run at 19 MiB takes milliseconds, not microseconds.
    expect(performance.now() - t).toBeGreaterThan(2);
  });

  it('new passwords: at least 10 characters and not the e-mail', () => {
    expect(passwordProblem('short', 'a@b.c')).toMatch(/at least 10/);
    expect(passwordProblem('Alice@Example.com', 'alice@example.com')).toMatch(/e-mail/);
    expect(passwordProblem('x'.repeat(2000), 'a@b.c')).toMatch(/at most/);
    expect(passwordProblem('long enough pass', 'a@b.c')).toBeUndefined();
  });

  it('generated passwords are 20 unambiguous characters and differ', () => {
    const a = generatePassword();
    expect(a).toMatch(/^[A-HJ-NP-Za-km-z2-9]{20}$/);
    expect(new Set(Array.from({ length: 50 }, () => generatePassword())).size).toBe(50);
  });
});
