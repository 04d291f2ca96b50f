/**
 * The alert mapping table (alert_rules): the master copy of every rule, scoped by tenant. Rules are
 * validated by the domain (`validateRule`) before they get here; a rule's `tenant` is always its
 * owner's slug. Deleting keeps the row (its alerts still point at it) and its id is not reused.
 */
import type { Queryable } from '../../db/port.js';
import { DataInsightError } from '../../platform/errors.js';
import type { Priority, Rule } from '../domain/rule.js';

/** The change-feed channel of rule writes; each message is a RuleChangeMessage. */
export const RULES_CHANNEL = 'rules';

/** Reload (tenantId, ruleId) with `find`: undefined means deleted. `tenant` keys the RuleIndex. */
export interface RuleChangeMessage {
  tenantId: number;
  tenant: string;
  ruleId: string;
}

export interface StoredRule {
  tenantId: number;
  rule: Rule;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface RuleFilter {
  enabled?: boolean;
  priority?: Priority[];
  /** Rule ids greater than this (the page cursor). */
  after?: string;
  limit: number;
}

/** What changed since a time: the evaluators' periodic re-check. `rule` undefined: deleted. */
export interface RuleChange {
  tenantId: number;
  id: string;
  rule: Rule | undefined;
  version: number;
  updatedAt: number;
}

interface Row {
  tenant_id: number;
  id: string;
  definition: Rule;
  version: number;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

const COLUMNS = 'tenant_id, id, definition, version, created_at, updated_at, deleted_at';

const stored = (r: Row): StoredRule => ({
  tenantId: r.tenant_id,
  rule: r.definition,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const notFound = (id: string) =>
  new DataInsightError('DI_NOT_FOUND', `no rule "${id}" in your tenant`, { field: 'id' });

export class RulesRepo {
  constructor(private readonly q: Queryable) {}

  private async row(tenantId: number, id: string): Promise<Row | undefined> {
    const r = await this.q.query<Row>(`select ${COLUMNS} from alert_rules where tenant_id = $1 and id = $2`, [
      tenantId,
      id,
    ]);
    return r.rows[0];
  }

  /** Inserts a new rule; DI_CONFLICT if the id is taken (by a live or a deleted rule). */
  async create(tenantId: number, rule: Rule, now: number): Promise<StoredRule> {
    const r = await this.q.query<Row>(
      `insert into alert_rules (tenant_id, id, definition, version, created_at, updated_at)
       values ($1, $2, $3, 1, $4, $4) on conflict (tenant_id, id) do nothing returning ${COLUMNS}`,
      [tenantId, rule.id, JSON.stringify(rule), now],
    );
    if (r.rows[0]) return stored(r.rows[0]);
    const existing = await this.row(tenantId, rule.id);
    const why =
      existing?.deleted_at != null
        ? 'was used by a deleted rule (ids are not reused: its alerts still name it); choose another id'
        : 'already exists; change it with PUT /rules/' + rule.id;
    throw new DataInsightError('DI_CONFLICT', `rule "${rule.id}" ${why}`, { field: 'id' });
  }

  /** A live rule, or undefined (missing or deleted): what an evaluator reloads on a 'rules' message. */
  async find(tenantId: number, id: string): Promise<StoredRule | undefined> {
    const row = await this.row(tenantId, id);
    return row && row.deleted_at === null ? stored(row) : undefined;
  }

  async get(tenantId: number, id: string): Promise<StoredRule> {
    const found = await this.find(tenantId, id);
    if (!found) throw notFound(id);
    return found;
  }

  async list(tenantId: number, f: RuleFilter): Promise<StoredRule[]> {
    const r = await this.q.query<Row>(
      `select ${COLUMNS} from alert_rules
       where tenant_id = $1 and deleted_at is null
         and ($2::boolean is null or coalesce((definition->>'enabled')::boolean, true) = $2)
         and ($3::text[] is null or definition->>'priority' = any($3))
         and ($4::text is null or id > $4)
       order by id limit $5`,
      [tenantId, f.enabled ?? null, f.priority?.length ? f.priority : null, f.after ?? null, f.limit],
    );
    return r.rows.map(stored);
  }

  /**
   * Replaces a live rule, version + 1. With `expectedVersion`, only if nobody changed it since
   * (DI_CONFLICT otherwise).
   */
  async replace(
    tenantId: number,
    rule: Rule,
    expectedVersion: number | undefined,
    now: number,
  ): Promise<StoredRule> {
    const r = await this.q.query<Row>(
      `update alert_rules set definition = $3, version = version + 1, updated_at = greatest($4, updated_at + 1)
       where tenant_id = $1 and id = $2 and deleted_at is null and ($5::integer is null or version = $5)
       returning ${COLUMNS}`,
      [tenantId, rule.id, JSON.stringify(rule), now, expectedVersion ?? null],
    );
    if (r.rows[0]) return stored(r.rows[0]);
    const current = await this.get(tenantId, rule.id);
    throw new DataInsightError(
      'DI_CONFLICT',
      `rule "${rule.id}" is at version ${current.version}, not ${expectedVersion}: it changed meanwhile; reload it and apply your change again`,
      { field: 'version', details: { version: current.version } },
    );
  }

  /** Soft delete: hidden from the API and the evaluators, kept for its alerts. */
  async remove(tenantId: number, id: string, now: number): Promise<void> {
    const r = await this.q.query(
      `update alert_rules set deleted_at = $3, version = version + 1, updated_at = greatest($3, updated_at + 1)
       where tenant_id = $1 and id = $2 and deleted_at is null`,
      [tenantId, id, now],
    );
    if (r.rowCount === 0) throw notFound(id);
  }

  /** Every live rule of every tenant (an evaluator's start-up load). */
  async allLive(): Promise<StoredRule[]> {
    const r = await this.q.query<Row>(`select ${COLUMNS} from alert_rules where deleted_at is null`);
    return r.rows.map(stored);
  }

  /** Rules created, changed or deleted after `since` (updated_at), deleted ones with `rule` undefined. */
  async changedSince(since: number): Promise<RuleChange[]> {
    const r = await this.q.query<Row>(
      `select ${COLUMNS} from alert_rules where updated_at > $1 order by updated_at`,
      [since],
    );
    return r.rows.map((row) => ({
      tenantId: row.tenant_id,
      id: row.id,
      rule: row.deleted_at === null ? row.definition : undefined,
      version: row.version,
      updatedAt: row.updated_at,
    }));
  }
}
