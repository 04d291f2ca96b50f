/** The silences table, scoped by tenant: another tenant's silence ids match nothing. */
import type { Queryable } from '../../db/port.js';
import { DataInsightError } from '../../platform/errors.js';
import { SILENCE_COLUMNS, type Silence, type SilenceMatcher } from './silences.js';

export interface NewSilence {
  matcher: SilenceMatcher;
  startsAt: number;
  endsAt: number;
  comment: string;
  createdBy: string;
}

export interface SilenceFilter {
  /** true: in force at `now`; false: not in force (scheduled or over); undefined: all. */
  active?: boolean;
  now: number;
  limit: number;
  /** Page cursor: ids below this. */
  before?: number;
}

const notFound = (id: number) =>
  new DataInsightError('DI_NOT_FOUND', `no silence ${id} in your tenant`, { field: 'id' });

export class SilencesRepo {
  constructor(private readonly q: Queryable) {}

  async create(tenantId: number, s: NewSilence, now: number): Promise<Silence> {
    const r = await this.q.query<Silence>(
      `insert into silences (tenant_id, matcher, starts_at, ends_at, comment, created_by, created_at)
       values ($1, $2, $3, $4, $5, $6, $7) returning ${SILENCE_COLUMNS}`,
      [tenantId, JSON.stringify(s.matcher), s.startsAt, s.endsAt, s.comment, s.createdBy, now],
    );
    return r.rows[0]!;
  }

  async get(tenantId: number, id: number): Promise<Silence> {
    const r = await this.q.query<Silence>(
      `select ${SILENCE_COLUMNS} from silences where tenant_id = $1 and id = $2`,
      [tenantId, id],
    );
    if (!r.rows[0]) throw notFound(id);
    return r.rows[0];
  }

  /** Newest first. */
  async list(tenantId: number, f: SilenceFilter): Promise<Silence[]> {
    const r = await this.q.query<Silence>(
      `select ${SILENCE_COLUMNS} from silences
       where tenant_id = $1 and ($2::bigint is null or id < $2)
         and ($3::boolean is null or (starts_at <= $4 and ends_at > $4) = $3)
       order by id desc limit $5`,
      [tenantId, f.before ?? null, f.active ?? null, f.now, f.limit],
    );
    return r.rows;
  }

  /**
   * Ends a silence now: one in force stops at `now`, a scheduled one is removed, one already over is
   * left as it is. Returns whether anything changed.
   */
  async end(tenantId: number, id: number, now: number): Promise<boolean> {
    const s = await this.get(tenantId, id);
    if (s.endsAt <= now) return false;
    if (s.startsAt >= now) {
      await this.q.query('delete from silences where tenant_id = $1 and id = $2', [tenantId, id]);
    } else {
      await this.q.query('update silences set ends_at = $3 where tenant_id = $1 and id = $2', [
        tenantId,
        id,
        now,
      ]);
    }
    return true;
  }
}
