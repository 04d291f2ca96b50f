import pg from 'pg';
import type { CopyOutDb } from '../db/postgres.js';
import type { SeriesInfo } from '../storage/catalog.js';
import { tier } from '../storage/tiers.js';
import { csvField } from './format.js';
import { rollupStart } from './reader.js';
import type { Resolution } from './spec.js';

/**
 * The PostgreSQL fast path for CSV: the database writes the lines itself with
 * `COPY (SELECT ...) TO STDOUT WITH (FORMAT csv)`, one statement per series (in the job's series
 * order, each an ordered index range scan, exactly the rows and order of the keyset reader), and the
 * bytes go to the file without a JS value per row. The SQL reproduces the CSV writer of format.ts
 * byte for byte: the same columns, `Date#toISOString` times, and numbers as JavaScript's
 * `String(number)` writes them (see jsNumberSql).
 */

/** Session settings for the copy transaction: shortest round-trip float8 text. */
export const COPY_SETUP = ['set local extra_float_digits = 1'] as const;

/**
 * SQL text of the float8 expression `x` exactly as JavaScript's `String(x)` writes the same double.
 * With extra_float_digits > 0 PostgreSQL writes the same shortest round-trip digits as JavaScript
 * (both pick the shortest digit string that reads back as the double, the nearest one on a tie), but
 * lays them out differently: PostgreSQL switches to an exponent below 1e-4 and from 1e15 and pads it
 * to two digits (`1e-05`, `1e+15`), JavaScript only below 1e-6 and from 1e21 (`0.00001`,
 * `1000000000000000`, `1e-7`); PostgreSQL writes `-0`, JavaScript `0`. Values in [1e-4, 1e15), the
 * usual case, are the same text and take the first branch; the rest are re-laid out from
 * PostgreSQL's digits and exponent following ECMAScript's Number::toString.
 */
export function jsNumberSql(x: string): string {
  return `(case when ${x} = 0 then '0'
    when abs(${x}) >= '1e-4'::float8 and abs(${x}) < '1e15'::float8 then (${x})::text
    else (select case
        when p.e is null then p.t
        when p.e + 1 between length(p.d) and 21 then p.s || p.d || repeat('0', p.e + 1 - length(p.d))
        when p.e + 1 between 1 and 21 then p.s || left(p.d, p.e + 1) || '.' || substr(p.d, p.e + 2)
        when p.e + 1 between -5 and 0 then p.s || '0.' || repeat('0', -(p.e + 1)) || p.d
        else p.s || left(p.d, 1) || (case when length(p.d) > 1 then '.' || substr(p.d, 2) else '' end)
          || 'e' || (case when p.e > 0 then '+' else '-' end) || abs(p.e)
      end
      from (select t, case when t like '-%' then '-' else '' end as s,
              coalesce(rtrim(c.digits, '0'), replace(ltrim(split_part(t, 'e', 1), '-'), '.', '')) as d,
              coalesce(c.exp, nullif(split_part(t, 'e', 2), '')::integer) as e
            from (select (${x})::text as t) a
            left join lateral (
              -- From 2^52 on, a digit string lying exactly halfway between two doubles can read back
              -- as the even one: JavaScript takes it when it is the shortest, PostgreSQL never does.
              select ltrim(r.c::text, '-') as digits, length(ltrim(r.c::text, '-')) - 1 as exp
              from generate_series(1, 16) j,
                lateral (select round(a.t::numeric, j - 1 - (length(ltrim(round(a.t::numeric)::text, '-')) - 1)) as c) r
              where abs(${x}) >= '4503599627370496'::float8 and abs(${x}) < 'Infinity'::float8
                and j < length(rtrim(replace(ltrim(split_part(a.t, 'e', 1), '-'), '.', ''), '0'))
                and (case when abs(r.c) <= 1.7976931348623157e308 then r.c::float8 = ${x} else false end)
              order by j limit 1) c on true) p)
  end)`;
}

/** `ts` (epoch ms) as `Date#toISOString` writes it: 2026-01-05T00:00:00.000Z (years 0 to 9999). */
export const isoSql = (ts: string): string =>
  `to_char(timestamp '1970-01-01' + (${ts} / 1000) * interval '1 second' + (${ts} % 1000) * interval '1 millisecond',
    'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const int = (n: number, what: string): string => {
  if (!Number.isSafeInteger(n)) throw new Error(`${what} ${n} is not an integer`);
  return String(n);
};

export interface CopyPlan {
  /** One COPY statement per series. */
  statements: string[];
  /** Newlines per row of each statement (1, unless a series' names hold line breaks). */
  linesPerRow: number[];
}

/**
 * The COPY statements of a CSV export. COPY takes no bind parameters, so ids and times are written
 * as checked integers and names as escaped literals. PostgreSQL quotes a CSV field that holds a
 * comma, quote, CR or LF (as csvField does) and also one equal to the NULL marker; no field is ever
 * NULL here, so the marker is chosen to differ from every name of the job and never causes quotes.
 */
export function copyPlan(
  series: readonly SeriesInfo[],
  from: number,
  to: number,
  resolution: Resolution,
): CopyPlan {
  const names = new Set(series.flatMap((s) => [s.location, s.asset, s.sensor, s.parameter, s.unit]));
  let nul = '\\N';
  while (names.has(nul)) nul += 'N';
  const options = `(format csv, header false, null ${pg.escapeLiteral(nul)})`;
  const start = int(rollupStart(from, resolution), 'from');
  const end = int(to, 'to');
  const statements: string[] = [];
  const linesPerRow: number[] = [];
  for (const s of series) {
    const texts = [s.location, s.asset, s.sensor, s.parameter, s.unit];
    const head = [`${int(s.seriesId, 'series')} as series_id`]
      .concat(
        texts.map(
          (t, i) =>
            `${pg.escapeLiteral(t)}::text as ${['location', 'asset', 'sensor', 'parameter', 'unit'][i]}`,
        ),
      )
      .join(', ');
    const where = `policy_id = ${int(s.policyId, 'policy')} and series_id = ${int(s.seriesId, 'series')}`;
    const select =
      resolution === 'raw'
        ? `select ${head}, ts, ${isoSql('ts')} as time, ${jsNumberSql('value')} as value
           from readings where ${where} and ts >= ${start} and ts < ${end} order by ts`
        : `select ${head}, bucket as ts, ${isoSql('bucket')} as time,
             ${jsNumberSql('min')} as min, ${jsNumberSql('max')} as max,
             ${jsNumberSql('sum / count::float8')} as avg, ${jsNumberSql('sum')} as sum, count,
             ${jsNumberSql('first')} as first, ${jsNumberSql('last')} as last
           from ${tier(resolution).table} where ${where} and bucket >= ${start} and bucket < ${end} order by bucket`;
    statements.push(`copy (${select}) to stdout with ${options}`);
    linesPerRow.push(1 + texts.map(csvField).join('').split('\n').length - 1);
  }
  return { statements, linesPerRow };
}

/** Newlines in a chunk (memchr through Buffer#indexOf). */
export function countNewlines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * The CSV body of an export as COPY output chunks, with the rows done so far reported after each
 * chunk (counted from the newlines: whole rows only).
 */
export async function* copyCsv(
  db: CopyOutDb,
  plan: CopyPlan,
  signal: AbortSignal,
  onRows: (rowsDone: number) => Promise<void> | void,
): AsyncGenerator<Buffer> {
  let before = 0;
  let statement = 0;
  let lines = 0;
  for await (const c of db.copyOut(plan.statements, { setup: COPY_SETUP, signal })) {
    while (c.statement !== statement) {
      before += Math.floor(lines / plan.linesPerRow[statement]!);
      statement++;
      lines = 0;
    }
    lines += countNewlines(c.chunk);
    yield c.chunk;
    await onRows(before + Math.floor(lines / plan.linesPerRow[statement]!));
  }
}
