/**
 * Rows to readings, a pure step: each source row gives its timestamp (naive times resolved in the
 * mapping's zone), its location, asset and sensor, and one reading per mapped value column (a wide row
 * with ten meter columns becomes ten readings), each converted to its target unit. What cannot be
 * mapped becomes a dead letter naming the row's key, the field and the reason; the rest is kept.
 */
import { KEY_PATTERN, KEY_RULE } from '../ingest/parse/index.js';
import type { Reading } from '../ingest/reading.js';
import type { FieldSource, Mapping } from './spec.js';
import { parseSourceTime } from './timezone.js';
import { converter } from './units.js';

export type SourceRow = Record<string, unknown>;

export interface DeadLetter {
  /** "id=42" or "read_at=2026-01-01 00:00:00,meter=7": the source row's key. */
  key: string;
  /** The column (or field) at fault. */
  field: string;
  reason: string;
  /** The row as read (truncated values), for whoever fixes the source. */
  row: Record<string, string | number | boolean | null>;
}

export interface MappedBatch {
  readings: Reading[];
  deadLetters: DeadLetter[];
  /** Rows of which not one reading could be made. */
  rowsRejected: number;
}

/** Target unit per parameter (from the sensor types), used where a column names no targetUnit. */
export type TargetUnits = ReadonlyMap<string, string>;

export interface CompiledMapping {
  map(tenant: string, rows: readonly SourceRow[]): MappedBatch;
}

const describeValue = (v: unknown): string | number | boolean | null => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.toISOString() : 'Invalid Date';
  const s = typeof v === 'string' ? v : typeof v === 'bigint' ? v.toString() : JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
};

export const rowExcerpt = (row: SourceRow): DeadLetter['row'] =>
  Object.fromEntries(
    Object.entries(row)
      .slice(0, 64)
      .map(([k, v]) => [k, describeValue(v)]),
  );

export function rowKey(row: SourceRow, columns: readonly string[], index: number): string {
  if (columns.length === 0) return `row ${index + 1}`;
  return columns.map((c) => `${c}=${String(describeValue(row[c]))}`).join(',');
}

/** A value cell as a number: numbers, numeric strings (NUMERIC/DECIMAL arrive as text), booleans. */
export function numericValue(v: unknown): number | { error: string } | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : { error: `${v} is not a finite number` };
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
    if (/^(true|false)$/i.test(t)) return t.toLowerCase() === 'true' ? 1 : 0;
    return { error: `"${t.slice(0, 40)}" is not a number` };
  }
  return { error: 'is not a number' };
}

type Resolve = (row: SourceRow) => string | { error: string; field: string };

function nameFrom(src: FieldSource, what: string): Resolve {
  if ('value' in src) return () => src.value;
  return (row) => {
    const v = row[src.column];
    const s = v === null || v === undefined ? '' : typeof v === 'string' ? v.trim() : String(v);
    if (s === '') return { field: src.column, error: `${what} is empty` };
    if (!KEY_PATTERN.test(s))
      return { field: src.column, error: `${what} "${s.slice(0, 40)}" must be ${KEY_RULE}` };
    return s;
  };
}

/**
 * Prepare a mapping once (unit converters, name resolvers). `keyColumns` name rows in dead letters;
 * `targetUnits` give each parameter's sensor-type unit. A unit that cannot be converted (°F to kW) is
 * a configuration error, thrown here with the field, before any row is read.
 */
export function compileMapping(
  mapping: Mapping,
  keyColumns: readonly string[],
  targetUnits: TargetUnits = new Map(),
): CompiledMapping {
  const location = nameFrom(mapping.location, 'location');
  const asset = nameFrom(mapping.asset, 'asset');
  const sensor = nameFrom(mapping.sensor, 'sensor');
  const { column: tsColumn, zone, format } = mapping.timestamp;
  const values = mapping.readings.map((rc, i) => {
    const parameter = nameFrom(
      typeof rc.parameter === 'string' ? { value: rc.parameter } : rc.parameter,
      'parameter',
    );
    const target =
      rc.targetUnit ?? (typeof rc.parameter === 'string' ? targetUnits.get(rc.parameter) : undefined);
    let convert: (v: number) => number = (v) => v;
    if (rc.unit && target) {
      const c = converter(rc.unit, target);
      if (typeof c !== 'function')
        throw Object.assign(new Error(c.error), { field: `mapping.readings[${i}].unit` });
      convert = c;
    }
    // A parameter named by a column has its target looked up per row.
    const perRow = typeof rc.parameter !== 'string' && !rc.targetUnit && rc.unit;
    return { rc, parameter, convert, perRow, sensor: rc.sensor ? nameFrom(rc.sensor, 'sensor') : sensor };
  });

  return {
    map(tenant, rows) {
      const readings: Reading[] = [];
      const deadLetters: DeadLetter[] = [];
      let rowsRejected = 0;
      rows.forEach((row, index) => {
        const reject = (field: string, reason: string) =>
          deadLetters.push({ key: rowKey(row, keyColumns, index), field, reason, row: rowExcerpt(row) });
        const ts = parseSourceTime(row[tsColumn], zone, format);
        if (typeof ts !== 'number') return void (rowsRejected++, reject(tsColumn, `timestamp ${ts.error}`));
        const names = [location(row), asset(row)];
        const bad = names.find((n): n is { error: string; field: string } => typeof n !== 'string');
        if (bad) return void (rowsRejected++, reject(bad.field, bad.error));
        let made = 0;
        let failed = 0;
        for (const v of values) {
          const raw = numericValue(row[v.rc.column]);
          if (raw === null) continue; // an empty meter cell is no reading, not an error
          const s = v.sensor(row);
          const p = v.parameter(row);
          const fault =
            typeof raw === 'object'
              ? { field: v.rc.column, error: `value ${raw.error}` }
              : typeof s !== 'string'
                ? s
                : typeof p !== 'string'
                  ? p
                  : undefined;
          if (fault) {
            failed++;
            reject(fault.field, fault.error);
            continue;
          }
          let convert = v.convert;
          if (v.perRow) {
            const target = targetUnits.get(p as string);
            const c = target ? converter(v.rc.unit!, target) : undefined;
            if (c && typeof c !== 'function') {
              failed++;
              reject(v.rc.column, c.error);
              continue;
            }
            if (c) convert = c;
          }
          readings.push({
            tenant,
            location: names[0] as string,
            asset: names[1] as string,
            sensor: s as string,
            parameter: p as string,
            ts,
            value: convert(raw as number),
          });
          made++;
        }
        if (made === 0 && failed > 0) rowsRejected++;
      });
      return { readings, deadLetters, rowsRejected };
    },
  };
}
