import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../src/db/migrate.js';
import { PgliteDb } from '../../src/db/pglite.js';
import type { Db } from '../../src/db/port.js';
import { PostgresDb } from '../../src/db/postgres.js';

export interface DbAdapter {
  name: 'pglite' | 'postgres';
  /** A fresh, migrated database of its own (own PGlite instance, or own PostgreSQL schema). */
  open(opts?: { migrated?: boolean }): Promise<Db & { drop(): Promise<void> }>;
}

export const uniqueName = (prefix: string): string => `${prefix}_${randomBytes(5).toString('hex')}`;

const pglite: DbAdapter = {
  name: 'pglite',
  async open(opts = {}) {
    const db = await PgliteDb.open(undefined);
    if (opts.migrated !== false) await migrate(db);
    return Object.assign(db, { drop: () => db.close() });
  },
};

const postgres = (url: string): DbAdapter => ({
  name: 'postgres',
  async open(opts = {}) {
    const schema = uniqueName('t');
    const db = await PostgresDb.open({ url, poolSize: 4, schema });
    if (opts.migrated !== false) await migrate(db);
    return Object.assign(db, {
      async drop() {
        await db.close();
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`drop schema if exists ${schema} cascade`);
        await c.end();
      },
    });
  },
});

/** PGlite always; PostgreSQL too when DATABASE_URL is set (CI sets it). */
export const DB_ADAPTERS: DbAdapter[] = [
  pglite,
  ...(process.env.DATABASE_URL ? [postgres(process.env.DATABASE_URL)] : []),
];
