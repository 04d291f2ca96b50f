import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SeriesInfo } from '../storage/catalog.js';
import { csvField, encoderFor, iso } from './format.js';

/** A minimal RFC 4180 reader, to check that what we write reads back to the same fields. */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (line[i] === '"' && line[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else field += line[i++];
      }
    } else {
      while (i < line.length && line[i] !== ',') field += line[i++];
    }
    out.push(field);
    if (i >= line.length) return out;
    i++; // the comma
  }
}

const series = (unit: string): SeriesInfo => ({
  seriesId: 7,
  policyId: 1,
  location: 'hq',
  asset: 'ahu-1',
  assetType: null,
  sensor: 's1',
  parameter: 'temp',
  unit,
});

describe('export file encoding', () => {
  it('any text survives a CSV field round trip', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 5 }), (fields) => {
        const line = fields.map(csvField).join(',');
        if (/[\r\n]/.test(line)) return; // multi-line records are fine in CSV; this reader reads one line
        expect(parseCsvLine(line)).toEqual(fields);
      }),
    );
  });

  it('the fast ISO time equals Date#toISOString for any timestamp', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e13, max: 3e14 }), (ts) => {
        expect(iso(ts)).toBe(new Date(ts).toISOString());
      }),
      { numRuns: 2000 },
    );
  });

  it('raw columns from the database are written as they come; non-finite values are null in JSON', () => {
    const c = { ts: [0, 1500], values: ['1e-05', 'NaN'] };
    expect(encoderFor('csv', 'raw').columns(series(''), c)).toBe(
      '7,hq,ahu-1,s1,temp,,0,1970-01-01T00:00:00.000Z,1e-05\n7,hq,ahu-1,s1,temp,,1500,1970-01-01T00:00:01.500Z,NaN\n',
    );
    const lines = encoderFor('jsonl', 'raw')
      .columns(series(''), c)
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.ts, l.value])).toEqual([
      [0, 0.00001],
      [1500, null],
    ]);
  });

  it('a raw CSV line carries the series columns, epoch ms, ISO time and the exact value', () => {
    const e = encoderFor('csv', 'raw');
    const text = e.batch(series('°C, dry'), [{ ts: 1_700_000_000_123, value: 0.1 + 0.2 }]);
    expect(parseCsvLine(text.trimEnd())).toEqual([
      '7',
      'hq',
      'ahu-1',
      's1',
      'temp',
      '°C, dry',
      '1700000000123',
      '2023-11-14T22:13:20.123Z',
      String(0.1 + 0.2),
    ]);
    expect(Number(parseCsvLine(text.trimEnd())[8])).toBe(0.1 + 0.2);
  });

  it('roll-up rows carry min, max, avg (sum / count), sum, count, first and last; JSON Lines parse back', () => {
    const row = { ts: 3_600_000, min: 1, max: 4, sum: 10, count: 4, first: 2, last: 3 };
    const csv = encoderFor('csv.gz', '1h');
    expect(csv.header()).toBe(
      'series_id,location,asset,sensor,parameter,unit,ts,time,min,max,avg,sum,count,first,last\n',
    );
    expect(csv.batch(series(''), [row])).toBe(
      '7,hq,ahu-1,s1,temp,,3600000,1970-01-01T01:00:00.000Z,1,4,2.5,10,4,2,3\n',
    );
    const jl = encoderFor('jsonl', '1h');
    expect(jl.header()).toBe('');
    expect(JSON.parse(jl.batch(series('"quoted"'), [row]))).toEqual({
      seriesId: 7,
      location: 'hq',
      asset: 'ahu-1',
      sensor: 's1',
      parameter: 'temp',
      unit: '"quoted"',
      ts: 3_600_000,
      time: '1970-01-01T01:00:00.000Z',
      min: 1,
      max: 4,
      avg: 2.5,
      sum: 10,
      count: 4,
      first: 2,
      last: 3,
    });
  });
});
