import type { Queryable } from '../../db/port.js';
import type { AlertState } from '../domain/alert-state.js';
import type { AlertSubject, AlertTransition } from './transition.js';

export interface StoredState {
  state: AlertState;
  version: number;
}

/**
 * The alert log in the database: evaluator state per fingerprint (optimistic versions, so an
 * evaluator and an operator acknowledging at the same moment cannot overwrite each other), alerts
 * (one open per fingerprint) and their events (unique per alert x kind x ts: writing the same
 * transition twice stores it once).
 */
export class AlertLog {
  async loadStates(q: Queryable, fingerprints: string[]): Promise<Map<string, StoredState>> {
    if (fingerprints.length === 0) return new Map();
    const r = await q.query<{ fingerprint: string; state: AlertState; version: number }>(
      'select fingerprint, state, version from alert_states where fingerprint = any($1::text[])',
      [fingerprints],
    );
    return new Map(r.rows.map((row) => [row.fingerprint, { state: row.state, version: row.version }]));
  }

  /**
   * Save a fingerprint's new state if nobody changed it since `expectedVersion` (undefined: it had
   * none). Returns the new version, or undefined on a conflict (the caller reloads and re-evaluates).
   */
  async saveState(
    q: Queryable,
    subject: AlertSubject,
    state: AlertState,
    expectedVersion: number | undefined,
    now: number,
  ): Promise<number | undefined> {
    if (expectedVersion === undefined) {
      const r = await q.query<{ version: number }>(
        `insert into alert_states (fingerprint, tenant_id, rule_id, state, version, updated_at) values ($1, $2, $3, $4, 1, $5)
         on conflict (fingerprint) do nothing returning version`,
        [subject.fingerprint, subject.tenantId, subject.ruleId, JSON.stringify(state), now],
      );
      return r.rows[0]?.version;
    }
    const r = await q.query<{ version: number }>(
      `update alert_states set state = $2, version = version + 1, updated_at = $4 where fingerprint = $1 and version = $3 returning version`,
      [subject.fingerprint, JSON.stringify(state), expectedVersion, now],
    );
    return r.rows[0]?.version;
  }

  /** Record transitions in alerts and alert_events; returns those that were new. */
  async record(
    q: Queryable,
    transitions: AlertTransition[],
    detail: Record<string, unknown> = {},
  ): Promise<AlertTransition[]> {
    const fresh: AlertTransition[] = [];
    for (const t of transitions) {
      if (t.kind === 'firing') {
        await q.query(
          `insert into alerts (tenant_id, rule_id, fingerprint, priority, status, location, asset, sensor, parameter, title, action, value, started_at, fired_at, updated_at)
           values ($1, $2, $3, $4, 'firing', $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
           on conflict (fingerprint, fired_at) do nothing`,
          [
            t.tenantId,
            t.ruleId,
            t.fingerprint,
            t.priority,
            t.location,
            t.asset,
            t.sensor,
            t.parameter,
            t.title,
            t.action,
            t.value,
            detail.activeSince ?? t.ts,
            t.ts,
          ],
        );
      } else if (t.kind === 'resolved') {
        await q.query(
          `update alerts set status = 'resolved', resolved_at = $3, resolved_by = $4, flapping = false, updated_at = $3
           where fingerprint = $1 and fired_at = $2 and status = 'firing'`,
          [t.fingerprint, t.firedAt, t.ts, t.by ?? null],
        );
      } else if (t.kind === 'acknowledged') {
        await q.query(
          `update alerts set acknowledged_by = $3, acknowledged_at = $4, updated_at = $4 where fingerprint = $1 and fired_at = $2`,
          [t.fingerprint, t.firedAt, t.by ?? null, t.ts],
        );
      } else if (t.kind === 'flapping') {
        await q.query(
          `update alerts set flapping = true, updated_at = $3 where fingerprint = $1 and fired_at = $2`,
          [t.fingerprint, t.firedAt, t.ts],
        );
      }
      const r = await q.query(
        `insert into alert_events (alert_id, tenant_id, kind, ts, value, detail)
         select id, tenant_id, $3, $4, $5, $6 from alerts where fingerprint = $1 and fired_at = $2
         on conflict (alert_id, kind, ts) do nothing returning id`,
        [
          t.fingerprint,
          t.firedAt,
          t.kind,
          t.ts,
          t.value,
          JSON.stringify({ ...detail, ...(t.by ? { by: t.by } : {}) }),
        ],
      );
      if (r.rowCount > 0) fresh.push(t);
    }
    return fresh;
  }
}
