import { afterEach, describe, expect, it } from 'vitest';
import { DB_ADAPTERS } from '../../test/support/db.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import type { Db } from './port.js';

for (const adapter of DB_ADAPTERS) {
  describe(`database port: ${adapter.name}`, () => {
    const opened: { drop(): Promise<void> }[] = [];
    const open = async (opts?: { migrated?: boolean }) => {
      const db = await adapter.open(opts);
      opened.push(db);
      return db;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((d) => d.drop()));
    });

    it('migrates a fresh database, and a second run applies nothing', async () => {
      const db = await open({ migrated: false });
      expect(await migrate(db)).toEqual(MIGRATIONS.map((m) => m.id));
      expect(await migrate(db)).toEqual([]);
      const tables = await db.query<{ table_name: string }>(
        `select table_name from information_schema.tables where table_schema = current_schema() order by 1`,
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining([
          'tenants',
          'locations',
          'assets',
          'sensor_types',
          'sensors',
          'users',
          'memberships',
        ]),
      );
    });

    it('two migrations racing apply each migration exactly once', async () => {
      const db = await open({ migrated: false });
      const [a, b] = await Promise.all([migrate(db), migrate(db)]);
      expect([...a!, ...b!].sort()).toEqual(MIGRATIONS.map((m) => m.id));
    });

    it('a failing migration rolls back and names itself', async () => {
      const db = await open({ migrated: false });
      const broken = [
        ...MIGRATIONS,
        { id: 999, name: 'broken', sql: 'create table ok_then (x int); select nope();' },
      ];
      await expect(migrate(db, undefined, broken)).rejects.toMatchObject({
        code: 'DI_MIGRATION_FAILED',
        field: 'broken',
      });
      const t = await db.query(
        `select 1 from information_schema.tables where table_name = 'ok_then' and table_schema = current_schema()`,
      );
      expect(t.rowCount).toBe(0);
    });

    it('bigint epoch milliseconds come back as numbers', async () => {
      const db = await open();
      const r = await db.query<{ ts: number }>('select 1732700000123::bigint as ts');
      expect(r.rows[0]!.ts).toBe(1732700000123);
    });

    it('rowCount counts the rows a SELECT returned and the rows a write changed', async () => {
      const db = await open();
      expect((await db.query(`select * from generate_series(1, 3)`)).rowCount).toBe(3);
      await db.query(`insert into tenants (slug, name) values ('a', 'A'), ('b', 'B')`);
      expect((await db.query(`update tenants set name = 'x'`)).rowCount).toBe(2);
    });

    it('a transaction commits on success and rolls back on error', async () => {
      const db: Db = await open();
      await db.transaction((tx) => tx.query(`insert into tenants (slug, name) values ('acme', 'Acme')`));
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`insert into tenants (slug, name) values ('globex', 'Globex')`);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      const r = await db.query<{ slug: string }>('select slug from tenants order by slug');
      expect(r.rows.map((x) => x.slug)).toEqual(['acme']);
    });

    it('an asset cannot point at another tenant’s location', async () => {
      const db = await open();
      const a = await db.query<{ id: number }>(
        `insert into tenants (slug, name) values ('a', 'A') returning id`,
      );
      const b = await db.query<{ id: number }>(
        `insert into tenants (slug, name) values ('b', 'B') returning id`,
      );
      const loc = await db.query<{ id: number }>(
        `insert into locations (tenant_id, slug, name) values ($1, 'hq', 'HQ') returning id`,
        [a.rows[0]!.id],
      );
      await expect(
        db.query(
          `insert into assets (tenant_id, location_id, slug, name) values ($1, $2, 'ch-1', 'Chiller')`,
          [b.rows[0]!.id, loc.rows[0]!.id],
        ),
      ).rejects.toThrow();
    });

    it('slugs that could not appear in an MQTT topic are refused', async () => {
      const db = await open();
      await expect(db.query(`insert into tenants (slug, name) values ('a/b', 'bad')`)).rejects.toThrow();
      await expect(db.query(`insert into tenants (slug, name) values ('+', 'bad')`)).rejects.toThrow();
    });
  });
}
