/**
 * File source: CSV (first record is the header) or JSON Lines files in one directory, read in name
 * order. The offset is (file, records read), so a restart resumes mid-file; a file grows until the next
 * one appears (only complete lines are read), then the connector moves on.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeadLetter, SourceRow } from '../mapping.js';
import type { Batch, ConnectorSource, Offset } from '../source.js';
import { parseCsvRecords } from './csv.js';

export interface FileSourceOptions {
  directory: string;
  format: 'csv' | 'jsonl';
  delimiter: string;
  suffix: string | undefined;
}

interface Parsed {
  mtimeMs: number;
  size: number;
  header: string[] | undefined;
  records: ({ row: SourceRow } | { error: string; text: string })[];
}

export class FileSource implements ConnectorSource {
  private cache: { file: string; parsed: Parsed } | undefined;

  constructor(private readonly o: FileSourceOptions) {}

  private async files(): Promise<string[]> {
    const names = await readdir(this.o.directory).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [] as string[];
      throw e;
    });
    const suffix = this.o.suffix ?? (this.o.format === 'csv' ? '.csv' : '.jsonl');
    return names.filter((n) => n.endsWith(suffix) && !n.startsWith('.')).sort();
  }

  private async parse(file: string): Promise<Parsed> {
    const path = join(this.o.directory, file);
    const st = await stat(path);
    if (
      this.cache?.file === file &&
      this.cache.parsed.mtimeMs === st.mtimeMs &&
      this.cache.parsed.size === st.size
    )
      return this.cache.parsed;
    const text = await readFile(path, 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    let parsed: Parsed;
    if (this.o.format === 'csv') {
      const [header, ...rest] = parseCsvRecords(complete, this.o.delimiter);
      parsed = {
        mtimeMs: st.mtimeMs,
        size: st.size,
        header: header?.map((h) => h.trim()),
        records: rest.map((r) => ({
          row: Object.fromEntries((header ?? []).map((h, i) => [h.trim(), r[i] ?? null])),
        })),
      };
    } else {
      parsed = {
        mtimeMs: st.mtimeMs,
        size: st.size,
        header: undefined,
        records: complete
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => {
            try {
              const v = JSON.parse(l) as unknown;
              if (v === null || typeof v !== 'object' || Array.isArray(v))
                return { error: 'not a JSON object', text: l };
              return { row: v as SourceRow };
            } catch (e) {
              return { error: `invalid JSON: ${(e as Error).message}`, text: l };
            }
          }),
      };
    }
    this.cache = { file, parsed };
    return parsed;
  }

  async test(): Promise<string> {
    const files = await this.files();
    const cols = files[0] ? await this.columns({ file: files[0] }) : undefined;
    return `${this.o.format.toUpperCase()} files in ${this.o.directory}: ${files.length} file(s)${cols ? `; columns ${cols.join(', ')}` : ''}`;
  }

  async columns(offset: Offset): Promise<string[] | undefined> {
    if (this.o.format !== 'csv') return undefined;
    const file = offset.file ?? (await this.files())[0];
    return file ? (await this.parse(file)).header : undefined;
  }

  async remaining(offset: Offset): Promise<number> {
    let n = 0;
    for (const f of await this.files()) {
      if (offset.file && f < offset.file) continue;
      const count = (await this.parse(f)).records.length;
      n += f === offset.file ? Math.max(0, count - (offset.line ?? 0)) : count;
    }
    return n;
  }

  async next(offset: Offset, limit: number): Promise<Batch> {
    const files = await this.files();
    let file = offset.file ?? files[0];
    let line = offset.line ?? 0;
    if (!file) return { rows: [], deadLetters: [], offset, full: false };
    for (;;) {
      const parsed = files.includes(file) ? await this.parse(file) : { records: [] as Parsed['records'] };
      if (line < parsed.records.length) {
        const slice = parsed.records.slice(line, line + limit);
        const rows: SourceRow[] = [];
        const deadLetters: DeadLetter[] = [];
        slice.forEach((r, i) => {
          const at = { _file: file!, _line: line + i + 1 };
          if ('row' in r) rows.push({ ...r.row, ...at });
          else
            deadLetters.push({
              key: `_file=${file},_line=${at._line}`,
              field: 'line',
              reason: r.error,
              row: { text: r.text.slice(0, 200) },
            });
        });
        const read = line + slice.length;
        const more = read < parsed.records.length || files.some((f) => f > file!);
        return { rows, deadLetters, offset: { file, line: read }, full: more };
      }
      // This file is done: move on once a later one exists (until then it may still grow).
      const later = files.find((f) => f > file!);
      if (!later) return { rows: [], deadLetters: [], offset: { file, line }, full: false };
      file = later;
      line = 0;
    }
  }

  async close(): Promise<void> {
    this.cache = undefined;
  }
}
