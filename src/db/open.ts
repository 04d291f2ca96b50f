import { join, resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { DataInsightError } from '../platform/errors.js';
import { maskUrl } from '../platform/logger.js';
import { PgliteDb } from './pglite.js';
import type { Db } from './port.js';
import { PostgresDb } from './postgres.js';

/** PostgreSQL when DATABASE_URL is set, else PGlite under DATA_DIR/db. */
export async function openDb(
  config: Pick<Config, 'databaseUrl' | 'databasePoolSize' | 'dataDir' | 'instance'>,
): Promise<Db> {
  if (config.databaseUrl) {
    try {
      return await PostgresDb.open({
        url: config.databaseUrl,
        poolSize: config.databasePoolSize,
        applicationName: `datainsight:${config.instance}`,
      });
    } catch (e) {
      throw new DataInsightError(
        'DI_DEPENDENCY_UNAVAILABLE',
        `cannot connect to PostgreSQL at ${maskUrl(config.databaseUrl)} (DATABASE_URL): ${(e as Error).message}`,
        {
          field: 'DATABASE_URL',
          cause: e,
        },
      );
    }
  }
  const dir = resolve(join(config.dataDir, 'db'));
  try {
    return await PgliteDb.open(dir);
  } catch (e) {
    throw new DataInsightError(
      'DI_DEPENDENCY_UNAVAILABLE',
      `cannot open the embedded database in ${dir} (DATA_DIR): ${(e as Error).message}`,
      {
        field: 'DATA_DIR',
        cause: e,
      },
    );
  }
}
