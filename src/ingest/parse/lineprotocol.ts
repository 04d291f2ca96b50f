/**
 * InfluxDB line protocol decoder (docs.influxdata.com, "Line protocol" reference):
 *
 *   measurement[,tag=value...] field=value[,field=value...] [timestamp]
 *
 * One point per line; `#` comment lines and blank lines are skipped, CRLF is tolerated, and a bad
 * line becomes an error naming its line number while every other line is still decoded.
 *
 * Escapes follow the reference: a backslash before a character that would otherwise delimit
 * (comma, space; also `=` in tag keys, tag values and field keys; `"` in string values) or before
 * another backslash stands for that character; before anything else it is a literal backslash. So
 * `C:\temp` needs no escaping, and `\\` lets a name end in a backslash.
 *
 * Strict where leniency would store something the sender did not mean: an unescaped `=` in a tag
 * value, or a tag or field key repeated within a line, rejects the line. String values cannot span
 * lines (the reference allows no newline in values), so a line is always a point.
 */
import { decodeFieldValue, decodeTimestamp, type LineField, type Precision } from './lineprotocol-values.js';
import { quote } from './validate.js';

export type { LineField, Precision } from './lineprotocol-values.js';
export { formatLineProtocol, type LinePointInput } from './lineprotocol-format.js';

/** `tags` and `fields` hold the sender's keys as own properties: look them up with Object.hasOwn. */
export interface LinePoint {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, LineField>;
  /** UTC epoch ms (floored from finer precisions). */
  ts: number;
  /** 1-based line number in the input. */
  line: number;
}

export interface LineError {
  line: number;
  /** What is at fault: "measurement", "tags.<key>", "fields.<key>", "timestamp" or "line". */
  field: string;
  reason: string;
}

export interface ParseOptions {
  /** Unit of the timestamps in the text; the protocol's default is 'ns'. */
  precision: Precision;
  /** Timestamp (epoch ms) for lines without one. */
  now: number;
}

const SPACE = 32;
const COMMA = 44;
const EQUALS = 61;
const QUOTE = 34;
const BACKSLASH = 92;
const HASH = 35;
const CR = 13;

class LineSyntaxError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(reason);
  }
}

export function parseLineProtocol(
  text: string,
  opts: ParseOptions,
): { points: LinePoint[]; errors: LineError[] } {
  const points: LinePoint[] = [];
  const errors: LineError[] = [];
  let line = 0;
  for (let start = 0; start <= text.length;) {
    let newline = text.indexOf('\n', start);
    if (newline === -1) newline = text.length;
    line++;
    let end = newline;
    if (end > start && text.charCodeAt(end - 1) === CR) end--;
    let pos = start;
    while (pos < end && text.charCodeAt(pos) === SPACE) pos++;
    if (pos < end && text.charCodeAt(pos) !== HASH) {
      try {
        points.push(parseLine(text, pos, end, line, opts));
      } catch (err) {
        if (!(err instanceof LineSyntaxError)) throw err;
        errors.push({ line, field: err.field, reason: err.message });
      }
    }
    start = newline + 1;
  }
  return { points, errors };
}

function parseLine(text: string, start: number, end: number, line: number, opts: ParseOptions): LinePoint {
  let pos = scanName(text, start, end, false);
  if (pos === start) fail('measurement', 'missing measurement name at the start of the line');
  const measurement = unescapeName(text.slice(start, pos), false);
  const tags: Record<string, string> = {};
  while (pos < end && text.charCodeAt(pos) === COMMA) {
    pos = parseTag(text, pos + 1, end, tags);
  }
  if (pos >= end) {
    fail('line', 'missing field set: expected a space then field=value after the measurement and tags');
  }
  while (pos < end && text.charCodeAt(pos) === SPACE) pos++;
  if (pos >= end) fail('line', 'missing field set: expected field=value after the space');
  const fields: Record<string, LineField> = {};
  for (;;) {
    pos = parseField(text, pos, end, fields);
    if (pos >= end || text.charCodeAt(pos) === SPACE) break;
    pos++; // the comma between fields
  }
  while (pos < end && text.charCodeAt(pos) === SPACE) pos++;
  if (pos >= end) return { measurement, tags, fields, ts: opts.now, line };
  let tsEnd = pos;
  while (tsEnd < end && text.charCodeAt(tsEnd) !== SPACE) tsEnd++;
  const token = text.slice(pos, tsEnd);
  while (tsEnd < end && text.charCodeAt(tsEnd) === SPACE) tsEnd++;
  if (tsEnd < end) fail('line', `unexpected text after the timestamp: ${quote(text.slice(tsEnd, end), 40)}`);
  const ts = decodeTimestamp(token, opts.precision);
  if (typeof ts === 'string') fail('timestamp', ts);
  return { measurement, tags, fields, ts, line };
}

/** Parses `key=value` at `pos`; returns the position of the delimiter after the value. */
function parseTag(text: string, pos: number, end: number, tags: Record<string, string>): number {
  const keyEnd = scanName(text, pos, end, true);
  if (keyEnd === pos) fail('line', 'missing tag key after ","');
  const key = unescapeName(text.slice(pos, keyEnd), true);
  if (text.charCodeAt(keyEnd) !== EQUALS || keyEnd >= end) {
    fail(`tags.${key}`, `tag ${quote(key)} is missing "=value"`);
  }
  const valueEnd = scanName(text, keyEnd + 1, end, true);
  if (valueEnd < end && text.charCodeAt(valueEnd) === EQUALS) {
    fail(`tags.${key}`, `tag ${quote(key)} has an unescaped "=" in its value: write it as \\=`);
  }
  if (valueEnd === keyEnd + 1) {
    fail(`tags.${key}`, `tag ${quote(key)} has an empty value: omit the tag instead`);
  }
  if (Object.hasOwn(tags, key)) fail(`tags.${key}`, `tag ${quote(key)} appears twice`);
  setOwn(tags, key, unescapeName(text.slice(keyEnd + 1, valueEnd), true));
  return valueEnd;
}

/** Parses `key=value` at `pos`; returns the position of the delimiter after the value. */
function parseField(text: string, pos: number, end: number, fields: Record<string, LineField>): number {
  const keyEnd = scanName(text, pos, end, true);
  if (keyEnd === pos) fail('line', 'missing field key: fields are key=value, separated by commas');
  const key = unescapeName(text.slice(pos, keyEnd), true);
  const where = `fields.${key}`;
  if (keyEnd >= end || text.charCodeAt(keyEnd) !== EQUALS) {
    fail(where, `field ${quote(key)} is missing "=value"`);
  }
  let value: LineField | string;
  let valueEnd: number;
  if (text.charCodeAt(keyEnd + 1) === QUOTE && keyEnd + 1 < end) {
    const close = scanString(text, keyEnd + 2, end);
    if (close >= end) fail(where, `field ${quote(key)} has a string value without its closing quote`);
    value = { type: 'string', value: unescapeString(text.slice(keyEnd + 2, close)) };
    valueEnd = close + 1;
    const next = text.charCodeAt(valueEnd);
    if (valueEnd < end && next !== COMMA && next !== SPACE) {
      fail(where, `field ${quote(key)} has text after its closing quote; escape inner quotes as \\"`);
    }
  } else {
    valueEnd = keyEnd + 1;
    for (let c = text.charCodeAt(valueEnd); valueEnd < end && c !== COMMA && c !== SPACE;) {
      c = text.charCodeAt(++valueEnd);
    }
    if (valueEnd === keyEnd + 1) fail(where, `field ${quote(key)} has no value after "="`);
    value = decodeFieldValue(key, text.slice(keyEnd + 1, valueEnd));
  }
  if (typeof value === 'string') fail(where, value);
  if (Object.hasOwn(fields, key)) fail(where, `field ${quote(key)} appears twice`);
  setOwn(fields, key, value);
  return valueEnd;
}

// Set by the last scanName so that unescapeName, always called on that scan's text before the next
// scan, can skip names without escapes (almost all) without searching them again.
let scannedBackslash = false;

/**
 * Finds the end of a measurement (stops at comma or space) or a key/tag value (also stops at `=`).
 * A backslash always takes the next character with it: every delimiter is escapable, so an
 * escaped character is never a delimiter.
 */
function scanName(text: string, pos: number, end: number, stopAtEquals: boolean): number {
  scannedBackslash = false;
  while (pos < end) {
    const c = text.charCodeAt(pos);
    if (c === COMMA || c === SPACE || (c === EQUALS && stopAtEquals)) return pos;
    if (c === BACKSLASH) {
      scannedBackslash = true;
      pos += 2;
    } else pos++;
  }
  return end;
}

/** Finds the closing quote of a string value starting at `pos`, or `end` when there is none. */
function scanString(text: string, pos: number, end: number): number {
  while (pos < end) {
    const c = text.charCodeAt(pos);
    if (c === QUOTE) return pos;
    pos += c === BACKSLASH ? 2 : 1;
  }
  return end;
}

/** Unescapes the text of the last scanName. */
function unescapeName(raw: string, equalsEscapable: boolean): string {
  if (!scannedBackslash) return raw;
  return unescape(
    raw,
    (c) => c === COMMA || c === SPACE || c === BACKSLASH || (equalsEscapable && c === EQUALS),
  );
}

function unescapeString(raw: string): string {
  if (raw.indexOf('\\') === -1) return raw;
  return unescape(raw, (c) => c === QUOTE || c === BACKSLASH);
}

function unescape(raw: string, escapable: (c: number) => boolean): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw.charCodeAt(i) === BACKSLASH && i + 1 < raw.length && escapable(raw.charCodeAt(i + 1))) {
      out += raw.slice(from, i);
      from = i + 1;
      i++;
    }
  }
  return out + raw.slice(from);
}

/**
 * Plain objects rather than null-prototype ones: they keep V8's fast properties, which is a third of
 * the parse time. Only "__proto__" needs care, as assigning it would replace the prototype.
 */
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  } else record[key] = value;
}

function fail(field: string, reason: string): never {
  throw new LineSyntaxError(field, reason);
}
