import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  advance,
  bindPlaceholders,
  nextBatchQuery,
  remainingQuery,
  type PositionSpec,
  type SqlOffset,
} from './position.js';
import { mssqlDialect } from './sources/mssql.js';
import { mysqlDialect } from './sources/mysql.js';
import { postgresDialect } from './sources/postgres.js';
import type { SourceRow } from './mapping.js';

const base: PositionSpec = {
  mode: 'id',
  idColumn: 'id',
  tsColumn: 'read_at',
  from: undefined,
  table: 'public.meter_log',
  query: undefined,
};

describe('the next query', () => {
  it('id mode in each dialect', () => {
    expect(nextBatchQuery(postgresDialect, base, { lastId: 41 }, 500)).toEqual({
      sql: 'select * from "public"."meter_log" where "id" > $1 order by "id" limit $2',
      params: [41, 500],
    });
    expect(nextBatchQuery(mysqlDialect, base, {}, 10)).toEqual({
      sql: 'select * from `public`.`meter_log` where 1 = 1 order by `id` limit ?',
      params: [10],
    });
    expect(
      nextBatchQuery(mssqlDialect, { ...base, from: '2026-01-01 00:00:00.000' }, { lastId: 7 }, 10),
    ).toEqual({
      sql: 'select top (@p3) * from [public].[meter_log] where [read_at] >= @p1 and [id] > @p2 order by [id]',
      params: ['2026-01-01 00:00:00.000', 7, 10],
    });
  });

  it('timestamp and timestamp+id modes', () => {
    expect(
      nextBatchQuery(postgresDialect, { ...base, mode: 'timestamp' }, { lastTs: '2026-01-01 10:00:00' }, 5)
        .sql,
    ).toBe('select * from "public"."meter_log" where "read_at" > $1 order by "read_at" limit $2');
    expect(
      nextBatchQuery(postgresDialect, { ...base, mode: 'timestamp+id' }, { lastTs: 'T', lastId: 3 }, 5),
    ).toEqual({
      sql: 'select * from "public"."meter_log" where ("read_at" > $1 or ("read_at" = $2 and "id" > $3)) order by "read_at", "id" limit $4',
      params: ['T', 'T', 3, 5],
    });
    expect(remainingQuery(mysqlDialect, { ...base, mode: 'timestamp+id' }, {})).toEqual({
      sql: 'select count(*) as n from `public`.`meter_log` where 1 = 1',
      params: [],
    });
  });

  it('custom queries get their placeholders bound, string literals left alone', () => {
    const q =
      "select * from v where note <> ':last_id' and id > :last_id and ts >= :from order by id limit :limit";
    expect(nextBatchQuery(postgresDialect, { ...base, table: undefined, query: q }, {}, 100)).toEqual({
      sql: "select * from v where note <> ':last_id' and id > $1 and ts >= $2 order by id limit $3",
      params: ['-9223372036854775808', '0001-01-01 00:00:00', 100],
    });
    expect(bindPlaceholders(mysqlDialect, 'a = :last_ts or b = :last_ts', { last_ts: 'x' })).toEqual({
      sql: 'a = ? or b = ?',
      params: ['x', 'x'],
    });
  });
});

describe('advancing the position', () => {
  const rows = (ts: string[]): SourceRow[] => ts.map((t, i) => ({ id: i + 1, read_at: t }));

  it('id and timestamp+id take the last row', () => {
    expect(advance(base, {}, rows(['a', 'b']), 2)).toEqual({
      rows: rows(['a', 'b']),
      offset: { lastId: 2 },
      full: true,
    });
    expect(advance({ ...base, mode: 'timestamp+id' }, {}, rows(['a', 'b']), 5)).toMatchObject({
      offset: { lastId: 2, lastTs: 'b' },
      full: false,
    });
  });

  it('timestamp mode cuts a full batch before its last run of equal timestamps', () => {
    const p = { ...base, mode: 'timestamp' as const };
    expect(advance(p, {}, rows(['1', '2', '3', '3']), 4)).toEqual({
      rows: rows(['1', '2']),
      offset: { lastTs: '2' },
      full: true,
    });
    expect(advance(p, {}, rows(['1', '2', '3']), 4)).toMatchObject({ offset: { lastTs: '3' }, full: false });
    expect(advance(p, {}, rows(['3', '3']), 2)).toEqual({
      error: expect.stringContaining('use mode "timestamp+id"'),
    });
  });

  /** A table in memory read the way a database would answer the built query. */
  function simulate(
    mode: PositionSpec['mode'],
    table: { id: number; ts: number }[],
    limit: number,
  ): number[] | 'stuck' {
    const p: PositionSpec = { ...base, mode, tsColumn: 'ts' };
    let offset: SqlOffset = {};
    const seen: number[] = [];
    for (let guard = 0; guard < 1000; guard++) {
      const after = table
        .filter((r) => {
          const lt = offset.lastTs == null ? null : Number(offset.lastTs);
          const li = offset.lastId == null ? null : Number(offset.lastId);
          if (mode === 'id') return li === null || r.id > li;
          if (mode === 'timestamp') return lt === null || r.ts > lt;
          return lt === null || r.ts > lt || (r.ts === lt && li !== null && r.id > li);
        })
        .sort((a, b) => (mode === 'id' ? a.id - b.id : a.ts - b.ts || a.id - b.id))
        .slice(0, limit)
        .map((r) => ({ id: r.id, ts: String(r.ts) }));
      const a = advance(p, offset, after, limit);
      if ('error' in a) return 'stuck';
      seen.push(...a.rows.map((r) => Number(r.id)));
      offset = a.offset;
      if (!a.full) return seen;
    }
    return 'stuck';
  }

  it('every row is read exactly once, whatever the batch size and however many rows share a timestamp', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 10 }),
        fc.constantFrom('id' as const, 'timestamp' as const, 'timestamp+id' as const),
        (tss, limit, mode) => {
          const table = tss.map((ts, i) => ({ id: i + 1, ts }));
          const got = simulate(mode, table, limit);
          if (got === 'stuck') {
            // Only timestamp mode may refuse, and only when more than a batch shares one timestamp.
            expect(mode).toBe('timestamp');
            const counts = new Map<number, number>();
            for (const t of tss) counts.set(t, (counts.get(t) ?? 0) + 1);
            expect(Math.max(...counts.values())).toBeGreaterThanOrEqual(limit);
            return;
          }
          expect([...got].sort((a, b) => a - b)).toEqual(table.map((r) => r.id));
        },
      ),
      { numRuns: 500 },
    );
  });
});
