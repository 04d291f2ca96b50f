import { DataInsightError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import type { Db } from './port.js';

/**
 * Bring the schema up to date. Safe to run twice and from several processes at once: all of it runs in
 * one transaction holding an advisory lock keyed on the schema, so a second process waits, then finds
 * nothing left to do.
 */
export async function migrate(
  db: Db,
  logger?: Logger,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query(`select pg_advisory_xact_lock(hashtext('datainsight.migrate.' || current_schema()))`);
    await tx.exec(`create table if not exists schema_migrations (
      id integer primary key, name text not null,
      applied_at bigint not null default (extract(epoch from now()) * 1000)::bigint)`);
    const done = new Set(
      (await tx.query<{ id: number }>('select id from schema_migrations')).rows.map((r) => r.id),
    );
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      try {
        await tx.exec(m.sql);
      } catch (e) {
        throw new DataInsightError(
          'DI_MIGRATION_FAILED',
          `migration ${m.id} (${m.name}) failed: ${(e as Error).message}`,
          {
            field: m.name,
            cause: e,
          },
        );
      }
      await tx.query('insert into schema_migrations (id, name) values ($1, $2)', [m.id, m.name]);
      applied.push(m.id);
      logger?.info({ migration: m.id, migrationName: m.name }, 'migration applied');
    }
    return applied;
  });
}
