import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDataInsightError } from '../../platform/errors.js';
import { formatDuration, formatNumber, placeholdersOf, renderTemplate, PLACEHOLDERS } from './template.js';

const ACTION =
  'Most likely automation commands are not working on {{asset}}. Please switch the chiller to JouleTrack mode, turn it on, and then return it to recipe mode.';

describe('templates', () => {
  it('renders the suggested action of the brief', () => {
    expect(renderTemplate(ACTION, { asset: 'Chiller 2' })).toBe(
      'Most likely automation commands are not working on Chiller 2. Please switch the chiller to JouleTrack mode, turn it on, and then return it to recipe mode.',
    );
  });

  it('fills every placeholder, with spaces inside the braces, numbers formatted', () => {
    const t =
      '{{ asset }} at {{location}}: {{parameter}} of {{sensor}} is {{value}} {{unit}} (limit {{threshold}})';
    expect(
      renderTemplate(t, {
        asset: 'AHU-1',
        location: 'Pune',
        parameter: 'temp',
        sensor: 'supply',
        value: 23.456789,
        unit: '°C',
        threshold: 22,
      }),
    ).toBe('AHU-1 at Pune: temp of supply is 23.457 °C (limit 22)');
    expect(placeholdersOf(t)).toEqual([
      'asset',
      'location',
      'parameter',
      'sensor',
      'value',
      'unit',
      'threshold',
    ]);
  });

  it('renders a missing value as empty, and never expands a value a second time', () => {
    expect(renderTemplate('[{{unit}}]', {})).toBe('[]');
    expect(renderTemplate('{{asset}} {{value}}', { asset: '{{value}}', value: 1 })).toBe('{{value}} 1');
  });

  it('keeps single braces and text without placeholders as they are', () => {
    expect(placeholdersOf('{a} } {')).toEqual([]);
    expect(renderTemplate('{a} } {', {})).toBe('{a} } {');
  });

  it('rejects an unknown placeholder naming the field, the position and the allowed names', () => {
    try {
      placeholdersOf('Check {{assset}} now', 'action');
      expect.unreachable();
    } catch (e) {
      expect(isDataInsightError(e, 'DI_VALIDATION')).toBe(true);
      const err = e as { field: string; message: string; details: unknown };
      expect(err.field).toBe('action');
      expect(err.message).toMatch(/unknown placeholder \{\{assset\}\} at position 6; use \{\{asset\}\}/);
      expect(err.details).toEqual({ position: 6, placeholder: 'assset' });
    }
  });

  it('rejects a {{ that is never closed', () => {
    expect(() => placeholdersOf('{{asset}} and {{value', 'title')).toThrow(
      /'\{\{' at position 14 is never closed/,
    );
    expect(() => placeholdersOf('{{', 'title')).toThrow(/never closed/);
  });

  it('validation and rendering agree: a template that validates renders every known placeholder', () => {
    const piece = fc.oneof(
      fc.string({ maxLength: 5 }).map((s) => s.replace(/[{}]/g, '')),
      fc.constantFrom(...PLACEHOLDERS).map((p) => `{{${p}}}`),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const t = pieces.join('');
        placeholdersOf(t);
        expect(renderTemplate(t, Object.fromEntries(PLACEHOLDERS.map((p) => [p, 'X'])))).not.toMatch(/\{\{/);
      }),
    );
  });
});

describe('number and duration formatting', () => {
  const cases: Array<[number, string]> = [
    [23.456789, '23.457'],
    [1200, '1200'],
    [-4.5, '-4.5'],
    [1, '1'],
    [0, '0'],
    [-0, '0'],
    [0.5, '0.5'],
    [0.0123456, '0.0123'],
    [0.999999, '1'],
    [-0.0001234, '-0.000123'],
    [1e-9, '0.000000001'],
    [-0.0004, '-0.0004'],
    [-0.00000000000000000000001, '0'],
    [1234567.8912, '1234567.891'],
    [Number.NaN, 'NaN'],
  ];
  for (const [x, want] of cases) it(`${x} -> ${want}`, () => expect(formatNumber(x)).toBe(want));

  it('never shows more than three decimals above 1, nor three significant digits below', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e15, max: 1e15, noNaN: true }), (x) => {
        const s = formatNumber(x);
        expect(s).toMatch(/^-?\d+(\.\d+)?$/);
        expect(s).not.toBe('-0');
        const [, frac = ''] = s.split('.');
        if (Math.abs(x) >= 1) expect(frac.length).toBeLessThanOrEqual(3);
        else expect(frac.replace(/^0+/, '').length).toBeLessThanOrEqual(3);
        expect(Math.abs(Number(s) - x)).toBeLessThanOrEqual(Math.max(0.0005, Math.abs(x) * 0.005));
      }),
    );
  });

  it('durations pick the largest whole unit', () => {
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(90_000)).toBe('1.5 min');
    expect(formatDuration(7_200_000)).toBe('2 h');
    expect(formatDuration(86_400_000)).toBe('1 d');
  });
});
