/**
 * Field values and timestamps of InfluxDB line protocol, as text to typed values and back. Integers
 * and timestamps are 64-bit in the protocol and exceed 2^53, so they are never passed through a
 * float before their range is known.
 */
import { quote } from './validate.js';

export type Precision = 'ns' | 'us' | 'ms' | 's';

export type LineField =
  | { type: 'float'; value: number }
  | { type: 'integer'; value: bigint }
  | { type: 'unsigned'; value: bigint }
  | { type: 'boolean'; value: boolean }
  | { type: 'string'; value: string };

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const UINT64_MAX = 2n ** 64n - 1n;

const FLOAT_SYNTAX = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER_SYNTAX = /^-?\d+$/;
const UNSIGNED_SYNTAX = /^\d+$/;
const TYPE_HINT = 'expected a float (1.5), integer (12i), unsigned (12u), boolean (true, false) or "string"';

/**
 * Decodes an unquoted field value. Returns the reason when it is not one; `key` is only for the
 * reason.
 */
export function decodeFieldValue(key: string, token: string): LineField | string {
  switch (token.charCodeAt(0)) {
    case 116: // t
    case 84: // T
    case 102: // f
    case 70: // F
      return decodeBoolean(token) ?? invalid(key, token);
  }
  const last = token.charCodeAt(token.length - 1);
  if (last === 105 /* i */ || last === 117 /* u */) {
    const digits = token.slice(0, -1);
    const unsigned = last === 117;
    if (!(unsigned ? UNSIGNED_SYNTAX : INTEGER_SYNTAX).test(digits)) return invalid(key, token);
    // The length guard keeps a megabyte of digits away from BigInt; 64-bit values have at most 20.
    const value = digits.length <= 24 ? BigInt(digits) : UINT64_MAX + 1n;
    if (unsigned ? value > UINT64_MAX : value < INT64_MIN || value > INT64_MAX) {
      return `field ${quote(key)} value ${quote(token, 40)} is out of the ${unsigned ? 'unsigned' : 'signed'} 64-bit range`;
    }
    return unsigned ? { type: 'unsigned', value } : { type: 'integer', value };
  }
  if (!FLOAT_SYNTAX.test(token)) return invalid(key, token);
  const value = Number(token);
  if (!Number.isFinite(value)) {
    return `field ${quote(key)} value ${quote(token, 40)} is out of the float64 range`;
  }
  return { type: 'float', value };
}

function decodeBoolean(token: string): LineField | null {
  switch (token) {
    case 't':
    case 'T':
    case 'true':
    case 'True':
    case 'TRUE':
      return { type: 'boolean', value: true };
    case 'f':
    case 'F':
    case 'false':
    case 'False':
    case 'FALSE':
      return { type: 'boolean', value: false };
    default:
      return null;
  }
}

function invalid(key: string, token: string): string {
  return `field ${quote(key)} has invalid value ${quote(token, 40)}: ${TYPE_HINT}`;
}

/** The protocol's timestamp range is that of int64 nanoseconds; in coarser units it shrinks to match. */
const LIMITS: Record<Precision, { limit: string; dropDigits: number; scale: number }> = {
  ns: { limit: '9223372036854775806', dropDigits: 6, scale: 1 },
  us: { limit: '9223372036854775', dropDigits: 3, scale: 1 },
  ms: { limit: '9223372036854', dropDigits: 0, scale: 1 },
  s: { limit: '9223372036', dropDigits: 0, scale: 1000 },
};

/**
 * Timestamp text in `precision` to epoch ms, floored (so 1.9 ms is 1 ms and -0.1 ms is -1 ms, the
 * same instant ordering as the source). Decimal-string arithmetic keeps it exact without BigInt on
 * the hot path. Returns the reason when it is not a timestamp.
 */
export function decodeTimestamp(token: string, precision: Precision): number | string {
  const negative = token.charCodeAt(0) === 45;
  let first = negative ? 1 : 0;
  if (first === token.length) return `timestamp ${quote(token, 40)} is not an integer`;
  for (let i = first; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c < 48 || c > 57) return `timestamp ${quote(token, 40)} is not an integer`;
  }
  while (first < token.length - 1 && token.charCodeAt(first) === 48) first++;
  const digits = first === 0 ? token : token.slice(first);
  const { limit, dropDigits, scale } = LIMITS[precision];
  if (digits.length > limit.length || (digits.length === limit.length && digits > limit)) {
    return `timestamp ${quote(token, 40)} is out of range for precision ${precision}`;
  }
  const cut = Math.max(0, digits.length - dropDigits);
  const whole = Number(cut > 0 ? digits.slice(0, cut) : '0') * scale;
  if (!negative) return whole;
  const hasRemainder = dropDigits > 0 && /[1-9]/.test(digits.slice(cut));
  const ms = hasRemainder ? -whole - 1 : -whole;
  return ms === 0 ? 0 : ms;
}

/** Epoch ms to timestamp text in `precision`; undefined when it cannot be written exactly. */
export function encodeTimestamp(ms: number, precision: Precision): string | undefined {
  if (!Number.isSafeInteger(ms)) return undefined;
  let text: string;
  if (ms === 0) text = '0';
  else if (precision === 'ns') text = `${ms}000000`;
  else if (precision === 'us') text = `${ms}000`;
  else if (precision === 'ms') text = String(ms);
  else if (ms % 1000 === 0) text = String(ms / 1000);
  else return undefined;
  return decodeTimestamp(text, precision) === ms ? text : undefined;
}
