import { describe, expect, it } from 'vitest';
import { formatLineProtocol, type LinePointInput } from './lineprotocol.js';

const f = (value: number) => ({ type: 'float' as const, value });

describe('formatLineProtocol', () => {
  it('writes measurement, tags, typed fields and a nanosecond timestamp by default', () => {
    const text = formatLineProtocol([
      {
        measurement: 'm',
        tags: { location: 'a', sensor: 'c' },
        fields: {
          temp: f(21.5),
          hum: { type: 'integer', value: 40n },
          n: { type: 'unsigned', value: 7n },
          on: { type: 'boolean', value: true },
          off: { type: 'boolean', value: false },
          note: { type: 'string', value: 'ok' },
        },
        ts: 1_732_700_000_000,
      },
    ]);
    expect(text).toBe(
      'm,location=a,sensor=c temp=21.5,hum=40i,n=7u,on=true,off=false,note="ok" 1732700000000000000',
    );
  });

  it('writes one line per point, and no timestamp when ts is omitted', () => {
    expect(
      formatLineProtocol([
        { measurement: 'a', fields: { x: f(1) } },
        { measurement: 'b', fields: { y: f(2) } },
      ]),
    ).toBe('a x=1\nb y=2');
    expect(formatLineProtocol([])).toBe('');
  });

  it.each([
    ['ns', 1_732_700_000_123, '1732700000123000000'],
    ['us', 1_732_700_000_123, '1732700000123000'],
    ['ms', 1_732_700_000_123, '1732700000123'],
    ['s', 1_732_700_000_000, '1732700000'],
    ['ns', -5, '-5000000'],
    ['ns', 0, '0'],
  ] as const)('precision %s: %d ms -> %s', (precision, ts, text) => {
    expect(formatLineProtocol([{ measurement: 'm', fields: { x: f(1) }, ts }], { precision })).toBe(
      `m x=1 ${text}`,
    );
  });

  it('escapes names by position and string values by their own rules', () => {
    const text = formatLineProtocol([
      {
        measurement: 'my m,=\\',
        tags: { 't k,=\\': 'v 1,=\\' },
        fields: { 'f k,=\\': { type: 'string', value: 'say "hi" \\ ,= ' } },
      },
    ]);
    expect(text).toBe(
      'my\\ m\\,=\\\\,t\\ k\\,\\=\\\\=v\\ 1\\,\\=\\\\ f\\ k\\,\\=\\\\="say \\"hi\\" \\\\ ,= "',
    );
  });

  it('keeps floats exact, including -0, tiny and huge values', () => {
    const text = formatLineProtocol([
      { measurement: 'm', fields: { a: f(-0), b: f(5e-324), c: f(1.7976931348623157e308), d: f(0.1 + 0.2) } },
    ]);
    expect(text).toBe('m a=-0,b=5e-324,c=1.7976931348623157e+308,d=0.30000000000000004');
  });

  it.each<[string, LinePointInput, string]>([
    ['an empty measurement', { measurement: '', fields: { x: f(1) } }, 'measurement is empty'],
    [
      'a measurement read as a comment',
      { measurement: '#m', fields: { x: f(1) } },
      'would read as a comment',
    ],
    ['a newline in a name', { measurement: 'a\nb', fields: { x: f(1) } }, 'measurement contains a newline'],
    ['an empty tag key', { measurement: 'm', tags: { '': 'v' }, fields: { x: f(1) } }, 'tag key is empty'],
    ['an empty tag value', { measurement: 'm', tags: { t: '' }, fields: { x: f(1) } }, 'tag "t" is empty'],
    ['no fields', { measurement: 'm', fields: {} }, 'at least one field'],
    ['an empty field key', { measurement: 'm', fields: { '': f(1) } }, 'field key is empty'],
    ['NaN', { measurement: 'm', fields: { x: f(NaN) } }, 'not a finite float'],
    ['Infinity', { measurement: 'm', fields: { x: f(Infinity) } }, 'not a finite float'],
    [
      'a 65-bit integer',
      { measurement: 'm', fields: { x: { type: 'integer', value: 2n ** 63n } } },
      'beyond int64',
    ],
    [
      'a negative unsigned',
      { measurement: 'm', fields: { x: { type: 'unsigned', value: -1n } } },
      'beyond uint64',
    ],
    [
      'a newline in a string',
      { measurement: 'm', fields: { x: { type: 'string', value: 'a\nb' } } },
      'newline',
    ],
    ['a fractional ts', { measurement: 'm', fields: { x: f(1) }, ts: 1.5 }, 'ts 1.5 cannot be written'],
    [
      'a ts beyond int64 ns',
      { measurement: 'm', fields: { x: f(1) }, ts: 9_223_372_036_855 },
      'cannot be written',
    ],
  ])('refuses %s', (_what, point, message) => {
    expect(() => formatLineProtocol([point])).toThrow(RangeError);
    expect(() => formatLineProtocol([point])).toThrow(message);
  });

  it('refuses sub-second timestamps in precision s rather than rounding them', () => {
    expect(() =>
      formatLineProtocol([{ measurement: 'm', fields: { x: f(1) }, ts: 1500 }], { precision: 's' }),
    ).toThrow('ts 1500 cannot be written exactly in precision s');
  });
});
