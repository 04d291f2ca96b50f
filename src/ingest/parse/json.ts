/**
 * JSON payloads to canonical readings. Two shapes share one record format, `{ ts?, values }`:
 *
 * - MQTT, one topic per sensor (`di/{tenant}/{location}/{asset}/{sensor}`, see topic.ts): the topic
 *   names the sensor, the payload is one record or an array of them:
 *     {"ts": 1732700000000, "values": {"temp": 21.5, "humidity": 40}}
 * - HTTP batch, the record also names its sensor:
 *     {"readings": [{"location": "hq", "asset": "chiller-1", "sensor": "t1", "ts": ..., "values": {...}}]}
 *   or the bare array.
 *
 * `ts` is epoch milliseconds or an ISO-8601 string with a zone, and defaults to the receiver's clock.
 * Values are numbers or booleans (stored as 1/0). A bad value rejects only itself; a bad record
 * identity or ts rejects the record once. Nothing here throws, whatever the input.
 */
import { parseIsoTimestamp } from './iso-time.js';
import {
  checkKey,
  checkTs,
  checkValue,
  type Decoded,
  type KeyName,
  type ValidationPolicy,
} from './validate.js';

export interface SensorContext extends ValidationPolicy {
  tenant: string;
  location: string;
  asset: string;
  sensor: string;
}

export interface BatchContext extends ValidationPolicy {
  tenant: string;
}

const RECORD_EXAMPLE = '{"ts": 1732700000000, "values": {"temp": 21.5}}';

export function decodeSensorPayload(payload: string | Uint8Array, ctx: SensorContext): Decoded {
  const out: Decoded = { readings: [], rejections: [] };
  const parsed = parseJson(payload);
  if (!parsed.ok) return reject(out, 0, 'payload', parsed.reason);
  const { tenant, location, asset, sensor } = ctx;
  const identity = { tenant, location, asset, sensor };
  // The topic supplied the identity: blame it, not a field the payload does not have.
  const source = (): string => 'topic';
  if (Array.isArray(parsed.value)) {
    parsed.value.forEach((record: unknown, i) =>
      decodeRecord(record, identity, source, i, `[${i}]`, ctx, out),
    );
  } else {
    decodeRecord(parsed.value, identity, source, 0, '', ctx, out);
  }
  return out;
}

export function decodeIngestBatch(body: unknown, ctx: BatchContext): Decoded {
  const out: Decoded = { readings: [], rejections: [] };
  // Routes may hand over the raw body (string or bytes) or what their JSON parser made of it.
  const parsed: Parsed =
    typeof body === 'string' || body instanceof Uint8Array ? parseJson(body) : { ok: true, value: body };
  if (!parsed.ok) return reject(out, 0, 'payload', parsed.reason);
  const value = parsed.value;
  const wrapped = isObject(value);
  const records = isObject(value) ? value.readings : value;
  if (!Array.isArray(records)) {
    return reject(
      out,
      0,
      'payload',
      `body must be {"readings": [...]} or an array of readings, got ${describe(value)}`,
    );
  }
  records.forEach((record: unknown, i) => {
    const path = wrapped ? `readings[${i}]` : `[${i}]`;
    if (!isObject(record)) return reject(out, i, path, recordShape(record));
    const identity = {
      tenant: ctx.tenant,
      location: record.location,
      asset: record.asset,
      sensor: record.sensor,
    };
    const source = (name: KeyName): string => (name === 'tenant' ? 'tenant' : `${path}.${name}`);
    decodeRecord(record, identity, source, i, path, ctx, out);
  });
  return out;
}

type Identity = Record<'tenant' | 'location' | 'asset' | 'sensor', unknown>;

function decodeRecord(
  record: unknown,
  identity: Identity,
  source: (name: KeyName) => string,
  index: number,
  path: string,
  policy: ValidationPolicy,
  out: Decoded,
): void {
  const at = (field: string): string => (path === '' ? field : `${path}.${field}`);
  if (!isObject(record)) {
    reject(out, index, path || 'payload', recordShape(record));
    return;
  }
  const keys: (keyof Identity)[] = ['tenant', 'location', 'asset', 'sensor'];
  for (const name of keys) {
    const reason = checkKey(name, identity[name]);
    if (reason !== null) {
      reject(out, index, source(name), reason);
      return;
    }
  }
  const ts = decodeTs(record.ts, policy);
  if (typeof ts === 'string') {
    reject(out, index, at('ts'), ts);
    return;
  }
  const values = record.values;
  if (!isObject(values) || Object.keys(values).length === 0) {
    const got = values === undefined ? 'it is missing' : `got ${describe(values)}`;
    reject(
      out,
      index,
      at('values'),
      `"values" must be a non-empty object of parameter: number, ${got}; e.g. ${RECORD_EXAMPLE}`,
    );
    return;
  }
  // Every identity key passed checkKey above, which only strings do.
  const { tenant, location, asset, sensor } = identity as Record<keyof Identity, string>;
  for (const [parameter, raw] of Object.entries(values)) {
    const value = readingValue(parameter, raw);
    if (typeof value === 'number')
      out.readings.push({ tenant, location, asset, sensor, parameter, ts, value });
    else reject(out, index, at(`values.${parameter}`), value);
  }
}

/** The reading value of one entry of "values", or why it has none. */
function readingValue(parameter: string, raw: unknown): number | string {
  const keyReason = checkKey('parameter', parameter);
  if (keyReason !== null) return keyReason;
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (typeof raw !== 'number') return `value must be a number or boolean, got ${describe(raw)}`;
  return checkValue(raw) ?? raw;
}

function decodeTs(ts: unknown, policy: ValidationPolicy): number | string {
  if (ts === undefined) return policy.now;
  const ms = typeof ts === 'string' ? parseIsoTimestamp(ts) : ts;
  if (typeof ms === 'string') return ms;
  if (typeof ms !== 'number') {
    return `ts must be epoch milliseconds (a number) or an ISO-8601 string with a zone, got ${describe(ts)}`;
  }
  const reason = checkTs(ms, policy);
  if (reason === null) return ms;
  // The commonest device mistake: epoch seconds where milliseconds are expected.
  const looksLikeSeconds = typeof ts === 'number' && checkTs(ms * 1000, policy) === null;
  return looksLikeSeconds ? `${reason}; it looks like epoch seconds: send milliseconds` : reason;
}

type Parsed = { ok: true; value: unknown } | { ok: false; reason: string };

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(payload: string | Uint8Array): Parsed {
  let text: string;
  try {
    text = typeof payload === 'string' ? payload : UTF8.decode(payload);
  } catch {
    return { ok: false, reason: 'payload is not valid UTF-8' };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const detail = err instanceof Error ? err.message.slice(0, 200) : 'parse error';
    return { ok: false, reason: `payload is not valid JSON: ${detail}` };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function recordShape(record: unknown): string {
  return `a reading must be an object like ${RECORD_EXAMPLE}, got ${describe(record)}`;
}

/** Names a JSON value's type for a reason, without echoing (or stringifying) the value itself. */
function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  return `a ${typeof v}`;
}

function reject(out: Decoded, index: number, field: string, reason: string): Decoded {
  out.rejections.push({ index, field, reason });
  return out;
}
