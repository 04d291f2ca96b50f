import { advance, nextBatchQuery, remainingQuery, type PositionSpec } from './position.js';
import {
  SourceConfigError,
  type Batch,
  type ConnectorSource,
  type Offset,
  type SqlDriver,
} from './source.js';

/** A SQL table or custom query read incrementally through a driver. */
export class SqlConnectorSource implements ConnectorSource {
  constructor(
    private readonly driver: SqlDriver,
    private readonly position: PositionSpec,
    private readonly timeoutMs: number,
  ) {}

  async test(): Promise<string> {
    const version = await this.driver.version(this.timeoutMs);
    const cols = await this.columns({});
    const what = this.position.table ? `table ${this.position.table}` : 'custom query';
    return `${version}; ${what}: ${cols.length} columns (${cols.slice(0, 20).join(', ')}${cols.length > 20 ? ', ...' : ''})`;
  }

  async columns(offset: Offset): Promise<string[]> {
    const q = nextBatchQuery(this.driver.dialect, this.position, offset, 0);
    return (await this.driver.run(q.sql, q.params, this.timeoutMs)).columns;
  }

  async remaining(offset: Offset): Promise<number> {
    const q = remainingQuery(this.driver.dialect, this.position, offset);
    const { rows } = await this.driver.run(q.sql, q.params, this.timeoutMs);
    const first = rows[0] ?? {};
    return Number(Object.values(first)[0] ?? 0);
  }

  async next(offset: Offset, limit: number): Promise<Batch> {
    const q = nextBatchQuery(this.driver.dialect, this.position, offset, limit);
    const { rows } = await this.driver.run(q.sql, q.params, this.timeoutMs);
    const a = advance(this.position, offset, rows, limit);
    if ('error' in a) throw new SourceConfigError(a.error);
    return { rows: a.rows, deadLetters: [], offset: a.offset, full: a.full };
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
