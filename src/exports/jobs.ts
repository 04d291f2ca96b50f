import type { Db, Queryable } from '../db/port.js';
import type { SeriesInfo } from '../storage/catalog.js';
import type { ExportFormat, ExportRequest, ExportStatus, Resolution } from './spec.js';

/**
 * The durable export queue: one row per export in `export_jobs`. Workers claim a job with a lease
 * (owner + expiry) they renew while they work; a job whose worker died is `running` with a lapsed
 * lease and is claimed again like a queued one. Every state change after the claim is conditional on
 * the lease (owner and status), so a worker that lost its job (cancelled, or taken over after a
 * stall) finds out at its next write and stops.
 */

export interface ExportJob {
  id: number;
  tenantId: number;
  requestedByUser: number | null;
  requestedBy: string;
  spec: ExportRequest & { series: SeriesInfo[] };
  format: ExportFormat;
  resolution: Resolution;
  status: ExportStatus;
  rowsDone: number;
  rowsEstimated: number | null;
  bytes: number | null;
  attempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  fileKey: string | null;
  error: string | null;
  notified: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  expiresAt: number | null;
}

const COLUMNS = `id, tenant_id as "tenantId", requested_by_user as "requestedByUser", requested_by as "requestedBy",
  spec, format, resolution, status, rows_done as "rowsDone", rows_estimated as "rowsEstimated", bytes, attempts,
  lease_owner as "leaseOwner", lease_expires_at as "leaseExpiresAt", file_key as "fileKey", error, notified,
  created_at as "createdAt", started_at as "startedAt", finished_at as "finishedAt", expires_at as "expiresAt"`;

/** Without the spec's series list (it can hold thousands): what the list shows. */
const SUMMARY_COLUMNS = COLUMNS.replace(
  'spec,',
  `spec - 'series' || jsonb_build_object('seriesCount', jsonb_array_length(spec->'series')) as spec,`,
);

export interface ClaimOptions {
  owner: string;
  leaseMs: number;
  /** Jobs of one tenant running at once, over all workers. */
  perTenant: number;
  now: number;
}

export class ExportJobs {
  constructor(private readonly db: Db) {}

  async create(j: {
    tenantId: number;
    requestedByUser: number | undefined;
    requestedBy: string;
    request: ExportRequest;
    series: SeriesInfo[];
    now: number;
  }): Promise<ExportJob> {
    const r = await this.db.query<ExportJob>(
      `insert into export_jobs (tenant_id, requested_by_user, requested_by, spec, format, resolution, status, created_at)
       values ($1, $2, $3, $4, $5, $6, 'queued', $7) returning ${SUMMARY_COLUMNS}`,
      [
        j.tenantId,
        j.requestedByUser ?? null,
        j.requestedBy,
        JSON.stringify({ ...j.request, series: j.series }),
        j.request.format,
        j.request.resolution,
        j.now,
      ],
    );
    return r.rows[0]!;
  }

  async get(tenantId: number, id: number): Promise<ExportJob | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    const r = await this.db.query<ExportJob>(
      `select ${SUMMARY_COLUMNS} from export_jobs where tenant_id = $1 and id = $2`,
      [tenantId, id],
    );
    return r.rows[0];
  }

  async list(tenantId: number, limit: number, before?: number): Promise<ExportJob[]> {
    const r = await this.db.query<ExportJob>(
      `select ${SUMMARY_COLUMNS} from export_jobs where tenant_id = $1 and ($2::bigint is null or id < $2)
       order by id desc limit $3`,
      [tenantId, before ?? null, limit],
    );
    return r.rows;
  }

  /** Cancel a queued or running job of the tenant; its worker stops at its next progress write. */
  async cancel(
    tenantId: number,
    id: number,
    now: number,
  ): Promise<{ job: ExportJob; cancelled: boolean } | undefined> {
    const r = await this.db.query(
      `update export_jobs set status = 'cancelled', finished_at = $3, lease_owner = null, lease_expires_at = null
       where tenant_id = $1 and id = $2 and status in ('queued', 'running') returning id`,
      [tenantId, id, now],
    );
    const job = await this.get(tenantId, id);
    return job && { job, cancelled: r.rows.length === 1 };
  }

  /**
   * Claim the next job: a queued one, or a running one whose lease lapsed (its worker died). Fair
   * across tenants: the tenant with the fewest jobs running goes first, then the oldest job; a tenant
   * already at its limit waits. Claims are serialised by an advisory lock, so the per-tenant count
   * cannot be overrun by two workers claiming at once; SKIP LOCKED keeps the lock-free path too.
   */
  async claim(o: ClaimOptions): Promise<ExportJob | undefined> {
    return this.db.transaction(async (tx) => {
      await tx.query(
        `select pg_advisory_xact_lock(hashtext('datainsight.exports.claim.' || current_schema()))`,
      );
      const r = await tx.query<ExportJob>(
        `with busy as (
           select tenant_id, count(*)::integer as n from export_jobs
           where status = 'running' and lease_expires_at >= $2 group by tenant_id
         )
         update export_jobs set status = 'running', lease_owner = $1, lease_expires_at = $2::bigint + $3::bigint,
                attempts = attempts + 1, rows_done = 0, started_at = coalesce(started_at, $2), error = null
         where id = (
           select j.id from export_jobs j left join busy b on b.tenant_id = j.tenant_id
           where (j.status = 'queued' or (j.status = 'running' and j.lease_expires_at < $2))
             and coalesce(b.n, 0) < $4
           order by coalesce(b.n, 0), j.created_at, j.id
           limit 1
           for update of j skip locked
         )
         returning ${COLUMNS}`,
        [o.owner, o.now, o.leaseMs, o.perTenant],
      );
      return r.rows[0];
    });
  }

  /** Record progress and renew the lease. False: the job is no longer this worker's (cancelled or taken over). */
  async heartbeat(id: number, owner: string, rowsDone: number, leaseUntil: number): Promise<boolean> {
    const r = await this.db.query(
      `update export_jobs set rows_done = $3, lease_expires_at = $4
       where id = $1 and lease_owner = $2 and status = 'running' returning id`,
      [id, owner, rowsDone, leaseUntil],
    );
    return r.rows.length === 1;
  }

  async setEstimate(id: number, owner: string, rows: number): Promise<void> {
    await this.db.query(
      `update export_jobs set rows_estimated = $3 where id = $1 and lease_owner = $2 and status = 'running'`,
      [id, owner, rows],
    );
  }

  /**
   * Mark the job succeeded, inside `tx`; the caller renames its file into place in the same
   * transaction, so the job is succeeded exactly when its one complete file exists.
   */
  async succeed(
    tx: Queryable,
    j: {
      id: number;
      owner: string;
      rows: number;
      bytes: number;
      fileKey: string;
      now: number;
      expiresAt: number;
    },
  ): Promise<boolean> {
    const r = await tx.query(
      `update export_jobs set status = 'succeeded', rows_done = $3, rows_estimated = $3, bytes = $4, file_key = $5,
              finished_at = $6, expires_at = $7, lease_owner = null, lease_expires_at = null
       where id = $1 and lease_owner = $2 and status = 'running' returning id`,
      [j.id, j.owner, j.rows, j.bytes, j.fileKey, j.now, j.expiresAt],
    );
    return r.rows.length === 1;
  }

  async fail(id: number, owner: string, error: string, now: number): Promise<void> {
    await this.db.query(
      `update export_jobs set status = 'failed', error = $3, finished_at = $4, lease_owner = null, lease_expires_at = null
       where id = $1 and lease_owner = $2 and status = 'running'`,
      [id, owner, error.slice(0, 1000), now],
    );
  }

  /** Give a job back to the queue (this worker is shutting down): another claims it at once. */
  async release(id: number, owner: string): Promise<void> {
    await this.db.query(
      `update export_jobs set status = 'queued', lease_owner = null, lease_expires_at = null
       where id = $1 and lease_owner = $2 and status = 'running'`,
      [id, owner],
    );
  }

  async setNotified(id: number, notified: string): Promise<void> {
    await this.db.query('update export_jobs set notified = $2 where id = $1', [id, notified.slice(0, 500)]);
  }

  /** Succeeded jobs whose file retention has passed. */
  async dueForExpiry(now: number, limit = 100): Promise<{ id: number; fileKey: string | null }[]> {
    const r = await this.db.query<{ id: number; fileKey: string | null }>(
      `select id, file_key as "fileKey" from export_jobs where status = 'succeeded' and expires_at <= $1
       order by expires_at limit $2`,
      [now, limit],
    );
    return r.rows;
  }

  async markExpired(id: number): Promise<void> {
    await this.db.query(`update export_jobs set status = 'expired' where id = $1 and status = 'succeeded'`, [
      id,
    ]);
  }

  /** Jobs of this tenant running now (tests, metrics). */
  async runningCount(tenantId?: number): Promise<number> {
    const r = await this.db.query<{ n: number }>(
      `select count(*)::integer as n from export_jobs where status = 'running' and ($1::integer is null or tenant_id = $1)`,
      [tenantId ?? null],
    );
    return r.rows[0]!.n;
  }
}
