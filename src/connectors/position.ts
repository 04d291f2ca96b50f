/**
 * Where a SQL connector is in its source, and the query that reads on from there. Pure: the adapters
 * only supply their dialect (identifier quoting, parameter markers, row limit).
 *
 * Modes: `id` (an increasing key: WHERE id > :last_id ORDER BY id), `timestamp` (WHERE ts > :last_ts
 * ORDER BY ts; a full batch ending inside a run of equal timestamps is cut before that run, which is
 * read again whole next time), `timestamp+id` (WHERE ts > :last_ts OR (ts = :last_ts AND id > :last_id)
 * ORDER BY ts, id: rows that share a timestamp are never skipped). A custom query uses the same
 * placeholders; the mode says which columns advance the position.
 */
import type { ConnectorSpec, Incremental } from './spec.js';
import type { SourceRow } from './mapping.js';

export interface SqlOffset {
  lastId?: string | number | null;
  lastTs?: string | null;
}

export interface SqlDialect {
  quote(identifier: string): string;
  /** The marker of the n-th parameter (1-based): $1, ?, @p1. */
  param(n: number): string;
  /** A complete SELECT with a row limit given as a parameter marker. */
  select(opts: { from: string; where: string; orderBy: string; limit: string }): string;
  /** The lowest timestamp literal the engine accepts (custom queries' :last_ts before the first row). */
  readonly minTs: string;
}

export interface BuiltQuery {
  sql: string;
  params: unknown[];
}

const LOWEST_ID = '-9223372036854775808';

/** "schema.table" quoted part by part. */
const quoteTable = (d: SqlDialect, table: string): string =>
  table
    .split('.')
    .map((p) => d.quote(p))
    .join('.');

export interface PositionSpec {
  mode: Incremental['mode'];
  idColumn: string | undefined;
  tsColumn: string;
  /** Naive wall-clock time (source zone) of the backfill start, or undefined for everything. */
  from: string | undefined;
  table: string | undefined;
  query: string | undefined;
}

export function positionSpec(s: ConnectorSpec, from: string | undefined): PositionSpec {
  if (s.source.kind === 'file' || !s.incremental) throw new Error('positionSpec is for SQL sources');
  return {
    mode: s.incremental.mode,
    idColumn: s.incremental.idColumn,
    tsColumn: s.incremental.timestampColumn ?? s.mapping.timestamp.column,
    from,
    table: s.source.table,
    query: s.source.query,
  };
}

/** Replace :last_id, :last_ts, :from and :limit by the dialect's markers (outside string literals). */
export function bindPlaceholders(d: SqlDialect, text: string, values: Record<string, unknown>): BuiltQuery {
  const params: unknown[] = [];
  const sql = text.replace(
    /('(?:[^']|'')*')|:(last_id|last_ts|from|limit)\b/g,
    (m, literal: string | undefined, name: string) => {
      if (literal !== undefined) return m;
      params.push(values[name]);
      return d.param(params.length);
    },
  );
  return { sql, params };
}

/** The conditions after `offset` (and from the backfill start), with their parameters. */
function conditions(d: SqlDialect, p: PositionSpec, offset: SqlOffset, params: unknown[]): string[] {
  const next = (v: unknown) => (params.push(v), d.param(params.length));
  const ts = d.quote(p.tsColumn);
  const where: string[] = [];
  if (p.from !== undefined) where.push(`${ts} >= ${next(p.from)}`);
  const id = p.idColumn ? d.quote(p.idColumn) : '';
  const hasId = offset.lastId !== undefined && offset.lastId !== null;
  const hasTs = offset.lastTs !== undefined && offset.lastTs !== null;
  if (p.mode === 'id' && hasId) where.push(`${id} > ${next(offset.lastId)}`);
  if (p.mode === 'timestamp' && hasTs) where.push(`${ts} > ${next(offset.lastTs)}`);
  if (p.mode === 'timestamp+id' && hasTs) {
    if (!hasId) where.push(`${ts} > ${next(offset.lastTs)}`);
    else {
      const t1 = next(offset.lastTs);
      where.push(`(${ts} > ${t1} or (${ts} = ${next(offset.lastTs)} and ${id} > ${next(offset.lastId)}))`);
    }
  }
  return where;
}

/** The query that reads the next batch after `offset`. */
export function nextBatchQuery(d: SqlDialect, p: PositionSpec, offset: SqlOffset, limit: number): BuiltQuery {
  if (p.query) {
    return bindPlaceholders(d, p.query, {
      last_id: offset.lastId ?? LOWEST_ID,
      last_ts: offset.lastTs ?? p.from ?? d.minTs,
      from: p.from ?? d.minTs,
      limit,
    });
  }
  const params: unknown[] = [];
  const where = conditions(d, p, offset, params);
  const order =
    p.mode === 'id'
      ? d.quote(p.idColumn!)
      : p.mode === 'timestamp'
        ? d.quote(p.tsColumn)
        : `${d.quote(p.tsColumn)}, ${d.quote(p.idColumn!)}`;
  params.push(limit);
  const sql = d.select({
    from: quoteTable(d, p.table!),
    where: where.length ? where.join(' and ') : '1 = 1',
    orderBy: order,
    limit: d.param(params.length),
  });
  return { sql, params };
}

/** Rows still to read after `offset`: the backfill's estimate (rows done / estimated). */
export function remainingQuery(d: SqlDialect, p: PositionSpec, offset: SqlOffset): BuiltQuery {
  if (p.query) {
    const inner = nextBatchQuery(d, p, offset, 2_147_483_647);
    return { sql: `select count(*) as n from (${inner.sql}) as remaining_rows`, params: inner.params };
  }
  const params: unknown[] = [];
  const where = conditions(d, p, offset, params);
  return {
    sql: `select count(*) as n from ${quoteTable(d, p.table!)} where ${where.length ? where.join(' and ') : '1 = 1'}`,
    params,
  };
}

/** A timestamp cell as the text its engine compares with (drivers are set to return text). */
const tsText = (v: unknown): string | null =>
  v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v);
const idValue = (v: unknown): string | number | null =>
  v === null || v === undefined ? null : typeof v === 'number' || typeof v === 'string' ? v : String(v);

export type Advance = { rows: SourceRow[]; offset: SqlOffset; full: boolean } | { error: string };

/**
 * The rows of a batch to process now and the position after them. In `timestamp` mode a full batch is
 * cut before its last run of equal timestamps (those rows come again, whole, in the next batch); a
 * batch that is one single run cannot advance and is an error asking for timestamp+id mode.
 */
export function advance(p: PositionSpec, offset: SqlOffset, rows: SourceRow[], limit: number): Advance {
  const full = rows.length >= limit;
  if (rows.length === 0) return { rows, offset, full: false };
  let kept = rows;
  if (p.mode === 'timestamp' && full) {
    const last = tsText(rows[rows.length - 1]![p.tsColumn]);
    let cut = rows.length;
    while (cut > 0 && tsText(rows[cut - 1]![p.tsColumn]) === last) cut--;
    if (cut === 0)
      return {
        error: `more than ${limit} rows share the timestamp ${last} in column ${p.tsColumn}: use mode "timestamp+id" or a larger batch size`,
      };
    kept = rows.slice(0, cut);
  }
  const lastRow = kept[kept.length - 1]!;
  const next: SqlOffset = { ...offset };
  if (p.mode !== 'timestamp') next.lastId = idValue(lastRow[p.idColumn!]);
  if (p.mode !== 'id') next.lastTs = tsText(lastRow[p.tsColumn]);
  return { rows: kept, offset: next, full };
}
