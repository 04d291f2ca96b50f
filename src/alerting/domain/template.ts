/**
 * Alert title and suggested-action templates: `{{asset}}`, `{{location}}`, `{{value}}`, `{{threshold}}`,
 * `{{parameter}}`, `{{unit}}`, `{{sensor}}` (spaces inside the braces allowed). An unknown placeholder
 * or an unclosed `{{` is a validation error when the rule is saved, so rendering never fails: it is a
 * single pass (a value that itself contains `{{x}}` is not expanded again) and a missing value renders
 * as an empty string.
 */
import { DataInsightError } from '../../platform/errors.js';

export const PLACEHOLDERS = [
  'asset',
  'location',
  'value',
  'threshold',
  'parameter',
  'unit',
  'sensor',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Partial<Record<Placeholder, string | number | undefined>>;

const TAG = /\{\{\s*([^{}]*?)\s*\}\}/g;

function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

/**
 * The placeholders a template uses, in order of first use; throws DI_VALIDATION naming `field` for an
 * unknown placeholder or a `{{` that is never closed.
 */
export function placeholdersOf(template: string, field = 'template'): Placeholder[] {
  const used: Placeholder[] = [];
  let end = 0;
  for (const m of template.matchAll(TAG)) {
    const name = m[1]!;
    if (!isPlaceholder(name)) {
      throw new DataInsightError(
        'DI_VALIDATION',
        `${field}: unknown placeholder {{${name}}} at position ${m.index}; use ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`,
        { field, details: { position: m.index, placeholder: name } },
      );
    }
    checkUnclosed(template.slice(end, m.index), end, field);
    end = m.index + m[0].length;
    if (!used.includes(name)) used.push(name);
  }
  checkUnclosed(template.slice(end), end, field);
  return used;
}

function checkUnclosed(text: string, offset: number, field: string): void {
  const at = text.indexOf('{{');
  if (at >= 0) {
    throw new DataInsightError(
      'DI_VALIDATION',
      `${field}: '{{' at position ${offset + at} is never closed with '}}'`,
      {
        field,
        details: { position: offset + at },
      },
    );
  }
}

/** Renders a validated template; numbers go through {@link formatNumber}. */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(TAG, (whole, name: string) => {
    if (!isPlaceholder(name)) return whole;
    const v = values[name];
    if (v === undefined) return '';
    return typeof v === 'number' ? formatNumber(v) : v;
  });
}

/**
 * A reading as a person reads it: at most three decimals for values of 1 or more (23.456789 -> 23.457,
 * 1200 -> 1200), three significant digits below 1 (0.0123456 -> 0.0123), trailing zeros dropped, no
 * exponent down to 1e-9, no "-0".
 */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1e21) return x.toPrecision(4);
  let decimals = 3;
  if (abs > 0 && abs < 1) decimals = Math.min(20, 2 - Math.floor(Math.log10(abs)));
  let s = x.toFixed(decimals);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

const UNITS: ReadonlyArray<[number, string]> = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1000, 's'],
];

/** A duration as a person reads it: 90000 -> "1.5 min", 7200000 -> "2 h", 250 -> "250 ms". */
export function formatDuration(ms: number): string {
  for (const [size, unit] of UNITS) if (Math.abs(ms) >= size) return `${formatNumber(ms / size)} ${unit}`;
  return `${formatNumber(ms)} ms`;
}
