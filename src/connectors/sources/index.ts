/** Builds a connector's source from its definition: the only place that knows every adapter. */
import { isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { positionSpec } from '../position.js';
import { SqlConnectorSource } from '../sql-source.js';
import type { ConnectorSource, SqlDriver } from '../source.js';
import type { ConnectorSpec } from '../spec.js';
import { FileSource } from './file.js';
import { MssqlDriver } from './mssql.js';
import { MysqlDriver } from './mysql.js';
import { PostgresDriver } from './postgres.js';

export interface SourceContext {
  /** CONNECTOR_FILES_DIR: watched directories live under it; uploads under its "uploads/<id>". */
  filesRoot: string;
  connectorId: number | undefined;
}

/** A directory inside the files root (never outside it, whatever the tenant wrote). */
export function fileDirectory(spec: ConnectorSpec, ctx: SourceContext): string {
  if (spec.source.kind !== 'file') throw new Error('not a file source');
  const root = resolve(ctx.filesRoot);
  if (!spec.source.directory) return join(root, 'uploads', String(ctx.connectorId ?? 'dry-run'));
  const rel = normalize(spec.source.directory);
  const dir = resolve(root, rel);
  if (isAbsolute(rel) || !(dir + sep).startsWith(root + sep))
    throw Object.assign(new Error(`directory must be inside CONNECTOR_FILES_DIR (${root})`), {
      field: 'source.directory',
    });
  return dir;
}

/** The naive wall-clock start of the backfill in the source's zone, for SQL comparisons. */
export type BackfillStart = string | undefined;

export function openSource(
  spec: ConnectorSpec,
  password: string | undefined,
  ctx: SourceContext,
  from: BackfillStart,
): ConnectorSource {
  const s = spec.source;
  if (s.kind === 'file')
    return new FileSource({
      directory: fileDirectory(spec, ctx),
      format: s.format,
      delimiter: s.delimiter,
      suffix: s.suffix,
    });
  let driver: SqlDriver;
  if (s.kind === 'postgres')
    driver = new PostgresDriver(s, password, spec.mapping.timestamp.zone, spec.queryTimeoutMs);
  else if (s.kind === 'mysql') driver = new MysqlDriver(s, password, spec.queryTimeoutMs);
  else driver = new MssqlDriver(s, password, spec.queryTimeoutMs);
  return new SqlConnectorSource(driver, positionSpec(spec, from), spec.queryTimeoutMs);
}
