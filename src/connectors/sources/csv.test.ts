import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsvRecords } from './csv.js';

describe('CSV records', () => {
  it('quotes, doubled quotes, delimiters and line breaks inside quotes, CRLF', () => {
    expect(parseCsvRecords('a,b\r\n"x, y","he said ""hi"""\n"multi\nline",2\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'he said "hi"'],
      ['multi\nline', '2'],
    ]);
    expect(parseCsvRecords('a;b\n1;2\n', ';')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('a last line without its line break is not read yet (it may be half written)', () => {
    expect(parseCsvRecords('a,b\n1,2\n3,')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('any table written with quoting reads back as it was', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', ' ', '1'), maxLength: 6 });
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 8 }),
        (table) => {
          const text = table.map((r) => r.map((f) => `"${f.replace(/"/g, '""')}"`).join(',') + '\n').join('');
          expect(parseCsvRecords(text)).toEqual(table);
        },
      ),
    );
  });
});
