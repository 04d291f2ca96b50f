import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorSpecSchema } from '../spec.js';
import { FileSource } from './file.js';
import { fileDirectory } from './index.js';

describe('file source', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'di-files-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads CSV files in name order from (file, record), waits on a growing last file, then moves on', async () => {
    const d = join(dir, 'csv');
    await rm(d, { recursive: true, force: true });
    await (await import('node:fs/promises')).mkdir(d);
    await writeFile(join(d, 'b.csv'), 'ts,v\n3,c\n');
    await writeFile(join(d, 'a.csv'), 'ts,v\n1,a\n2,b\n4,half');
    await writeFile(join(d, 'notes.txt'), 'ignored\n');
    const src = new FileSource({ directory: d, format: 'csv', delimiter: ',', suffix: undefined });
    expect(await src.columns({})).toEqual(['ts', 'v']);
    expect(await src.remaining({})).toBe(3);
    const first = await src.next({}, 1);
    expect(first).toMatchObject({
      rows: [{ ts: '1', v: 'a', _file: 'a.csv', _line: 1 }],
      offset: { file: 'a.csv', line: 1 },
      full: true,
    });
    const second = await src.next(first.offset, 10);
    expect(second.rows.map((r) => r.v)).toEqual(['b']); // the half-written last line is not read
    expect(second.offset).toEqual({ file: 'a.csv', line: 2 });
    const third = await src.next(second.offset, 10);
    expect(third.rows.map((r) => [r._file, r.v])).toEqual([['b.csv', 'c']]);
    expect(third).toMatchObject({ offset: { file: 'b.csv', line: 1 }, full: false });
    await appendFile(join(d, 'b.csv'), '5,e\n');
    const fourth = await src.next(third.offset, 10);
    expect(fourth.rows.map((r) => r.v)).toEqual(['e']);
    expect(await src.next(fourth.offset, 10)).toMatchObject({ rows: [], full: false });
  });

  it('JSON Lines: a line that is not a JSON object is a dead letter with file and line, the rest are rows', async () => {
    const d = join(dir, 'jsonl');
    await (await import('node:fs/promises')).mkdir(d, { recursive: true });
    await writeFile(join(d, 'x.jsonl'), '{"ts":1,"v":2}\nnot json\n[1]\n{"ts":2,"v":3}\n');
    const src = new FileSource({ directory: d, format: 'jsonl', delimiter: ',', suffix: undefined });
    const b = await src.next({}, 10);
    expect(b.rows).toEqual([
      { ts: 1, v: 2, _file: 'x.jsonl', _line: 1 },
      { ts: 2, v: 3, _file: 'x.jsonl', _line: 4 },
    ]);
    expect(b.deadLetters.map((x) => [x.key, x.reason.slice(0, 12)])).toEqual([
      ['_file=x.jsonl,_line=2', 'invalid JSON'],
      ['_file=x.jsonl,_line=3', 'not a JSON o'],
    ]);
    expect(b.offset).toEqual({ file: 'x.jsonl', line: 4 });
    expect(await src.columns({})).toBeUndefined();
  });

  it('a missing directory is an empty source, not an error', async () => {
    const src = new FileSource({
      directory: join(dir, 'nope'),
      format: 'csv',
      delimiter: ',',
      suffix: undefined,
    });
    expect(await src.next({}, 10)).toEqual({ rows: [], deadLetters: [], offset: {}, full: false });
  });

  it('a watched directory must lie inside the files root', () => {
    const spec = (directory?: string) =>
      ConnectorSpecSchema.parse({
        name: 'f',
        source: { kind: 'file', format: 'csv', ...(directory ? { directory } : {}) },
        mapping: {
          timestamp: { column: 'ts' },
          location: { value: 'l' },
          asset: { value: 'a' },
          sensor: { value: 's' },
          readings: [{ column: 'v', parameter: 'p' }],
        },
      });
    const ctx = { filesRoot: '/srv/di-files', connectorId: 7 };
    expect(fileDirectory(spec(), ctx)).toBe('/srv/di-files/uploads/7');
    expect(fileDirectory(spec('site-a/exports'), ctx)).toBe('/srv/di-files/site-a/exports');
    for (const bad of ['../etc', '/etc', 'a/../../etc'])
      expect(() => fileDirectory(spec(bad), ctx)).toThrow(
        expect.objectContaining({ field: 'source.directory' }),
      );
  });
});
