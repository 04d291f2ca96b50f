/**
 * The database port. Two adapters share one SQL dialect (PostgreSQL 15+) and one migration set:
 * `PgliteDb` (embedded, in-process, files under DATA_DIR) and `PostgresDb` (node-postgres pool).
 * Conventions both adapters keep: int8 (bigint) columns come back as JS numbers (timestamps are epoch
 * milliseconds, well inside 2^53); parameters are positional ($1, $2...).
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Run a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Run fn in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  /** Safe to call twice. */
  close(): Promise<void>;
}
