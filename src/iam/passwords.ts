import { randomBytes, randomInt } from 'node:crypto';
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { DataInsightError } from '../platform/errors.js';

/**
 * Human passwords: argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane), stored as the
 * PHC string ($argon2id$v=19$m=19456,t=2,p=1$salt$hash), so a later change of parameters still verifies
 * old hashes. Hashing runs on libuv's thread pool, not the event loop.
 */
export const ARGON2_OPTIONS = {
  // Algorithm is an ambient const enum (not usable under isolatedModules): 2 is Argon2id.
  algorithm: 2 as Algorithm,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const PASSWORD_MIN_LENGTH = 10;
/** Bounds the work one request can ask of argon2. */
export const PASSWORD_MAX_LENGTH = 1024;

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2_OPTIONS);

/** False for a wrong password and for a hash that is not a PHC argon2 string (never throws for those). */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Spend the time of one verification when there is no hash to check (unknown e-mail, no password set),
 * so the answer time does not tell which e-mails exist. Always false.
 */
export async function verifyNothing(password: string): Promise<false> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(await dummy, password);
  return false;
}

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string, email: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (password.trim().toLowerCase() === email.trim().toLowerCase()) return 'must not be your e-mail address';
  return undefined;
}

export function checkNewPassword(password: string, email: string, field = 'new'): void {
  const problem = passwordProblem(password, email);
  if (problem) throw new DataInsightError('DI_VALIDATION', `${field}: ${problem}`, { field });
}

// No 0/O, 1/l/I: generated passwords are read off a terminal and typed.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A random password (20 characters of 57: ~116 bits), for first admins and resets. */
export function generatePassword(length = 20): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}
