/**
 * The source port. `SqlDriver` is what a database adapter supplies (PostgreSQL, MySQL/MariaDB, SQL
 * Server): a read-only session, its dialect, and one query with a timeout. `ConnectorSource` is what the
 * runner reads through, for SQL tables and files alike: test, columns (schema drift), remaining rows
 * (backfill progress) and the next batch after an offset.
 */
import type { DeadLetter, SourceRow } from './mapping.js';
import type { SqlDialect, SqlOffset } from './position.js';

export interface SqlResult {
  rows: SourceRow[];
  columns: string[];
}

export interface SqlDriver {
  readonly dialect: SqlDialect;
  /** Connects if needed and returns the server's version line. */
  version(timeoutMs: number): Promise<string>;
  run(sql: string, params: readonly unknown[], timeoutMs: number): Promise<SqlResult>;
  /** Safe to call twice. */
  close(): Promise<void>;
}

export interface FileOffset {
  file?: string;
  /** Records of `file` already read (CSV: data records after the header; JSONL: lines). */
  line?: number;
}

export type Offset = SqlOffset & FileOffset;

export interface Batch {
  rows: SourceRow[];
  /** Records the source itself could not read (a malformed JSON line). */
  deadLetters: DeadLetter[];
  /** The position after these rows: committed once their readings are in the stream. */
  offset: Offset;
  /** False when the source had fewer rows than asked: caught up. */
  full: boolean;
}

export interface ConnectorSource {
  /** Connect and describe the source ("PostgreSQL 16.4 ...; table meters: 12 columns"). */
  test(): Promise<string>;
  /** Columns the rows will have (undefined when the source cannot tell, e.g. JSON Lines). */
  columns(offset: Offset): Promise<string[] | undefined>;
  /** Rows after `offset` (the backfill's estimate), undefined when unknown. */
  remaining(offset: Offset): Promise<number | undefined>;
  next(offset: Offset, limit: number): Promise<Batch>;
  close(): Promise<void>;
}

/** The source is there but the definition does not fit it (e.g. >batch rows with one timestamp). */
export class SourceConfigError extends Error {
  override name = 'SourceConfigError';
}
