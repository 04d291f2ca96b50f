/**
 * Line protocol encoder, the inverse of `parseLineProtocol`: the producer SDK, the simulator and the
 * tests write points with it. It escapes every backslash in names, so what it writes decodes to the
 * same names under the reference's escaping rules (see lineprotocol.ts).
 *
 * It throws a RangeError for a point the protocol cannot carry (a newline anywhere, an empty name
 * or tag value, no fields, a measurement starting with "#", a non-finite float, an integer beyond
 * 64 bits): writing it anyway would silently produce a different point or a comment.
 */
import {
  encodeTimestamp,
  INT64_MAX,
  INT64_MIN,
  UINT64_MAX,
  type LineField,
  type Precision,
} from './lineprotocol-values.js';

export interface LinePointInput {
  measurement: string;
  tags?: Record<string, string>;
  fields: Record<string, LineField>;
  /** UTC epoch ms; omitted means the receiver's clock. */
  ts?: number;
}

export function formatLineProtocol(
  points: Iterable<LinePointInput>,
  opts: { precision?: Precision } = {},
): string {
  const precision = opts.precision ?? 'ns';
  const lines: string[] = [];
  for (const point of points) lines.push(formatPoint(point, precision));
  return lines.join('\n');
}

function formatPoint(point: LinePointInput, precision: Precision): string {
  if (point.measurement.startsWith('#')) {
    cannot(`measurement ${JSON.stringify(point.measurement)} would read as a comment`);
  }
  let out = escape(point.measurement, MEASUREMENT_SPECIALS, 'measurement');
  for (const [key, value] of Object.entries(point.tags ?? {})) {
    out += `,${escape(key, KEY_SPECIALS, 'tag key')}=${escape(value, KEY_SPECIALS, `tag ${JSON.stringify(key)}`)}`;
  }
  const fields = Object.entries(point.fields);
  if (fields.length === 0) cannot('a point needs at least one field');
  let separator = ' ';
  for (const [key, field] of fields) {
    out += `${separator}${escape(key, KEY_SPECIALS, 'field key')}=${formatField(key, field)}`;
    separator = ',';
  }
  if (point.ts === undefined) return out;
  const ts = encodeTimestamp(point.ts, precision);
  if (ts === undefined) cannot(`ts ${point.ts} cannot be written exactly in precision ${precision}`);
  return `${out} ${ts}`;
}

function formatField(key: string, field: LineField): string {
  switch (field.type) {
    case 'float':
      if (!Number.isFinite(field.value)) {
        cannot(`field ${JSON.stringify(key)}: ${field.value} is not a finite float`);
      }
      return Object.is(field.value, -0) ? '-0' : String(field.value);
    case 'integer':
      if (field.value < INT64_MIN || field.value > INT64_MAX) {
        cannot(`field ${JSON.stringify(key)}: beyond int64`);
      }
      return `${field.value}i`;
    case 'unsigned':
      if (field.value < 0n || field.value > UINT64_MAX) cannot(`field ${JSON.stringify(key)}: beyond uint64`);
      return `${field.value}u`;
    case 'boolean':
      return field.value ? 'true' : 'false';
    case 'string':
      noNewline(field.value, `field ${JSON.stringify(key)}`);
      return `"${field.value.replace(/["\\]/g, '\\$&')}"`;
  }
}

const MEASUREMENT_SPECIALS = /[\\, ]/g;
const KEY_SPECIALS = /[\\,= ]/g;

function escape(name: string, specials: RegExp, what: string): string {
  if (name === '') cannot(`${what} is empty`);
  noNewline(name, what);
  return name.replace(specials, '\\$&');
}

function noNewline(text: string, what: string): void {
  if (text.includes('\n')) cannot(`${what} contains a newline`);
}

function cannot(reason: string): never {
  throw new RangeError(`cannot write line protocol: ${reason}`);
}
