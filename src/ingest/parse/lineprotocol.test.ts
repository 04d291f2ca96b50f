import { describe, expect, it } from 'vitest';
import { parseLineProtocol, type LineField, type ParseOptions } from './lineprotocol.js';

const NOW = 1_732_701_600_000;
const NS: ParseOptions = { precision: 'ns', now: NOW };

function one(line: string, opts: ParseOptions = NS) {
  const { points, errors } = parseLineProtocol(line, opts);
  expect(errors).toEqual([]);
  expect(points).toHaveLength(1);
  return points[0]!;
}

function errorOf(line: string, opts: ParseOptions = NS) {
  const { points, errors } = parseLineProtocol(line, opts);
  expect(points).toEqual([]);
  expect(errors).toHaveLength(1);
  return errors[0]!;
}

function field(line: string): LineField {
  return one(`m f=${line}`).fields.f!;
}

describe('parseLineProtocol: structure', () => {
  it('decodes measurement, tags, fields and a nanosecond timestamp', () => {
    expect(one('m,location=a,asset=b,sensor=c temp=21.5,hum=40i 1732700000000000000')).toEqual({
      measurement: 'm',
      tags: { location: 'a', asset: 'b', sensor: 'c' },
      fields: { temp: { type: 'float', value: 21.5 }, hum: { type: 'integer', value: 40n } },
      ts: 1_732_700_000_000,
      line: 1,
    });
  });

  it('needs no tags and uses `now` when the timestamp is missing', () => {
    expect(one('cpu usage=97.5')).toEqual({
      measurement: 'cpu',
      tags: {},
      fields: { usage: { type: 'float', value: 97.5 } },
      ts: NOW,
      line: 1,
    });
  });

  it('skips comments and blank lines but counts them in line numbers', () => {
    const text = '# header\n\n   \nm f=1\n  # indented comment\nm f=2\n';
    const { points, errors } = parseLineProtocol(text, NS);
    expect(errors).toEqual([]);
    expect(points.map((p) => p.line)).toEqual([4, 6]);
  });

  it('tolerates CRLF line endings, leading spaces and runs of spaces between sections', () => {
    const { points, errors } = parseLineProtocol('m f=1 5000000\r\n  m   f=2   6000000  \r\nm f=3\r\n', NS);
    expect(errors).toEqual([]);
    expect(points.map((p) => [p.fields.f, p.ts, p.line])).toEqual([
      [{ type: 'float', value: 1 }, 5, 1],
      [{ type: 'float', value: 2 }, 6, 2],
      [{ type: 'float', value: 3 }, NOW, 3],
    ]);
  });

  it('returns nothing for empty input', () => {
    expect(parseLineProtocol('', NS)).toEqual({ points: [], errors: [] });
    expect(parseLineProtocol('\n\r\n# only comments', NS)).toEqual({ points: [], errors: [] });
  });

  it('keeps decoding after bad lines and names each bad line', () => {
    const text = ['m f=1', 'm f=abc', '# comment', 'm f=2', 'm', 'm f=3'].join('\n');
    const { points, errors } = parseLineProtocol(text, NS);
    expect(points.map((p) => p.line)).toEqual([1, 4, 6]);
    expect(errors.map((e) => e.line)).toEqual([2, 5]);
  });

  it('keeps own keys named like Object.prototype members', () => {
    const p = one('m,__proto__=x,constructor=y __proto__=1,toString=2');
    expect(Object.getPrototypeOf(p.tags)).toBe(Object.prototype);
    expect(Object.keys(p.tags)).toEqual(['__proto__', 'constructor']);
    expect(Object.hasOwn(p.tags, '__proto__') && p.tags['__proto__']).toBe('x');
    expect(Object.keys(p.fields)).toEqual(['__proto__', 'toString']);
  });

  it('accepts unicode and emoji anywhere', () => {
    const p = one('météo,lieu=Zürich,🍭=🚀 température=21.5,note="été ☀"');
    expect(p.measurement).toBe('météo');
    expect(p.tags).toEqual({ lieu: 'Zürich', '🍭': '🚀' });
    expect(p.fields.note).toEqual({ type: 'string', value: 'été ☀' });
  });
});

describe('parseLineProtocol: escaping', () => {
  it('unescapes comma and space in measurements, where "=" is literal', () => {
    expect(one('my\\ meas\\,ure=ment f=1').measurement).toBe('my meas,ure=ment');
  });

  it('unescapes comma, equals sign and space in tag keys, tag values and field keys', () => {
    const p = one('m,tag\\ k\\=1\\,x=v\\ 1\\=2\\,3 f\\ k\\=\\,=1');
    expect(p.tags).toEqual({ 'tag k=1,x': 'v 1=2,3' });
    expect(Object.keys(p.fields)).toEqual(['f k=,']);
  });

  it('reads a doubled backslash as one, and a backslash before anything else literally', () => {
    expect(one('C:\\temp\\\\,path=C:\\dir\\\\ f=1').measurement).toBe('C:\\temp\\');
    expect(one('C:\\temp\\\\,path=C:\\dir\\\\ f=1').tags).toEqual({ path: 'C:\\dir\\' });
    expect(one('a\\\\\\ b f=1').measurement).toBe('a\\ b');
    expect(one('a\\=b f=1').measurement).toBe('a\\=b');
  });

  it('unescapes double quotes and backslashes in string values; other text is literal', () => {
    expect(field('"say \\"hi\\""')).toEqual({ type: 'string', value: 'say "hi"' });
    expect(field('"a\\\\b"')).toEqual({ type: 'string', value: 'a\\b' });
    expect(field('"line\\nbreak, tab\\t"')).toEqual({ type: 'string', value: 'line\\nbreak, tab\\t' });
    expect(field('"a, b=c d"')).toEqual({ type: 'string', value: 'a, b=c d' });
    expect(field('""')).toEqual({ type: 'string', value: '' });
    expect(field('"trailing\\\\"')).toEqual({ type: 'string', value: 'trailing\\' });
  });

  it('lets string values contain what would end other tokens', () => {
    const p = one('m s="x y,z=\\"q\\" # not a comment",n=1 1000000');
    expect(p.fields).toEqual({
      s: { type: 'string', value: 'x y,z="q" # not a comment' },
      n: { type: 'float', value: 1 },
    });
    expect(p.ts).toBe(1);
  });
});

describe('parseLineProtocol: field values', () => {
  it.each([
    ['1', 1],
    ['1.5', 1.5],
    ['-1.5e3', -1500],
    ['-1.234456e+78', -1.234456e78],
    ['1E-2', 0.01],
    ['.5', 0.5],
    ['1.', 1],
    ['0', 0],
    ['-0', -0],
    ['007', 7],
  ])('float %s', (text, value) => {
    expect(field(text)).toEqual({ type: 'float', value });
  });

  it.each([
    ['12i', 12n],
    ['-12i', -12n],
    ['0i', 0n],
    ['9223372036854775807i', 9223372036854775807n],
    ['-9223372036854775808i', -9223372036854775808n],
  ])('integer %s', (text, value) => {
    expect(field(text)).toEqual({ type: 'integer', value });
  });

  it.each([
    ['12u', 12n],
    ['0u', 0n],
    ['18446744073709551615u', 18446744073709551615n],
  ])('unsigned %s', (text, value) => {
    expect(field(text)).toEqual({ type: 'unsigned', value });
  });

  it.each(['t', 'T', 'true', 'True', 'TRUE'])('boolean true: %s', (text) => {
    expect(field(text)).toEqual({ type: 'boolean', value: true });
  });

  it.each(['f', 'F', 'false', 'False', 'FALSE'])('boolean false: %s', (text) => {
    expect(field(text)).toEqual({ type: 'boolean', value: false });
  });

  it.each([
    'abc',
    'tRUE',
    'yes',
    'fals',
    '1.5i',
    '1x',
    '+1',
    '0x10',
    'NaN',
    'Inf',
    '-Inf',
    '1e',
    '1e+',
    '.',
    '-',
    '--1',
    '1.2.3',
    '12ii',
    '-i',
  ])('rejects %s naming the field and the value', (text) => {
    const error = errorOf(`m temp=${text}`);
    expect(error.field).toBe('fields.temp');
    expect(error.reason).toMatch(
      new RegExp(
        `^field "temp" has invalid value ${JSON.stringify(text).replace(/[.+]/g, '\\$&')}: expected`,
      ),
    );
  });

  it('rejects out-of-range numbers', () => {
    expect(errorOf('m f=9223372036854775808i').reason).toBe(
      'field "f" value "9223372036854775808i" is out of the signed 64-bit range',
    );
    expect(errorOf('m f=-9223372036854775809i').reason).toContain('signed 64-bit range');
    expect(errorOf('m f=18446744073709551616u').reason).toContain('unsigned 64-bit range');
    expect(errorOf(`m f=${'9'.repeat(5000)}i`).reason).toContain('signed 64-bit range');
    expect(errorOf('m f=-1u').reason).toContain('has invalid value "-1u"');
    expect(errorOf('m f=1e999').reason).toBe('field "f" value "1e999" is out of the float64 range');
  });

  it('shortens a huge bad value in the reason', () => {
    expect(errorOf(`m f=${'x'.repeat(10_000)}`).reason.length).toBeLessThan(200);
  });
});

describe('parseLineProtocol: timestamps', () => {
  it.each([
    ['ns', '1732700000123456789', 1_732_700_000_123],
    ['us', '1732700000123456', 1_732_700_000_123],
    ['ms', '1732700000123', 1_732_700_000_123],
    ['s', '1732700000', 1_732_700_000_000],
    ['ns', '999999', 0],
    ['ns', '-1', -1],
    ['ns', '-1000000', -1],
    ['ns', '-1000001', -2],
    ['us', '-1', -1],
    ['ms', '-5', -5],
    ['s', '-5', -5000],
    ['ns', '0', 0],
    ['ns', '-0', 0],
    ['ns', '0001000000', 1],
    ['ns', '9223372036854775806', 9_223_372_036_854],
    ['ns', '-9223372036854775806', -9_223_372_036_855],
    ['s', '9223372036', 9_223_372_036_000],
  ] as const)('precision %s: %s -> %d ms (floored)', (precision, text, ms) => {
    expect(one(`m f=1 ${text}`, { precision, now: NOW }).ts).toBe(ms);
  });

  it.each([
    ['ns', '9223372036854775807'],
    ['ns', '-9223372036854775807'],
    ['ns', '10000000000000000000'],
    ['us', '9223372036854776'],
    ['ms', '9223372036855'],
    ['s', '9223372037'],
  ] as const)('precision %s: rejects %s as out of range', (precision, text) => {
    const error = errorOf(`m f=1 ${text}`, { precision, now: NOW });
    expect(error).toEqual({
      line: 1,
      field: 'timestamp',
      reason: `timestamp "${text}" is out of range for precision ${precision}`,
    });
  });

  it.each(['1.5', '12a', '1e9', '-', 'now', '0x10'])('rejects the non-integer timestamp %s', (text) => {
    expect(errorOf(`m f=1 ${text}`)).toEqual({
      line: 1,
      field: 'timestamp',
      reason: `timestamp ${JSON.stringify(text)} is not an integer`,
    });
  });

  it('rejects text after the timestamp', () => {
    expect(errorOf('m f=1 1000 extra').reason).toBe('unexpected text after the timestamp: "extra"');
  });
});

describe('parseLineProtocol: syntax errors', () => {
  it.each([
    ['m', 'line', 'missing field set: expected a space then field=value after the measurement and tags'],
    ['m,t=v', 'line', 'missing field set: expected a space then field=value after the measurement and tags'],
    ['m ', 'line', 'missing field set: expected field=value after the space'],
    [',t=v f=1', 'measurement', 'missing measurement name at the start of the line'],
    [' ,t=v f=1', 'measurement', 'missing measurement name at the start of the line'],
    ['m, f=1', 'line', 'missing tag key after ","'],
    ['m,=v f=1', 'line', 'missing tag key after ","'],
    ['m,t f=1', 'tags.t', 'tag "t" is missing "=value"'],
    ['m,t,u=v f=1', 'tags.t', 'tag "t" is missing "=value"'],
    ['m,t= f=1', 'tags.t', 'tag "t" has an empty value: omit the tag instead'],
    ['m,t=a=b f=1', 'tags.t', 'tag "t" has an unescaped "=" in its value: write it as \\='],
    ['m,t=a,t=b f=1', 'tags.t', 'tag "t" appears twice'],
    ['m f', 'fields.f', 'field "f" is missing "=value"'],
    ['m f,g=1', 'fields.f', 'field "f" is missing "=value"'],
    ['m f=', 'fields.f', 'field "f" has no value after "="'],
    ['m f=,g=1', 'fields.f', 'field "f" has no value after "="'],
    ['m =1', 'line', 'missing field key: fields are key=value, separated by commas'],
    ['m f=1,', 'line', 'missing field key: fields are key=value, separated by commas'],
    ['m f=1,,g=2', 'line', 'missing field key: fields are key=value, separated by commas'],
    ['m f=1, g=2', 'line', 'missing field key: fields are key=value, separated by commas'],
    ['m f=1,f=2', 'fields.f', 'field "f" appears twice'],
    ['m f="open', 'fields.f', 'field "f" has a string value without its closing quote'],
    ['m f="open\\"', 'fields.f', 'field "f" has a string value without its closing quote'],
    ['m f="', 'fields.f', 'field "f" has a string value without its closing quote'],
    ['m f="a"b', 'fields.f', 'field "f" has text after its closing quote; escape inner quotes as \\"'],
  ])('%s -> %s: %s', (line, where, reason) => {
    expect(errorOf(line)).toEqual({ line: 1, field: where, reason });
  });

  it("gives the brief's example reasons", () => {
    const { errors } = parseLineProtocol('a f=1\nb f=1\nm temp=abc\nc f=1\nm', NS);
    expect(errors.map((e) => `line ${e.line}: ${e.reason}`)).toEqual([
      expect.stringMatching(/^line 3: field "temp" has invalid value "abc"/),
      expect.stringMatching(/^line 5: missing field set/),
    ]);
  });

  it('reads a line that starts with "#" after an escape as a measurement, not a comment', () => {
    expect(one('\\ # f=1').measurement).toBe(' #');
  });
});
