/**
 * Line protocol points to canonical readings, for one tenant (known from the credentials, never from
 * the text):
 *
 *   sensor   = tag "sensor",   else the measurement name
 *   asset    = tag "asset",    else the sensor
 *   location = tag "location", else "default"
 *   each field -> one reading, parameter = field key, value: float as is, integer and unsigned when
 *   exactly representable, boolean as 1/0; string fields are rejected (we store numbers only).
 *
 * The fallbacks let Telegraf-style lines (`cpu usage_idle=97.5`) in without any tags; other tags are
 * ignored. A bad field rejects only itself; a bad identity (key or timestamp) rejects its whole line,
 * once, naming the tag or the measurement it came from.
 */
import type { Reading, Rejection } from '../reading.js';
import { parseLineProtocol, type LineField, type LinePoint, type Precision } from './lineprotocol.js';
import {
  checkKey,
  checkTs,
  checkValue,
  quote,
  type Decoded,
  type KeyName,
  type ValidationPolicy,
} from './validate.js';

export interface LineProtocolContext extends ValidationPolicy {
  tenant: string;
  /** Unit of the timestamps in the text; the protocol's default is 'ns'. */
  precision: Precision;
}

/** Parses and maps in one go; syntax errors and mapping rejections come back in line order. */
export function decodeLineProtocol(text: string, ctx: LineProtocolContext): Decoded {
  const { points, errors } = parseLineProtocol(text, { precision: ctx.precision, now: ctx.now });
  const { readings, rejections } = mapLinePoints(points, ctx);
  if (errors.length === 0) return { readings, rejections };
  const all = rejections.concat(errors.map((e) => ({ index: e.line, field: e.field, reason: e.reason })));
  return { readings, rejections: all.sort((a, b) => a.index - b.index) };
}

export function mapLinePoints(points: readonly LinePoint[], ctx: LineProtocolContext): Decoded {
  const readings: Reading[] = [];
  const rejections: Rejection[] = [];
  for (const point of points) {
    const identity = identify(point, ctx);
    if ('reason' in identity) {
      rejections.push({ index: point.line, field: identity.field, reason: identity.reason });
      continue;
    }
    for (const [key, field] of Object.entries(point.fields)) {
      const value = fieldValue(key, field);
      if (typeof value === 'number') readings.push(reading(identity, key, value));
      else rejections.push({ index: point.line, field: `fields.${key}`, reason: value });
    }
  }
  return { readings, rejections };
}

type Identity = Omit<Reading, 'parameter' | 'value'>;

// Spelled out rather than spread: every reading gets the same shape, and this is the hot loop.
function reading(id: Identity, parameter: string, value: number): Reading {
  const { tenant, location, asset, sensor, ts } = id;
  return { tenant, location, asset, sensor, parameter, ts, value };
}

function identify(point: LinePoint, ctx: LineProtocolContext): Identity | Rejection {
  const sensor = tag(point, 'sensor') ?? {
    value: point.measurement,
    field: 'measurement',
    note: ' (the measurement name stands in for the missing "sensor" tag)',
  };
  const asset = tag(point, 'asset') ?? sensor;
  const location = tag(point, 'location') ?? { value: 'default', field: 'tags.location' };
  // Sensor before asset: when the asset falls back to the sensor, the reason names the sensor.
  const keys: [KeyName, Source][] = [
    ['tenant', { value: ctx.tenant, field: 'tenant' }],
    ['location', location],
    ['sensor', sensor],
    ['asset', asset],
  ];
  for (const [name, source] of keys) {
    const reason = checkKey(name, source.value);
    if (reason !== null) {
      return { index: point.line, field: source.field, reason: reason + (source.note ?? '') };
    }
  }
  const tsReason = checkTs(point.ts, ctx);
  if (tsReason !== null) {
    const hint = `timestamps are read in precision "${ctx.precision}"; set the precision your device sends`;
    return { index: point.line, field: 'timestamp', reason: `${tsReason} (${hint})` };
  }
  return {
    tenant: ctx.tenant,
    location: location.value,
    asset: asset.value,
    sensor: sensor.value,
    ts: point.ts,
  };
}

/** Where an identity key came from, to name it in a rejection. */
interface Source {
  value: string;
  field: string;
  note?: string;
}

function tag(point: LinePoint, name: string): Source | undefined {
  const value = Object.hasOwn(point.tags, name) ? point.tags[name] : undefined;
  return value === undefined ? undefined : { value, field: `tags.${name}` };
}

/** The reading value of a field, or why it has none. */
function fieldValue(key: string, field: LineField): number | string {
  const keyReason = checkKey('parameter', key);
  if (keyReason !== null) return keyReason;
  const value = toNumber(key, field);
  return typeof value === 'string' ? value : (checkValue(value) ?? value);
}

function toNumber(key: string, field: LineField): number | string {
  switch (field.type) {
    case 'float':
      return field.value;
    case 'boolean':
      return field.value ? 1 : 0;
    case 'string':
      return `string fields are not stored: field ${quote(key)} is a string; send numbers or booleans`;
    case 'integer':
    case 'unsigned': {
      const value = Number(field.value);
      if (Number.isSafeInteger(value)) return value;
      return (
        `field ${quote(key)} value ${field.value} is beyond ±${Number.MAX_SAFE_INTEGER} and cannot be stored ` +
        'exactly; send it as a float (without the i/u suffix) if rounding is acceptable'
      );
    }
  }
}
