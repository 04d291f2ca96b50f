/**
 * Connector rows in DataInsight's database: definitions, state, position, dead letters and the daily
 * reconciliation. Every API read and write is scoped to a tenant; the runner's writes are fenced by
 * `owner`, so a process that lost its lease cannot move a position any more.
 */
import type { Db, Queryable } from '../db/port.js';
import { DataInsightError } from '../platform/errors.js';
import type { DeadLetter } from './mapping.js';
import type { Offset } from './source.js';
import { maskSecrets, SECRET_MASK, type ConnectorSpec } from './spec.js';

export type ConnectorState =
  'stopped' | 'starting' | 'backfilling' | 'running' | 'degraded' | 'paused' | 'error';

export interface ConnectorRecord {
  id: number;
  tenantId: number;
  tenant: string;
  name: string;
  kind: string;
  spec: ConnectorSpec;
  desired: 'running' | 'paused';
  state: ConnectorState;
  stateMessage: string | null;
  lastError: string | null;
  lastErrorAt: number | null;
  position: Offset;
  backfillDone: boolean;
  rowsDone: number;
  rowsEstimated: number | null;
  lastPollAt: number | null;
  lastSourceTs: number | null;
  owner: string | null;
  createdAt: number;
  updatedAt: number;
  /** A password is stored (it is never read out with the row). */
  hasSecret: boolean;
}

const COLUMNS = `c.id, c.tenant_id as "tenantId", t.slug as tenant, c.name, c.kind, c.spec, c.desired, c.state,
  c.state_message as "stateMessage", c.last_error as "lastError", c.last_error_at as "lastErrorAt", c.position,
  c.backfill_done as "backfillDone", c.rows_done as "rowsDone", c.rows_estimated as "rowsEstimated",
  c.last_poll_at as "lastPollAt", c.last_source_ts as "lastSourceTs", c.owner, c.created_at as "createdAt",
  c.updated_at as "updatedAt", c.secret is not null as "hasSecret"`;

const FROM = 'from connectors c join tenants t on t.id = c.tenant_id';

const parseJson = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

function toRecord(r: Record<string, unknown>): ConnectorRecord {
  return {
    ...(r as unknown as ConnectorRecord),
    spec: parseJson<ConnectorSpec>(r.spec),
    position: parseJson<Offset>(r.position),
    rowsDone: Number(r.rowsDone),
    rowsEstimated: r.rowsEstimated === null ? null : Number(r.rowsEstimated),
  };
}

/** What the API shows: the password masked, progress and lag worked out. */
export function publicView(c: ConnectorRecord, now = Date.now()) {
  const progress = c.backfillDone
    ? 1
    : c.rowsEstimated
      ? Math.min(1, c.rowsDone / Math.max(1, c.rowsEstimated))
      : null;
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    desired: c.desired,
    state: c.state,
    stateMessage: c.stateMessage,
    lastError: c.lastError,
    lastErrorAt: c.lastErrorAt,
    position: c.position,
    backfill: { done: c.backfillDone, rowsDone: c.rowsDone, rowsEstimated: c.rowsEstimated, progress },
    lastPollAt: c.lastPollAt,
    lastSourceTs: c.lastSourceTs,
    lagMs: c.lastSourceTs === null ? null : Math.max(0, now - c.lastSourceTs),
    owner: c.owner,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    spec:
      c.hasSecret && c.spec.source.kind !== 'file'
        ? maskSecrets({ ...c.spec, source: { ...c.spec.source, password: SECRET_MASK } })
        : c.spec,
  };
}

export interface BatchCommit {
  position: Offset;
  rowsRead: number;
  readingsWritten: number;
  deadLetters: DeadLetter[];
  lastSourceTs: number | null;
  state: ConnectorState;
  backfillDone: boolean;
  now: number;
}

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export class ConnectorRepo {
  constructor(private readonly db: Db) {}

  async create(
    tenantId: number,
    spec: ConnectorSpec,
    secret: string | undefined,
    now: number,
  ): Promise<ConnectorRecord> {
    const r = await this.db.query<{ id: number }>(
      `insert into connectors (tenant_id, name, kind, spec, secret, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $6) on conflict (tenant_id, name) do nothing returning id`,
      [tenantId, spec.name, spec.source.kind, JSON.stringify(spec), secret ?? null, now],
    );
    if (!r.rows[0])
      throw new DataInsightError('DI_CONFLICT', `a connector named "${spec.name}" already exists`, {
        field: 'name',
      });
    return this.get(tenantId, r.rows[0].id);
  }

  /** Replace the definition; the password is kept when `secret` is undefined. The position is kept. */
  async update(
    tenantId: number,
    id: number,
    spec: ConnectorSpec,
    secret: string | undefined,
    now: number,
  ): Promise<ConnectorRecord> {
    const r = await this.db
      .query(
        `update connectors set name = $3, kind = $4, spec = $5, secret = coalesce($6, secret), updated_at = $7
         where tenant_id = $1 and id = $2`,
        [tenantId, id, spec.name, spec.source.kind, JSON.stringify(spec), secret ?? null, now],
      )
      .catch((e: unknown) => {
        if ((e as { code?: string }).code === '23505')
          throw new DataInsightError('DI_CONFLICT', `a connector named "${spec.name}" already exists`, {
            field: 'name',
          });
        throw e;
      });
    if (r.rowCount === 0) throw notFound(id);
    return this.get(tenantId, id);
  }

  async remove(tenantId: number, id: number): Promise<void> {
    const r = await this.db.query('delete from connectors where tenant_id = $1 and id = $2', [tenantId, id]);
    if (r.rowCount === 0) throw notFound(id);
  }

  async get(tenantId: number, id: number): Promise<ConnectorRecord> {
    const r = await this.db.query(`select ${COLUMNS} ${FROM} where c.tenant_id = $1 and c.id = $2`, [
      tenantId,
      id,
    ]);
    if (!r.rows[0]) throw notFound(id);
    return toRecord(r.rows[0]);
  }

  async byName(tenantId: number, name: string): Promise<ConnectorRecord | undefined> {
    const r = await this.db.query(`select ${COLUMNS} ${FROM} where c.tenant_id = $1 and c.name = $2`, [
      tenantId,
      name,
    ]);
    return r.rows[0] ? toRecord(r.rows[0]) : undefined;
  }

  async list(tenantId: number): Promise<ConnectorRecord[]> {
    const r = await this.db.query(`select ${COLUMNS} ${FROM} where c.tenant_id = $1 order by c.name`, [
      tenantId,
    ]);
    return r.rows.map(toRecord);
  }

  /** Every connector that should run, over all tenants (the connector role's work list). */
  async runnable(): Promise<ConnectorRecord[]> {
    const r = await this.db.query(`select ${COLUMNS} ${FROM} where c.desired = 'running' order by c.id`);
    return r.rows.map(toRecord);
  }

  async byId(id: number): Promise<ConnectorRecord | undefined> {
    const r = await this.db.query(`select ${COLUMNS} ${FROM} where c.id = $1`, [id]);
    return r.rows[0] ? toRecord(r.rows[0]) : undefined;
  }

  async secret(id: number): Promise<string | undefined> {
    const r = await this.db.query<{ secret: string | null }>('select secret from connectors where id = $1', [
      id,
    ]);
    return r.rows[0]?.secret ?? undefined;
  }

  async setDesired(
    tenantId: number,
    id: number,
    desired: 'running' | 'paused',
    now: number,
  ): Promise<ConnectorRecord> {
    const r = await this.db.query(
      `update connectors set desired = $3, updated_at = $4,
         state = case when $3 = 'paused' then 'paused' when state = 'paused' then 'stopped' else state end,
         state_message = case when $3 = 'paused' then 'paused by a user' else null end
       where tenant_id = $1 and id = $2`,
      [tenantId, id, desired, now],
    );
    if (r.rowCount === 0) throw notFound(id);
    return this.get(tenantId, id);
  }

  /** Take a connector for `owner` (after its lease was acquired): later writes are fenced by it. */
  async claim(id: number, owner: string, now: number): Promise<void> {
    await this.db.query(
      `update connectors set owner = $2, state = 'starting', updated_at = $3 where id = $1`,
      [id, owner, now],
    );
  }

  /** Position, counters, dead letters and reconciliation of one batch, in one transaction. False: fenced off. */
  async commitBatch(id: number, tenantId: number, owner: string, b: BatchCommit): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const r = await tx.query(
        `update connectors set position = $3, rows_done = rows_done + $4, last_poll_at = $5,
           last_source_ts = coalesce($6, last_source_ts), state = $7, state_message = null,
           backfill_done = backfill_done or $8, updated_at = $5
         where id = $1 and owner = $2 and desired = 'running'`,
        [id, owner, JSON.stringify(b.position), b.rowsRead, b.now, b.lastSourceTs, b.state, b.backfillDone],
      );
      if (r.rowCount === 0) return false;
      if (b.deadLetters.length) await insertDeadLetters(tx, id, tenantId, b.deadLetters, b.now);
      if (b.rowsRead > 0 || b.deadLetters.length > 0)
        await tx.query(
          `insert into connector_reconciliation (connector_id, tenant_id, day, rows_read, readings_written, rejected)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (connector_id, day) do update set rows_read = connector_reconciliation.rows_read + excluded.rows_read,
             readings_written = connector_reconciliation.readings_written + excluded.readings_written,
             rejected = connector_reconciliation.rejected + excluded.rejected`,
          [id, tenantId, dayOf(b.now), b.rowsRead, b.readingsWritten, b.deadLetters.length],
        );
      return true;
    });
  }

  async setEstimate(id: number, owner: string, rowsEstimated: number | null): Promise<void> {
    await this.db.query('update connectors set rows_estimated = $3 where id = $1 and owner = $2', [
      id,
      owner,
      rowsEstimated,
    ]);
  }

  /** State changes of the runner (degraded with its error, running again...). */
  async setState(
    id: number,
    owner: string,
    state: ConnectorState,
    opts: { message?: string | null; error?: string; now: number },
  ): Promise<void> {
    await this.db.query(
      `update connectors set state = $3, state_message = $4, updated_at = $5,
         last_error = coalesce($6, last_error), last_error_at = case when $6::text is null then last_error_at else $5 end
       where id = $1 and owner = $2`,
      [id, owner, state, opts.message ?? null, opts.now, opts.error ?? null],
    );
  }

  /** Stop a connector that must not go on by itself (schema drift, a definition that cannot work). */
  async pause(id: number, owner: string, message: string, now: number): Promise<void> {
    await this.db.query(
      `update connectors set desired = 'paused', state = 'paused', state_message = $3, last_error = $3,
         last_error_at = $4, updated_at = $4 where id = $1 and owner = $2`,
      [id, owner, message, now],
    );
  }

  /** A stopped runner hands the connector back (state stays as the user or runner left it). */
  async release(id: number, owner: string, now: number): Promise<void> {
    await this.db.query(
      `update connectors set owner = null, updated_at = $3,
         state = case when state in ('starting', 'backfilling', 'running', 'degraded') then 'stopped' else state end
       where id = $1 and owner = $2`,
      [id, owner, now],
    );
  }

  async deadLetters(tenantId: number, id: number, limit: number, before?: number) {
    await this.get(tenantId, id);
    const r = await this.db.query<Record<string, unknown>>(
      `select id, at, source_key as key, field, reason, row_excerpt as row from connector_dead_letters
       where tenant_id = $1 and connector_id = $2 and ($3::bigint is null or id < $3) order by id desc limit $4`,
      [tenantId, id, before ?? null, limit],
    );
    return r.rows.map((x) => ({ ...x, id: Number(x.id), row: parseJson<Record<string, unknown>>(x.row) }));
  }

  async reconciliation(tenantId: number, id: number, days: number) {
    await this.get(tenantId, id);
    const r = await this.db.query<{
      day: string;
      rowsRead: number;
      readingsWritten: number;
      rejected: number;
    }>(
      `select day, rows_read as "rowsRead", readings_written as "readingsWritten", rejected
       from connector_reconciliation where tenant_id = $1 and connector_id = $2 order by day desc limit $3`,
      [tenantId, id, days],
    );
    return r.rows.map((x) => ({
      day: x.day,
      rowsRead: Number(x.rowsRead),
      readingsWritten: Number(x.readingsWritten),
      rejected: Number(x.rejected),
    }));
  }
}

async function insertDeadLetters(
  tx: Queryable,
  id: number,
  tenantId: number,
  letters: DeadLetter[],
  now: number,
): Promise<void> {
  await tx.query(
    `insert into connector_dead_letters (tenant_id, connector_id, at, source_key, field, reason, row_excerpt)
     select $1, $2, $3, k, f, r, x::jsonb from unnest($4::text[], $5::text[], $6::text[], $7::text[]) as d(k, f, r, x)
     on conflict (connector_id, source_key, field) do nothing`,
    [
      tenantId,
      id,
      now,
      letters.map((d) => d.key),
      letters.map((d) => d.field),
      letters.map((d) => d.reason),
      letters.map((d) => JSON.stringify(d.row)),
    ],
  );
}

export function notFound(id: number | string): DataInsightError {
  return new DataInsightError('DI_NOT_FOUND', `no connector ${id} in your tenant`, { field: 'id' });
}
