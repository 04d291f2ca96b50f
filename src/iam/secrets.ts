import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API tokens and device secrets are random 256-bit values, so a SHA-256 hash is enough to store them
 * (no dictionary to attack; password hashing is for human passwords). Only the hash is kept.
 */
export const newSecret = (prefix: string): string => `${prefix}_${randomBytes(32).toString('base64url')}`;

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
