/**
 * The last step of every decoder: what a reading must satisfy before it may enter the stream. Decoders
 * run these checks themselves so that everything they return as a reading is already valid, and the
 * rejection names the sender's own field (a tag, a JSON path) rather than ours.
 */
import type { Reading, Rejection } from '../reading.js';

export interface ValidationPolicy {
  /** The receiver's clock, UTC epoch ms. */
  now: number;
  /** How old a reading may be (late data from a gateway's buffer). */
  maxPastMs: number;
  /** How far ahead a reading may be (device clocks drift). */
  maxFutureMs: number;
}

export type KeyName = 'tenant' | 'location' | 'asset' | 'sensor' | 'parameter';

/** The key rule: safe in MQTT topics, URLs, Redis keys and file names, without escaping. */
export const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const KEY_RULE = '1 to 64 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit';

const KEY_NAMES: readonly KeyName[] = ['tenant', 'location', 'asset', 'sensor', 'parameter'];

/** What every decoder returns: the valid readings, and a rejection for everything else. */
export interface Decoded {
  readings: Reading[];
  rejections: Rejection[];
}

/** A failed check: which field of the reading is at fault and why. */
interface ReadingIssue {
  field: KeyName | 'ts' | 'value';
  reason: string;
}

export function checkKey(name: KeyName, value: unknown): string | null {
  if (typeof value === 'string' && KEY_PATTERN.test(value)) return null;
  if (typeof value !== 'string') return `${name} must be a string (${KEY_RULE})`;
  return `${name} ${quote(value)} is invalid: use ${KEY_RULE}`;
}

export function checkTs(ts: unknown, policy: ValidationPolicy): string | null {
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts)) {
    return `ts must be an integer number of UTC epoch milliseconds, got ${typeof ts === 'number' ? String(ts) : typeof ts}`;
  }
  const from = policy.now - policy.maxPastMs;
  const to = policy.now + policy.maxFutureMs;
  if (ts >= from && ts <= to) return null;
  return `ts ${isoOrNumber(ts)} is outside the accepted window ${isoOrNumber(from)} to ${isoOrNumber(to)}`;
}

export function checkValue(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return null;
  return `value must be a finite number, got ${typeof value === 'number' ? String(value) : typeof value}`;
}

/** Every rule, in a fixed order so the same bad reading always gets the same reason. */
function checkReading(r: Reading, policy: ValidationPolicy): ReadingIssue | null {
  for (const name of KEY_NAMES) {
    const reason = checkKey(name, r[name]);
    if (reason !== null) return { field: name, reason };
  }
  const tsReason = checkTs(r.ts, policy);
  if (tsReason !== null) return { field: 'ts', reason: tsReason };
  const valueReason = checkValue(r.value);
  if (valueReason !== null) return { field: 'value', reason: valueReason };
  return null;
}

export function validateReading(r: Reading, policy: ValidationPolicy): string | null {
  return checkReading(r, policy)?.reason ?? null;
}

/** For callers holding readings already (connectors, JS producers): index is the array position. */
export function validateReadings(readings: readonly Reading[], policy: ValidationPolicy): Decoded {
  const good: Reading[] = [];
  const rejections: Rejection[] = [];
  readings.forEach((r, index) => {
    const issue = checkReading(r, policy);
    if (issue === null) good.push(r);
    else rejections.push({ index, field: issue.field, reason: issue.reason });
  });
  return { readings: good, rejections };
}

/** Quotes a sender's text for a reason, cut short so one huge value cannot bloat an error body. */
export function quote(text: string, max = 80): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}...` : text);
}

// Date cannot represent beyond ±8.64e15 ms; a garbage timestamp must still produce a reason.
function isoOrNumber(ms: number): string {
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms`;
}
