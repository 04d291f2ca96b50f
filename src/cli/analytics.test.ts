import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { analyticsCommand, parseSeriesCsv } from './analytics.js';

describe('datainsight analytics diagnose', () => {
  it('reads timestamp,value CSV with a header, ISO (zone-less = UTC) or epoch ms, in file order', () => {
    expect(
      parseSeriesCsv('timestamp,value\n2014-03-09 03:00:00,1.5\n1000,2\n\n2014-03-09T02:00:00Z,3\n'),
    ).toEqual([
      [Date.UTC(2014, 2, 9, 3), 1.5],
      [1000, 2],
      [Date.UTC(2014, 2, 9, 2), 3],
    ]);
    expect(() => parseSeriesCsv('ts,value\n2014-01-01,oops\n')).toThrow(/line 2/);
  });
  it('prints the verdict of a NAB file', async () => {
    let text = '';
    const program = new Command().exitOverride();
    analyticsCommand(program, (s) => (text += s));
    await program.parseAsync([
      'node',
      'datainsight',
      'analytics',
      'diagnose',
      new URL('../../bench/nab/data/machine_temperature_system_failure.csv', import.meta.url).pathname,
    ]);
    expect(text).toMatch(/Verdict:\n {2}- clock jumped back 55 min at 7 Jan 2014 02:55 UTC/);
    expect(text).toMatch(/holtWinters/);
  });
});
