import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLineProtocol, mapLinePoints, type LineProtocolContext } from './influx-mapping.js';
import type { LinePoint } from './lineprotocol.js';
import { validateReading } from './validate.js';

const NOW = Date.UTC(2024, 10, 27, 10, 0, 0);
const NOW_NS = `${NOW}000000`;
const CTX: LineProtocolContext = {
  tenant: 'acme',
  precision: 'ns',
  now: NOW,
  maxPastMs: 7 * 86_400_000,
  maxFutureMs: 300_000,
};

describe('decodeLineProtocol', () => {
  it('turns every field of a line into one reading, identity from the tags', () => {
    const { readings, rejections } = decodeLineProtocol(
      `m,location=hq,asset=chiller-1,sensor=t1 temp=21.5,hum=40i ${NOW_NS}`,
      CTX,
    );
    expect(rejections).toEqual([]);
    const base = { tenant: 'acme', location: 'hq', asset: 'chiller-1', sensor: 't1', ts: NOW };
    expect(readings).toEqual([
      { ...base, parameter: 'temp', value: 21.5 },
      { ...base, parameter: 'hum', value: 40 },
    ]);
  });

  it('falls back to measurement for sensor, sensor for asset, "default" for location', () => {
    const { readings } = decodeLineProtocol('cpu usage=97.5', CTX);
    expect(readings).toEqual([
      {
        tenant: 'acme',
        location: 'default',
        asset: 'cpu',
        sensor: 'cpu',
        parameter: 'usage',
        ts: NOW,
        value: 97.5,
      },
    ]);
    expect(decodeLineProtocol('m,sensor=s1 v=1', CTX).readings[0]).toMatchObject({
      sensor: 's1',
      asset: 's1',
    });
    expect(decodeLineProtocol('m,asset=a1 v=1', CTX).readings[0]).toMatchObject({ sensor: 'm', asset: 'a1' });
  });

  it('ignores other tags', () => {
    const { readings, rejections } = decodeLineProtocol('m,host=gw\\ 1,region=eu v=1', CTX);
    expect(rejections).toEqual([]);
    expect(readings).toHaveLength(1);
  });

  it('maps booleans to 1 and 0, unsigned and safe integers to numbers', () => {
    const { readings } = decodeLineProtocol(
      `m on=true,off=F,n=7u,big=9007199254740991i,neg=-9007199254740991i ${NOW_NS}`,
      CTX,
    );
    expect(readings.map((r) => [r.parameter, r.value])).toEqual([
      ['on', 1],
      ['off', 0],
      ['n', 7],
      ['big', 9007199254740991],
      ['neg', -9007199254740991],
    ]);
  });

  it('rejects integers beyond Number.MAX_SAFE_INTEGER, keeping the other fields', () => {
    const { readings, rejections } = decodeLineProtocol(
      'm a=9007199254740992i,b=1,c=18446744073709551615u',
      CTX,
    );
    expect(readings.map((r) => r.parameter)).toEqual(['b']);
    expect(rejections).toEqual([
      {
        index: 1,
        field: 'fields.a',
        reason:
          'field "a" value 9007199254740992 is beyond ±9007199254740991 and cannot be stored exactly; send it as a float (without the i/u suffix) if rounding is acceptable',
      },
      {
        index: 1,
        field: 'fields.c',
        reason: expect.stringContaining('value 18446744073709551615 is beyond'),
      },
    ]);
  });

  it('rejects string fields one by one, keeping the other fields of the line', () => {
    const { readings, rejections } = decodeLineProtocol('m status="ok",temp=21.5', CTX);
    expect(readings.map((r) => r.parameter)).toEqual(['temp']);
    expect(rejections).toEqual([
      {
        index: 1,
        field: 'fields.status',
        reason: 'string fields are not stored: field "status" is a string; send numbers or booleans',
      },
    ]);
  });

  it('rejects a field key that is not a valid parameter', () => {
    const { readings, rejections } = decodeLineProtocol('m bad\\ key=1,ok=2', CTX);
    expect(readings.map((r) => r.parameter)).toEqual(['ok']);
    expect(rejections).toEqual([
      { index: 1, field: 'fields.bad key', reason: expect.stringMatching(/^parameter "bad key" is invalid/) },
    ]);
  });

  it('rejects the whole line once when a tag makes an invalid key, naming the tag', () => {
    const { readings, rejections } = decodeLineProtocol(
      'm,location=head\\ office a=1,b=2\nm,sensor=s/1 a=1\nm,asset=_x a=1',
      CTX,
    );
    expect(readings).toEqual([]);
    expect(rejections).toEqual([
      {
        index: 1,
        field: 'tags.location',
        reason: expect.stringMatching(/^location "head office" is invalid/),
      },
      { index: 2, field: 'tags.sensor', reason: expect.stringMatching(/^sensor "s\/1" is invalid/) },
      { index: 3, field: 'tags.asset', reason: expect.stringMatching(/^asset "_x" is invalid/) },
    ]);
  });

  it('blames the measurement when it stood in for an invalid sensor or asset', () => {
    const { rejections } = decodeLineProtocol('my\\ meas v=1', CTX);
    expect(rejections).toEqual([
      {
        index: 1,
        field: 'measurement',
        reason:
          'sensor "my meas" is invalid: use 1 to 64 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit' +
          ' (the measurement name stands in for the missing "sensor" tag)',
      },
    ]);
  });

  it('rejects an invalid tenant', () => {
    const { rejections } = decodeLineProtocol('m v=1', { ...CTX, tenant: 'a b' });
    expect(rejections).toEqual([
      { index: 1, field: 'tenant', reason: expect.stringMatching(/^tenant "a b" is invalid/) },
    ]);
  });

  it('rejects lines outside the time window, hinting at the precision', () => {
    const { rejections } = decodeLineProtocol(`m v=1 ${NOW}`, CTX);
    expect(rejections).toEqual([
      {
        index: 1,
        field: 'timestamp',
        reason:
          'ts 1970-01-01T00:28:52.701Z is outside the accepted window 2024-11-20T10:00:00.000Z to 2024-11-27T10:05:00.000Z ' +
          '(timestamps are read in precision "ns"; set the precision your device sends)',
      },
    ]);
    expect(decodeLineProtocol(`m v=1 ${NOW}`, { ...CTX, precision: 'ms' }).rejections).toEqual([]);
  });

  it('merges syntax errors and mapping rejections in line order', () => {
    const text = ['m s="x"', 'm v=abc', 'm v=1', 'bad', 'm,sensor=a\\ b v=1'].join('\n');
    const { readings, rejections } = decodeLineProtocol(text, CTX);
    expect(readings).toHaveLength(1);
    expect(rejections.map((r) => [r.index, r.field])).toEqual([
      [1, 'fields.s'],
      [2, 'fields.v'],
      [4, 'line'],
      [5, 'tags.sensor'],
    ]);
  });

  it('only ever returns valid readings', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 6 }), (lines) => {
        const { readings } = decodeLineProtocol(lines.join('\n'), CTX);
        for (const r of readings) expect(validateReading(r, CTX)).toBeNull();
      }),
    );
  });
});

describe('mapLinePoints', () => {
  it('rechecks values, since points may come from JS callers rather than the parser', () => {
    const point: LinePoint = {
      measurement: 'm',
      tags: {},
      fields: { x: { type: 'float', value: NaN } },
      ts: NOW,
      line: 7,
    };
    expect(mapLinePoints([point], CTX).rejections).toEqual([
      { index: 7, field: 'fields.x', reason: 'value must be a finite number, got NaN' },
    ]);
  });

  it('reads only own tags, never inherited properties', () => {
    const tags = Object.create({ sensor: 'inherited', location: 'inherited' }) as Record<string, string>;
    const point: LinePoint = {
      measurement: 'm',
      tags,
      fields: { x: { type: 'float', value: 1 } },
      ts: NOW,
      line: 1,
    };
    expect(mapLinePoints([point], CTX).readings[0]).toMatchObject({
      sensor: 'm',
      asset: 'm',
      location: 'default',
    });
  });
});
