/** Reading alerts and their event timelines, scoped by tenant: another tenant's ids match nothing. */
import type { Queryable } from '../../db/port.js';
import { DataInsightError } from '../../platform/errors.js';
import type { Priority } from '../domain/rule.js';
import type { NotifiableKind } from '../engine/transition.js';

export interface AlertView {
  id: number;
  ruleId: string;
  fingerprint: string;
  priority: Priority;
  status: 'firing' | 'resolved';
  location: string;
  asset: string;
  sensor: string;
  parameter: string;
  title: string;
  action: string;
  value: number | null;
  startedAt: number;
  firedAt: number;
  resolvedAt: number | null;
  resolvedBy: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
  flapping: boolean;
  updatedAt: number;
}

export interface AlertEventView {
  id: number;
  kind: NotifiableKind;
  ts: number;
  value: number | null;
  detail: Record<string, unknown>;
}

export interface AlertFilter {
  status?: 'firing' | 'resolved';
  priority?: Priority[];
  location?: string;
  asset?: string;
  sensor?: string;
  rule?: string;
  acknowledged?: boolean;
  /** Alerts open at some time in [from, to): fired before `to`, not resolved before `from`. */
  from?: number;
  to?: number;
  limit: number;
  /** Page cursor: ids below this. */
  before?: number;
}

const COLUMNS = `id, rule_id as "ruleId", fingerprint, priority, status, location, asset, sensor, parameter, title,
  action, value, started_at as "startedAt", fired_at as "firedAt", resolved_at as "resolvedAt",
  resolved_by as "resolvedBy", acknowledged_by as "acknowledgedBy", acknowledged_at as "acknowledgedAt",
  flapping, updated_at as "updatedAt"`;

export class AlertsRepo {
  constructor(private readonly q: Queryable) {}

  /** Newest first. */
  async list(tenantId: number, f: AlertFilter): Promise<AlertView[]> {
    const r = await this.q.query<AlertView>(
      `select ${COLUMNS} from alerts
       where tenant_id = $1
         and ($2::text is null or status = $2)
         and ($3::text[] is null or priority = any($3))
         and ($4::text is null or location = $4)
         and ($5::text is null or asset = $5)
         and ($6::text is null or sensor = $6)
         and ($7::text is null or rule_id = $7)
         and ($8::boolean is null or (acknowledged_at is not null) = $8)
         and ($9::bigint is null or resolved_at is null or resolved_at >= $9)
         and ($10::bigint is null or fired_at < $10)
         and ($11::bigint is null or id < $11)
       order by id desc limit $12`,
      [
        tenantId,
        f.status ?? null,
        f.priority?.length ? f.priority : null,
        f.location ?? null,
        f.asset ?? null,
        f.sensor ?? null,
        f.rule ?? null,
        f.acknowledged ?? null,
        f.from ?? null,
        f.to ?? null,
        f.before ?? null,
        f.limit,
      ],
    );
    return r.rows;
  }

  async get(tenantId: number, id: number): Promise<AlertView> {
    const r = await this.q.query<AlertView>(
      `select ${COLUMNS} from alerts where tenant_id = $1 and id = $2`,
      [tenantId, id],
    );
    if (!r.rows[0])
      throw new DataInsightError('DI_NOT_FOUND', `no alert ${id} in your tenant`, { field: 'id' });
    return r.rows[0];
  }

  /** The alert's timeline, oldest first. */
  async events(tenantId: number, alertId: number): Promise<AlertEventView[]> {
    const r = await this.q.query<AlertEventView>(
      `select id, kind, ts, value, detail from alert_events where tenant_id = $1 and alert_id = $2 order by ts, id`,
      [tenantId, alertId],
    );
    return r.rows;
  }

  async withEvents(tenantId: number, id: number): Promise<AlertView & { events: AlertEventView[] }> {
    const alert = await this.get(tenantId, id);
    return { ...alert, events: await this.events(tenantId, id) };
  }
}
