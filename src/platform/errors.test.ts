import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataInsightError, ERROR_CODES } from './errors.js';

describe('error registry', () => {
  it('every code is documented in docs/errors.md with its status', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(doc, code).toMatch(new RegExp(`\\| \`${code}\` \\| ${spec.status} \\|`));
    }
  });

  it('codes are unique and prefixed', () => {
    const codes = Object.keys(ERROR_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c).toMatch(/^DI_[A-Z_]+$/);
  });

  it('an error carries status, retryability and the offending field into its JSON', () => {
    const e = new DataInsightError('DI_VALIDATION', 'bad', { field: 'records[2].ts' });
    expect(e.status).toBe(400);
    expect(e.retryable).toBe(false);
    expect(e.toJSON()).toEqual({ code: 'DI_VALIDATION', message: 'bad', field: 'records[2].ts' });
  });
});
