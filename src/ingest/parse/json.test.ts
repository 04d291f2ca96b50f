import { describe, expect, it } from 'vitest';
import { decodeIngestBatch, decodeSensorPayload, type BatchContext, type SensorContext } from './json.js';

const NOW = Date.UTC(2024, 10, 27, 10, 0, 0);
const POLICY = { now: NOW, maxPastMs: 7 * 86_400_000, maxFutureMs: 300_000 };
const SENSOR: SensorContext = { tenant: 'acme', location: 'hq', asset: 'chiller-1', sensor: 't1', ...POLICY };
const BATCH: BatchContext = { tenant: 'acme', ...POLICY };
const ID = { tenant: 'acme', location: 'hq', asset: 'chiller-1', sensor: 't1' };
const WINDOW = 'the accepted window 2024-11-20T10:00:00.000Z to 2024-11-27T10:05:00.000Z';

describe('decodeSensorPayload', () => {
  it('decodes one record: identity from the topic, one reading per value', () => {
    const { readings, rejections } = decodeSensorPayload(
      `{"ts": ${NOW - 1000}, "values": {"temp": 21.5, "humidity": 40}}`,
      SENSOR,
    );
    expect(rejections).toEqual([]);
    expect(readings).toEqual([
      { ...ID, parameter: 'temp', ts: NOW - 1000, value: 21.5 },
      { ...ID, parameter: 'humidity', ts: NOW - 1000, value: 40 },
    ]);
  });

  it('accepts a Buffer and an array of records', () => {
    const payload = Buffer.from(`[{"ts": ${NOW}, "values": {"a": 1}}, {"values": {"b": 2}}]`);
    expect(decodeSensorPayload(payload, SENSOR).readings.map((r) => [r.parameter, r.ts])).toEqual([
      ['a', NOW],
      ['b', NOW],
    ]);
  });

  it('defaults ts to now, maps booleans to 1/0', () => {
    const { readings } = decodeSensorPayload('{"values": {"on": true, "alarm": false}}', SENSOR);
    expect(readings).toEqual([
      { ...ID, parameter: 'on', ts: NOW, value: 1 },
      { ...ID, parameter: 'alarm', ts: NOW, value: 0 },
    ]);
  });

  it('accepts ISO-8601 timestamps with a zone', () => {
    const { readings } = decodeSensorPayload(
      '{"ts": "2024-11-27T10:59:00+01:00", "values": {"t": 1}}',
      SENSOR,
    );
    expect(readings[0]?.ts).toBe(NOW - 60_000);
  });

  it('refuses ISO-8601 timestamps without a zone, saying so', () => {
    expect(decodeSensorPayload('{"ts": "2024-11-27T10:00:00", "values": {"t": 1}}', SENSOR)).toEqual({
      readings: [],
      rejections: [
        {
          index: 0,
          field: 'ts',
          reason: 'ts "2024-11-27T10:00:00" has no time zone; add "Z" for UTC or an offset such as "+01:00"',
        },
      ],
    });
  });

  it.each([
    ['"payload"', 'abc', 'payload is not valid JSON: '],
    ['"payload"', '', 'payload is not valid JSON: '],
    ['"payload"', '{"values": {"t": 1}', 'payload is not valid JSON: '],
    ['"payload"', '{"values": {"t": NaN}}', 'payload is not valid JSON: '],
  ])('rejects invalid JSON as one rejection on %s: %j', (_f, payload, reason) => {
    const result = decodeSensorPayload(payload, SENSOR);
    expect(result.readings).toEqual([]);
    expect(result.rejections).toEqual([
      { index: 0, field: 'payload', reason: expect.stringContaining(reason) },
    ]);
  });

  it('rejects bytes that are not UTF-8', () => {
    expect(decodeSensorPayload(Buffer.from([0x7b, 0xff, 0x7d]), SENSOR).rejections).toEqual([
      { index: 0, field: 'payload', reason: 'payload is not valid UTF-8' },
    ]);
  });

  it.each([
    ['42', 'a reading must be an object like {"ts": 1732700000000, "values": {"temp": 21.5}}, got a number'],
    ['null', 'a reading must be an object like {"ts": 1732700000000, "values": {"temp": 21.5}}, got null'],
    ['"x"', 'a reading must be an object like {"ts": 1732700000000, "values": {"temp": 21.5}}, got a string'],
  ])('rejects the payload %s as not a record', (payload, reason) => {
    expect(decodeSensorPayload(payload, SENSOR).rejections).toEqual([{ index: 0, field: 'payload', reason }]);
  });

  it.each([
    ['{}', '"values" must be a non-empty object of parameter: number, it is missing'],
    [
      '{"value": 21.5, "parameter": "temp"}',
      '"values" must be a non-empty object of parameter: number, it is missing',
    ],
    ['{"values": {}}', '"values" must be a non-empty object of parameter: number, got an object'],
    ['{"values": [1, 2]}', '"values" must be a non-empty object of parameter: number, got an array'],
    ['{"values": 21.5}', '"values" must be a non-empty object of parameter: number, got a number'],
  ])('rejects %s with an example of the expected shape', (payload, reason) => {
    expect(decodeSensorPayload(payload, SENSOR).rejections).toEqual([
      {
        index: 0,
        field: 'values',
        reason: `${reason}; e.g. {"ts": 1732700000000, "values": {"temp": 21.5}}`,
      },
    ]);
  });

  it('rejects bad values one by one and keeps the good ones', () => {
    const payload =
      '{"values": {"temp": 21.5, "s": "21.5", "n": null, "o": {}, "a": [], "bad key": 1, "hum": 40}}';
    const { readings, rejections } = decodeSensorPayload(payload, SENSOR);
    expect(readings.map((r) => r.parameter)).toEqual(['temp', 'hum']);
    expect(rejections).toEqual([
      { index: 0, field: 'values.s', reason: 'value must be a number or boolean, got a string' },
      { index: 0, field: 'values.n', reason: 'value must be a number or boolean, got null' },
      { index: 0, field: 'values.o', reason: 'value must be a number or boolean, got an object' },
      { index: 0, field: 'values.a', reason: 'value must be a number or boolean, got an array' },
      {
        index: 0,
        field: 'values.bad key',
        reason: expect.stringMatching(/^parameter "bad key" is invalid: use 1 to 64/),
      },
    ]);
  });

  it('rejects a "__proto__" parameter rather than touching any prototype', () => {
    const { readings, rejections } = decodeSensorPayload('{"values": {"__proto__": 1, "ok": 2}}', SENSOR);
    expect(readings.map((r) => r.parameter)).toEqual(['ok']);
    expect(rejections.map((r) => r.field)).toEqual(['values.__proto__']);
  });

  it.each([
    [NOW - 8 * 86_400_000, `ts 2024-11-19T10:00:00.000Z is outside ${WINDOW}`],
    [NOW + 600_000, `ts 2024-11-27T10:10:00.000Z is outside ${WINDOW}`],
    [
      Math.floor(NOW / 1000),
      `ts 1970-01-21T01:18:21.600Z is outside ${WINDOW}; it looks like epoch seconds: send milliseconds`,
    ],
    [NOW + 0.5, 'ts must be an integer number of UTC epoch milliseconds, got 1732701600000.5'],
    [9e15, `ts 9000000000000000 ms is outside ${WINDOW}`],
    [1e300, 'ts must be an integer number of UTC epoch milliseconds, got 1e+300'],
  ])('rejects ts %d with the window or the likely mistake', (ts, reason) => {
    expect(decodeSensorPayload(`{"ts": ${ts}, "values": {"t": 1}}`, SENSOR).rejections).toEqual([
      { index: 0, field: 'ts', reason },
    ]);
  });

  it.each(['true', 'null', '[1]', '{}'])('rejects the ts %s by type', (ts) => {
    expect(decodeSensorPayload(`{"ts": ${ts}, "values": {"t": 1}}`, SENSOR).rejections).toEqual([
      {
        index: 0,
        field: 'ts',
        reason: expect.stringMatching(
          /^ts must be epoch milliseconds \(a number\) or an ISO-8601 string with a zone, got /,
        ),
      },
    ]);
  });

  it('indexes rejections by array position, with the position in the field path', () => {
    const payload = `[{"values": {"a": 1}}, 7, {"ts": "x", "values": {"b": 1}}, {"values": {"c": "no"}}]`;
    const { readings, rejections } = decodeSensorPayload(payload, SENSOR);
    expect(readings.map((r) => r.parameter)).toEqual(['a']);
    expect(rejections.map((r) => [r.index, r.field])).toEqual([
      [1, '[1]'],
      [2, '[2].ts'],
      [3, '[3].values.c'],
    ]);
  });

  it('blames the topic when the topic segments are not valid keys', () => {
    expect(decodeSensorPayload('{"values": {"t": 1}}', { ...SENSOR, asset: 'a b' }).rejections).toEqual([
      { index: 0, field: 'topic', reason: expect.stringMatching(/^asset "a b" is invalid/) },
    ]);
  });
});

describe('decodeIngestBatch', () => {
  const record = (i: number, extra: object = {}) => ({
    location: 'hq',
    asset: `ahu-${i}`,
    sensor: 's1',
    ts: NOW,
    values: { temp: 20 + i },
    ...extra,
  });

  it('decodes {"readings": [...]} records, identity from each record', () => {
    const { readings, rejections } = decodeIngestBatch({ readings: [record(1), record(2)] }, BATCH);
    expect(rejections).toEqual([]);
    expect(readings).toEqual([
      { tenant: 'acme', location: 'hq', asset: 'ahu-1', sensor: 's1', parameter: 'temp', ts: NOW, value: 21 },
      { tenant: 'acme', location: 'hq', asset: 'ahu-2', sensor: 's1', parameter: 'temp', ts: NOW, value: 22 },
    ]);
  });

  it('accepts the bare array, and raw JSON text or bytes', () => {
    const body = [record(1)];
    for (const input of [body, JSON.stringify(body), Buffer.from(JSON.stringify({ readings: body }))]) {
      expect(decodeIngestBatch(input, BATCH).readings).toHaveLength(1);
    }
  });

  it('names each bad record by index and path, keeping the good ones', () => {
    const body = {
      readings: [
        record(0),
        record(1, { location: undefined }),
        record(2, { sensor: 'bad sensor' }),
        record(3, { asset: 42 }),
        'nope',
        record(5, { values: { temp: 'hot', hum: 40 } }),
        record(6, { ts: '2024-11-27T10:00:00' }),
      ],
    };
    const { readings, rejections } = decodeIngestBatch(body, BATCH);
    expect(readings.map((r) => `${r.asset}.${r.parameter}`)).toEqual(['ahu-0.temp', 'ahu-5.hum']);
    expect(rejections).toEqual([
      {
        index: 1,
        field: 'readings[1].location',
        reason: expect.stringMatching(/^location must be a string/),
      },
      {
        index: 2,
        field: 'readings[2].sensor',
        reason: expect.stringMatching(/^sensor "bad sensor" is invalid/),
      },
      { index: 3, field: 'readings[3].asset', reason: expect.stringMatching(/^asset must be a string/) },
      {
        index: 4,
        field: 'readings[4]',
        reason: expect.stringMatching(/^a reading must be an object like .*, got a string$/),
      },
      {
        index: 5,
        field: 'readings[5].values.temp',
        reason: 'value must be a number or boolean, got a string',
      },
      { index: 6, field: 'readings[6].ts', reason: expect.stringMatching(/has no time zone/) },
    ]);
  });

  it('uses [i] paths for a bare array', () => {
    expect(
      decodeIngestBatch([record(0, { values: { t: null } })], BATCH).rejections.map((r) => r.field),
    ).toEqual(['[0].values.t']);
  });

  it.each([
    [{ data: [] }, 'got an object'],
    [{ readings: {} }, 'got an object'],
    [null, 'got null'],
    [42, 'got a number'],
    [undefined, 'got undefined'],
  ])('rejects the body %j as a whole', (body, got) => {
    expect(decodeIngestBatch(body, BATCH)).toEqual({
      readings: [],
      rejections: [
        {
          index: 0,
          field: 'payload',
          reason: `body must be {"readings": [...]} or an array of readings, ${got}`,
        },
      ],
    });
  });

  it('rejects JSON text that does not parse', () => {
    expect(decodeIngestBatch('{"readings": [', BATCH).rejections).toEqual([
      { index: 0, field: 'payload', reason: expect.stringMatching(/^payload is not valid JSON: /) },
    ]);
  });

  it('accepts an empty batch', () => {
    expect(decodeIngestBatch({ readings: [] }, BATCH)).toEqual({ readings: [], rejections: [] });
  });
});
