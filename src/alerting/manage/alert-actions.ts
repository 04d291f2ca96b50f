/**
 * What a person does to a firing alert: acknowledge it or resolve it by hand. Each is a domain step on
 * the fingerprint's stored state, saved optimistically (an evaluator may be stepping the same state:
 * on a version conflict reload and apply again), recorded in the alert log in the same transaction,
 * then published like any evaluator transition: on the alert stream of its priority (the notifier tells
 * people) and on the 'alerts' feed channel (evaluators holding the state reload it).
 */
import { ALERT_EVENTS_CHANNEL, type AlertEventsMessage } from '../../bus/live-channels.js';
import type { ChangeFeed } from '../../bus/feed.js';
import type { Bus } from '../../bus/port.js';
import type { Db } from '../../db/port.js';
import { DataInsightError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { Step } from '../domain/alert-state.js';
import { acknowledge, resolveManually } from '../domain/state-machine.js';
import { AlertLog, type StoredState } from '../engine/alert-log.js';
import {
  ALERT_STREAMS,
  defineAlertStreams,
  toTransition,
  type AlertSubject,
  type AlertTransition,
} from '../engine/transition.js';
import { AlertsRepo, type AlertView } from './alerts-repo.js';

export const ALERTS_CHANNEL = 'alerts';

/** The alert streams as every producer declares them (defineStream is idempotent for the same spec). */
export type AlertAction = 'acknowledge' | 'resolve';

const STEPS: Record<AlertAction, { verb: string; step: typeof acknowledge }> = {
  acknowledge: { verb: 'acknowledged', step: acknowledge },
  resolve: { verb: 'resolved', step: resolveManually },
};

export interface AlertActionsOptions {
  db: Db;
  bus: Bus;
  feed: ChangeFeed;
  logger: Pick<Logger, 'warn'>;
  /** Attempts on version conflicts before giving up with DI_CONFLICT (default 5). */
  maxAttempts?: number;
}

export interface Actor {
  tenantId: number;
  tenant: string;
  /** Who: the principal's subject ("token:ops"). */
  by: string;
}

export class AlertActions {
  private readonly log = new AlertLog();
  private readonly alerts: AlertsRepo;

  constructor(private readonly opts: AlertActionsOptions) {
    this.alerts = new AlertsRepo(opts.db);
    defineAlertStreams(opts.bus);
  }

  /** Applies the action; returns the alert as it is afterwards. Idempotent (acknowledging twice is fine). */
  async apply(action: AlertAction, actor: Actor, alertId: number, comment: string | undefined, now: number) {
    const { verb, step } = STEPS[action];
    const max = this.opts.maxAttempts ?? 5;
    for (let attempt = 1; attempt <= max; attempt++) {
      const alert = await this.alerts.get(actor.tenantId, alertId);
      const stored = (await this.log.loadStates(this.opts.db, [alert.fingerprint])).get(alert.fingerprint);
      const current = episode(alert, stored, verb);
      const next: Step = step(current.state, actor.by, now);
      if (next.events.length === 0) return alert;
      const subject = subjectOf(actor, alert);
      const transitions = next.events
        .map((e) => toTransition(subject, e, { title: alert.title, action: alert.action }))
        .filter((t) => t !== undefined);
      const fresh = await this.opts.db.transaction(async (tx) => {
        const version = await this.log.saveState(tx, subject, next.state, current.version, now);
        if (version === undefined) return undefined;
        return this.log.record(tx, transitions, comment ? { comment } : {});
      });
      if (fresh === undefined) continue; // an evaluator stepped the state meanwhile: reload, apply again
      await this.publish(actor.tenantId, alert, fresh);
      return this.alerts.get(actor.tenantId, alertId);
    }
    throw new DataInsightError(
      'DI_CONFLICT',
      `alert ${alertId} kept changing while it was being ${verb}; try again`,
      { field: 'id' },
    );
  }

  private async publish(tenantId: number, alert: AlertView, fresh: AlertTransition[]): Promise<void> {
    // Committed already: a failure here is logged, not undone (the alert log holds the truth).
    try {
      if (fresh.length) {
        await this.opts.bus.append(
          ALERT_STREAMS[alert.priority],
          fresh.map((t) => ({ key: t.fingerprint, payload: JSON.stringify(t) })),
        );
      }
      await this.opts.feed.publish(ALERTS_CHANNEL, { fingerprint: alert.fingerprint });
      await this.opts.feed.publish(ALERT_EVENTS_CHANNEL, { tenantId } satisfies AlertEventsMessage);
    } catch (err) {
      this.opts.logger.warn({ err, alertId: alert.id }, 'could not publish an alert action');
    }
  }
}

/**
 * The stored state of the alert's own episode. If the fingerprint has moved on (the alert resolved, or
 * a newer alert fired since), this alert is no longer firing: refuse like the domain does.
 */
function episode(alert: AlertView, stored: StoredState | undefined, verb: string): StoredState {
  if (alert.status === 'firing' && stored !== undefined && stored.state.firedAt === alert.firedAt)
    return stored;
  throw new DataInsightError(
    'DI_CONFLICT',
    `only a firing alert can be ${verb}; this one is ${alert.status === 'firing' ? 'no longer firing' : 'resolved'}`,
    { field: 'status' },
  );
}

function subjectOf(actor: Actor, a: AlertView): AlertSubject {
  return {
    tenantId: actor.tenantId,
    tenant: actor.tenant,
    ruleId: a.ruleId,
    priority: a.priority,
    fingerprint: a.fingerprint,
    location: a.location,
    asset: a.asset,
    sensor: a.sensor,
    parameter: a.parameter,
  };
}
