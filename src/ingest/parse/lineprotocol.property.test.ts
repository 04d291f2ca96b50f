import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatLineProtocol, parseLineProtocol, type LineField, type Precision } from './lineprotocol.js';
import { INT64_MAX, INT64_MIN, UINT64_MAX } from './lineprotocol-values.js';

const NOW = 1_732_701_600_000;

/** Characters the grammar treats specially, mixed into arbitrary unicode. */
const unit = fc.oneof(
  fc.constantFrom(',', ' ', '=', '"', '\\', '#', '\r', '\t', 'é', '🍭', '\u0000'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const text = (minLength: number) =>
  fc.string({ unit, minLength, maxLength: 12 }).filter((s) => !s.includes('\n'));
const name = text(1);

const lineField: fc.Arbitrary<LineField> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => ({ type: 'float' as const, value })),
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }).map((value) => ({ type: 'integer' as const, value })),
  fc.bigInt({ min: 0n, max: UINT64_MAX }).map((value) => ({ type: 'unsigned' as const, value })),
  fc.boolean().map((value) => ({ type: 'boolean' as const, value })),
  text(0).map((value) => ({ type: 'string' as const, value })),
);

/** Timestamps each precision can carry exactly (int64 nanoseconds, whole seconds for 's'). */
const int64Ms = fc.integer({ min: -9_223_372_036_854, max: 9_223_372_036_854 });
const tsFor: Record<Precision, fc.Arbitrary<number>> = {
  ns: int64Ms,
  us: int64Ms,
  ms: int64Ms,
  s: fc.integer({ min: -9_223_372_036, max: 9_223_372_036 }).map((s) => s * 1000),
};

const precision = fc.constantFrom<Precision>('ns', 'us', 'ms', 's');

const pointsWith = (p: Precision) =>
  fc.array(
    fc.record({
      measurement: name.filter((m) => !m.startsWith('#')),
      tags: fc.dictionary(name, name, { maxKeys: 4 }),
      fields: fc.dictionary(name, lineField, { minKeys: 1, maxKeys: 4 }),
      ts: fc.option(tsFor[p], { nil: undefined }),
    }),
    { maxLength: 5 },
  );

describe('line protocol properties', () => {
  it('parse(format(points)) gives the points back, whatever the names and values', () => {
    fc.assert(
      fc.property(
        precision.chain((p) => fc.tuple(fc.constant(p), pointsWith(p))),
        ([p, points]) => {
          const { points: parsed, errors } = parseLineProtocol(formatLineProtocol(points, { precision: p }), {
            precision: p,
            now: NOW,
          });
          expect(errors).toEqual([]);
          expect(parsed).toEqual(points.map((point, i) => ({ ...point, ts: point.ts ?? NOW, line: i + 1 })));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('round-trips keys that collide with Object.prototype', () => {
    const keys = fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty');
    fc.assert(
      fc.property(fc.dictionary(keys, name, { minKeys: 1 }), (tags) => {
        const point = { measurement: 'm', tags, fields: { x: { type: 'boolean' as const, value: true } } };
        const { points } = parseLineProtocol(formatLineProtocol([point]), { precision: 'ns', now: NOW });
        expect(points[0]?.tags).toEqual(tags);
      }),
    );
  });

  it('never throws, and accounts for every non-blank, non-comment line exactly once', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit, maxLength: 40 }), { maxLength: 8 }), precision, (lines, p) => {
        const { points, errors } = parseLineProtocol(lines.join('\n'), { precision: p, now: NOW });
        const seen = [...points.map((x) => x.line), ...errors.map((e) => e.line)].sort((a, b) => a - b);
        const expected = lines
          .flatMap((l) => l.split('\n'))
          .map((l, i) => ({ l: l.replace(/\r$/, '').replace(/^ +/, ''), n: i + 1 }))
          .filter(({ l }) => l !== '' && !l.startsWith('#'))
          .map(({ n }) => n);
        expect(seen).toEqual(expected);
        for (const e of errors) expect(e.reason.length).toBeLessThan(300);
      }),
      { numRuns: 1000 },
    );
  });

  it('decodes a line the same whatever lines surround it', () => {
    const good = 'm,t=v f=1i,g="x y" 1732700000000000000';
    fc.assert(
      fc.property(fc.array(fc.string({ unit, maxLength: 30 }), { maxLength: 4 }), (noise) => {
        const text = [...noise.map((n) => n.replace(/\n/g, '')), good].join('\n');
        const { points } = parseLineProtocol(text, { precision: 'ns', now: NOW });
        const last = points.at(-1);
        expect(last).toEqual({
          measurement: 'm',
          tags: { t: 'v' },
          fields: { f: { type: 'integer', value: 1n }, g: { type: 'string', value: 'x y' } },
          ts: 1_732_700_000_000,
          line: noise.length + 1,
        });
      }),
    );
  });

  it('floors finer timestamps to the millisecond they fall in', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), (ns) => {
        const { points } = parseLineProtocol(`m f=1 ${ns}`, { precision: 'ns', now: NOW });
        const floored = ns >= 0n ? ns / 1_000_000n : -((-ns + 999_999n) / 1_000_000n);
        expect(points[0]?.ts).toBe(Number(floored));
      }),
    );
  });
});
