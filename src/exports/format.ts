import type { SeriesInfo } from '../storage/catalog.js';
import type { ExportFormat, Resolution } from './spec.js';

/**
 * Turning rows into file text, pure and batch-wise: one string per batch, so the writer makes one
 * write (and one backpressure check) per few thousand rows. The series' own columns are encoded once
 * per series and reused as a prefix of every line.
 */

export interface RawRow {
  ts: number;
  value: number;
}

export interface RollupRow {
  ts: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  first: number;
  last: number;
}

export type ExportRow = RawRow | RollupRow;

/**
 * Raw rows of one batch as columns: timestamps, and values as the database's own shortest
 * round-trip text (PostgreSQL float8 output), written to the file as they come: reading one text
 * array per column is several times faster than one JS object per row through the PGlite worker.
 */
export interface RawColumns {
  ts: number[];
  values: string[];
}

const SERIES_COLUMNS = ['series_id', 'location', 'asset', 'sensor', 'parameter', 'unit', 'ts', 'time'];
const VALUE_COLUMNS: Record<'raw' | 'rollup', string[]> = {
  raw: ['value'],
  rollup: ['min', 'max', 'avg', 'sum', 'count', 'first', 'last'],
};

/** RFC 4180: quote a field holding a comma, quote, CR or LF; double the quotes inside. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const kindOf = (r: Resolution): 'raw' | 'rollup' => (r === 'raw' ? 'raw' : 'rollup');

export interface Encoder {
  /** The first line of the file (CSV column names), or '' (JSON Lines). */
  header(): string;
  /** Every row of one batch of one series, each line ending in \n. */
  batch(series: SeriesInfo, rows: readonly ExportRow[]): string;
  /** One batch of raw rows as columns. */
  columns(series: SeriesInfo, c: RawColumns): string;
}

const P2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const P3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
let isoDay = Number.NaN;
let isoDayPrefix = '';

/** ISO-8601 UTC with milliseconds, as Date#toISOString, without a Date per row (the day part is cached). */
export function iso(ts: number): string {
  if (!(ts >= 0 && ts < 253_402_300_800_000)) return new Date(ts).toISOString();
  const day = ts - (ts % 86_400_000);
  if (day !== isoDay) {
    isoDay = day;
    isoDayPrefix = new Date(day).toISOString().slice(0, 11);
  }
  let r = ts - day;
  const h = (r / 3_600_000) | 0;
  r -= h * 3_600_000;
  const m = (r / 60_000) | 0;
  r -= m * 60_000;
  const s = (r / 1000) | 0;
  return `${isoDayPrefix}${P2[h]}:${P2[m]}:${P2[s]}.${P3[r - s * 1000]}Z`;
}

/** A float8 text from the database as a JSON number (NaN and infinities have none: null). */
const jsonNumber = (v: string): string => (v === 'NaN' || v.endsWith('Infinity') ? 'null' : v);

class CsvEncoder implements Encoder {
  private readonly prefixes = new Map<number, string>();
  constructor(private readonly kind: 'raw' | 'rollup') {}

  header(): string {
    return [...SERIES_COLUMNS, ...VALUE_COLUMNS[this.kind]].join(',') + '\n';
  }

  private prefix(s: SeriesInfo): string {
    let p = this.prefixes.get(s.seriesId);
    if (p === undefined) {
      p =
        [String(s.seriesId), s.location, s.asset, s.sensor, s.parameter, s.unit].map(csvField).join(',') +
        ',';
      if (this.prefixes.size > 1000) this.prefixes.clear();
      this.prefixes.set(s.seriesId, p);
    }
    return p;
  }

  columns(s: SeriesInfo, c: RawColumns): string {
    const p = this.prefix(s);
    let out = '';
    for (let i = 0; i < c.ts.length; i++) out += `${p}${c.ts[i]},${iso(c.ts[i]!)},${c.values[i]}\n`;
    return out;
  }

  batch(s: SeriesInfo, rows: readonly ExportRow[]): string {
    const p = this.prefix(s);
    let out = '';
    if (this.kind === 'raw') {
      for (const r of rows as RawRow[]) out += `${p}${r.ts},${iso(r.ts)},${r.value}\n`;
    } else {
      for (const r of rows as RollupRow[]) {
        out += `${p}${r.ts},${iso(r.ts)},${r.min},${r.max},${r.sum / r.count},${r.sum},${r.count},${r.first},${r.last}\n`;
      }
    }
    return out;
  }
}

class JsonLinesEncoder implements Encoder {
  private readonly prefixes = new Map<number, string>();
  constructor(private readonly kind: 'raw' | 'rollup') {}

  header(): string {
    return '';
  }

  private prefix(s: SeriesInfo): string {
    let p = this.prefixes.get(s.seriesId);
    if (p === undefined) {
      const head = JSON.stringify({
        seriesId: s.seriesId,
        location: s.location,
        asset: s.asset,
        sensor: s.sensor,
        parameter: s.parameter,
        unit: s.unit,
      });
      p = head.slice(0, -1) + ',';
      if (this.prefixes.size > 1000) this.prefixes.clear();
      this.prefixes.set(s.seriesId, p);
    }
    return p;
  }

  columns(s: SeriesInfo, c: RawColumns): string {
    const p = this.prefix(s);
    let out = '';
    for (let i = 0; i < c.ts.length; i++) {
      out += `${p}"ts":${c.ts[i]},"time":"${iso(c.ts[i]!)}","value":${jsonNumber(c.values[i]!)}}\n`;
    }
    return out;
  }

  batch(s: SeriesInfo, rows: readonly ExportRow[]): string {
    const p = this.prefix(s);
    const n = (v: number): string => JSON.stringify(v);
    let out = '';
    if (this.kind === 'raw') {
      for (const r of rows as RawRow[])
        out += `${p}"ts":${r.ts},"time":"${iso(r.ts)}","value":${n(r.value)}}\n`;
    } else {
      for (const r of rows as RollupRow[]) {
        out +=
          `${p}"ts":${r.ts},"time":"${iso(r.ts)}","min":${n(r.min)},"max":${n(r.max)},"avg":${n(r.sum / r.count)},` +
          `"sum":${n(r.sum)},"count":${r.count},"first":${n(r.first)},"last":${n(r.last)}}\n`;
      }
    }
    return out;
  }
}

export function encoderFor(format: ExportFormat, resolution: Resolution): Encoder {
  const kind = kindOf(resolution);
  return format === 'jsonl' ? new JsonLinesEncoder(kind) : new CsvEncoder(kind);
}
