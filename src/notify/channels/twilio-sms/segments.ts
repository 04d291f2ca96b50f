/**
 * SMS segment arithmetic (3GPP TS 23.038), pure. A message that is all GSM-7 (basic set, or the
 * extension table at two septets a character) fits 160 septets in one segment, 153 per segment once
 * split; anything else goes UCS-2: 70 UTF-16 units, 67 per segment once split. Segments are packed
 * greedily without splitting an escape pair or a surrogate pair, as carriers do, so the count can be
 * one more than a plain division would say.
 */

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '\f^{}\\[~]|€';
const BASIC = new Set(GSM_BASIC);
const EXTENDED = new Set(GSM_EXTENDED);

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
}

export const isGsm7 = (text: string): boolean => [...text].every((c) => BASIC.has(c) || EXTENDED.has(c));

/** Cost of each code point in the encoding's units: 1 or 2 septets, 1 or 2 UTF-16 units. */
function costs(text: string, encoding: SmsEncoding): number[] {
  return [...text].map((c) => (encoding === 'GSM-7' ? (EXTENDED.has(c) ? 2 : 1) : c.length));
}

export function countSegments(text: string): SegmentCount {
  const encoding: SmsEncoding = isGsm7(text) ? 'GSM-7' : 'UCS-2';
  const cs = costs(text, encoding);
  const units = cs.reduce((a, b) => a + b, 0);
  const [single, multi] = encoding === 'GSM-7' ? [160, 153] : [70, 67];
  if (units <= single) return { encoding, units, segments: units === 0 ? 0 : 1 };
  let segments = 1;
  let used = 0;
  for (const c of cs) {
    if (used + c > multi) {
      segments += 1;
      used = 0;
    }
    used += c;
  }
  return { encoding, units, segments };
}

const graphemes = (text: string): string[] =>
  [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].map((s) => s.segment);

/**
 * The text unchanged when it fits `maxSegments`; otherwise its longest prefix that still fits with an
 * ellipsis, cut at a word boundary when one is near, never inside a grapheme (so never inside a
 * surrogate pair). A GSM-7 prefix gets "..." rather than "…", which is not GSM-7 and would switch the
 * whole message to UCS-2.
 */
export function truncateToSegments(text: string, maxSegments = 3): string {
  if (!Number.isInteger(maxSegments) || maxSegments < 1)
    throw new RangeError('maxSegments must be a positive integer');
  if (countSegments(text).segments <= maxSegments) return text;
  const gs = graphemes(text);
  const candidate = (n: number): string => {
    const head = gs.slice(0, n).join('').trimEnd();
    return head + (isGsm7(head) ? '...' : '…');
  };
  const fits = (n: number): boolean => countSegments(candidate(n)).segments <= maxSegments;
  // The longest fitting prefix: segments grow monotonically with n.
  let lo = 0;
  let hi = gs.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  // Prefer the last whitespace if it costs at most a fifth of what fits.
  for (let i = lo; i > Math.floor(lo * 0.8); i -= 1) {
    if (/^\s+$/u.test(gs[i] ?? '') && fits(i)) return candidate(i);
  }
  return candidate(lo);
}
