import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeIngestBatch, decodeSensorPayload } from './json.js';
import { validateReading, type Decoded } from './validate.js';

const NOW = Date.UTC(2024, 10, 27, 10, 0, 0);
const POLICY = { now: NOW, maxPastMs: 7 * 86_400_000, maxFutureMs: 300_000 };
const SENSOR = { tenant: 'acme', location: 'hq', asset: 'chiller-1', sensor: 't1', ...POLICY };
const BATCH = { tenant: 'acme', ...POLICY };

/** Whatever came in, what comes out is valid readings plus well-formed rejections. */
function expectWellFormed({ readings, rejections }: Decoded): void {
  for (const r of readings) expect(validateReading(r, POLICY)).toBeNull();
  for (const r of rejections) {
    expect(Number.isInteger(r.index) && r.index >= 0).toBe(true);
    expect(r.field).not.toBe('');
    expect(typeof r.reason).toBe('string');
  }
}

/** JSON close to what devices send, so the decoder gets past the first check often. */
const value = fc.oneof(
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 5 }),
  fc.integer(),
);
const ts = fc.oneof(
  fc.integer({ min: NOW - 10 * 86_400_000, max: NOW + 86_400_000 }),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.jsonValue(),
);
const key = fc.oneof(
  fc.constantFrom('temp', 'hum', 'a b', '', '__proto__', 'x'.repeat(70)),
  fc.string({ maxLength: 8 }),
);
const record = fc.record(
  { location: key, asset: key, sensor: key, ts, values: fc.oneof(fc.dictionary(key, value), fc.jsonValue()) },
  { requiredKeys: [] },
);

describe('JSON decoders never throw', () => {
  it('decodeSensorPayload on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => expectWellFormed(decodeSensorPayload(s, SENSOR))),
    );
  });

  it('decodeSensorPayload on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array(), (b) => expectWellFormed(decodeSensorPayload(Buffer.from(b), SENSOR))),
    );
  });

  it('decodeSensorPayload on arbitrary JSON and near-valid records', () => {
    const payload = fc.oneof(fc.jsonValue(), record, fc.array(record, { maxLength: 5 }));
    fc.assert(
      fc.property(payload, (p) => expectWellFormed(decodeSensorPayload(JSON.stringify(p) ?? '', SENSOR))),
    );
  });

  it('decodeIngestBatch on arbitrary values, JSON text and near-valid batches', () => {
    const body = fc.oneof(
      fc.anything(),
      fc.string(),
      fc.jsonValue(),
      fc.array(record, { maxLength: 5 }),
      fc.record({ readings: fc.array(fc.oneof(record, fc.anything()), { maxLength: 5 }) }),
    );
    fc.assert(fc.property(body, (b) => expectWellFormed(decodeIngestBatch(b, BATCH))));
  });

  it('accounts for every value of a batch: a reading or a rejection', () => {
    const goodKey = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
    const goodRecord = fc.record({
      location: goodKey,
      asset: goodKey,
      sensor: goodKey,
      values: fc.dictionary(goodKey, value, { minKeys: 1, maxKeys: 5 }),
    });
    fc.assert(
      fc.property(fc.array(goodRecord, { maxLength: 5 }), (records) => {
        const { readings, rejections } = decodeIngestBatch({ readings: records }, BATCH);
        const total = records.reduce((n, r) => n + Object.keys(r.values).length, 0);
        expect(readings.length + rejections.length).toBe(total);
      }),
    );
  });
});
