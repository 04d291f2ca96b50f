import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countSegments, isGsm7, truncateToSegments } from './segments.js';

const GSM_CHARS = [
  ...'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
];
const GSM_EXT = [...'\f^{}\\[~]|€'];
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const stripEllipsis = (s: string): string => s.replace(/(\.\.\.|…)$/u, '');

describe('countSegments', () => {
  it.each([
    ['', 'GSM-7', 0, 0],
    ['a'.repeat(160), 'GSM-7', 160, 1],
    ['a'.repeat(161), 'GSM-7', 161, 2],
    ['a'.repeat(306), 'GSM-7', 306, 2],
    ['a'.repeat(307), 'GSM-7', 307, 3],
    ['€'.repeat(80), 'GSM-7', 160, 1],
    ['€'.repeat(81), 'GSM-7', 162, 2],
    ['{}[]~|^\\', 'GSM-7', 16, 1],
    ['ж'.repeat(70), 'UCS-2', 70, 1],
    ['ж'.repeat(71), 'UCS-2', 71, 2],
    ['😀'.repeat(35), 'UCS-2', 70, 1],
  ] as const)('%#: %j', (text, encoding, units, segments) => {
    expect(countSegments(text)).toEqual({ encoding, units, segments });
  });

  it('never splits an extension character (escape + code) across segments', () => {
    // 306 septets divide into 2 segments of 153, but the euro sign cannot straddle the boundary.
    expect(countSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toEqual({
      encoding: 'GSM-7',
      units: 306,
      segments: 3,
    });
  });

  it('never splits a surrogate pair across segments', () => {
    // 72 UTF-16 units; 33 emoji fill 66 of the first 67, the 34th moves on.
    expect(countSegments('😀'.repeat(36))).toEqual({ encoding: 'UCS-2', units: 72, segments: 2 });
  });

  it('one character outside GSM-7 switches the whole message to UCS-2', () => {
    expect(isGsm7('Çava')).toBe(true);
    expect(isGsm7('ça va')).toBe(false); // lower-case c-cedilla is not in the GSM-7 basic set
    expect(countSegments(`${'a'.repeat(100)}ç`)).toMatchObject({ encoding: 'UCS-2', segments: 2 });
  });

  it('property: segments are between the plain division and its packing bound', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...GSM_CHARS, ...GSM_EXT, 'ж', '😀'), maxLength: 800 }),
        (s) => {
          const { encoding, units, segments } = countSegments(s);
          const [single, multi] = encoding === 'GSM-7' ? [160, 153] : [70, 67];
          if (units === 0) return segments === 0;
          if (units <= single) return segments === 1;
          // Each full segment wastes at most one unit (a pair that did not fit).
          return segments >= Math.ceil(units / multi) && segments <= Math.ceil(units / (multi - 1));
        },
      ),
    );
  });
});

describe('truncateToSegments', () => {
  it('leaves a message that fits untouched', () => {
    const text = 'CRITICAL: Boiler 3 at 97 °C'; // ° is not GSM-7: UCS-2, 1 segment
    expect(truncateToSegments(text)).toBe(text);
    expect(truncateToSegments('a'.repeat(459))).toBe('a'.repeat(459));
  });

  it('cuts a long GSM-7 text at a word boundary with "..." (which keeps it GSM-7)', () => {
    const text = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    const out = truncateToSegments(text, 3);
    expect(out.endsWith('...')).toBe(true);
    expect(countSegments(out)).toMatchObject({ encoding: 'GSM-7', segments: 3 });
    const head = stripEllipsis(out);
    expect(text.startsWith(head)).toBe(true);
    expect(text[head.length]).toBe(' ');
    expect(out.length).toBeGreaterThan(440);
  });

  it('uses "…" once the kept text is UCS-2 anyway', () => {
    const text = 'Température élevée: ç '.repeat(20);
    const out = truncateToSegments(text, 2);
    expect(out.endsWith('…')).toBe(true);
    expect(countSegments(out)).toMatchObject({ encoding: 'UCS-2', segments: 2 });
  });

  it('hard-cuts a text without spaces, on a grapheme boundary', () => {
    const out = truncateToSegments('👍🏽'.repeat(200), 1);
    expect(countSegments(out).segments).toBe(1);
    expect(stripEllipsis(out)).toMatch(/^(👍🏽)+$/u);
  });

  it('rejects a non-positive segment budget', () => {
    expect(() => truncateToSegments('x', 0)).toThrow(RangeError);
  });

  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 700 }),
    fc.string({ unit: 'grapheme', maxLength: 500 }),
    fc.string({ unit: fc.constantFrom(...GSM_CHARS, ...GSM_EXT, ' ', '😀', 'ж'), maxLength: 900 }),
  );

  it('property: never more than the maximum segments, never a lone surrogate, always a prefix', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 1, max: 5 }), (text, max) => {
        const out = truncateToSegments(text, max);
        expect(countSegments(out).segments).toBeLessThanOrEqual(max);
        if (!LONE_SURROGATE.test(text)) expect(LONE_SURROGATE.test(out)).toBe(false);
        if (countSegments(text).segments <= max) expect(out).toBe(text);
        else expect(text.startsWith(stripEllipsis(out))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
