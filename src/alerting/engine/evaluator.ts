import type { Bus, BusEntry } from '../../bus/port.js';
import type { Db } from '../../db/port.js';
import { parseEnvelope } from '../../ingest/envelope.js';
import type { Reading } from '../../ingest/reading.js';
import type { Logger } from '../../platform/logger.js';
import type { Metrics } from '../../platform/metrics.js';
import type { AlertEvent, AlertState } from '../domain/alert-state.js';
import {
  evaluateClear,
  evaluateCondition,
  observed,
  pushSample,
  type ConditionContext,
  type Sample,
} from '../domain/conditions.js';
import { scoreAnomaly, windowKeepMs, type AnomalyMemory } from '../domain/predictive.js';
import { fingerprint, type RuleIndex } from '../domain/rule-index.js';
import { isAssetLevel, type Rule } from '../domain/rule.js';
import { tick, transition } from '../domain/state-machine.js';
import { renderTemplate } from '../domain/template.js';
import type { AlertLog } from './alert-log.js';
import type { AssetCatalog } from './asset-catalog.js';
import { ALERT_STREAMS, toTransition, type AlertSubject, type AlertTransition } from './transition.js';

interface Tracked {
  subject: AlertSubject;
  rule: Rule;
  state: AlertState | undefined;
  /** Stored version; undefined: never stored. */
  version: number | undefined;
  savedAt: number;
  /** Last rendered title and action (ticks have no reading to render from). */
  text: { title: string; action: string };
}

interface Change {
  tracked: Tracked;
  events: AlertEvent[];
  statusChanged: boolean;
}

export interface EvaluatorOptions {
  db: Db;
  bus: Bus;
  rules: RuleIndex;
  catalog: AssetCatalog;
  log: AlertLog;
  logger: Logger;
  metrics: Metrics;
  /** Re-save a fingerprint's state at least this often while it changes (last-seen for no-data). */
  refreshStateMs?: number;
  /** Silences (maintenance windows): silenced transitions are logged but not published. */
  silences?: {
    /** Make the answers current for these tenants (called once per batch, before evaluating). */
    prepare(tenantIds: Iterable<number>): Promise<void>;
    silenced(subject: AlertSubject, assetType: string | null, ts: number): boolean;
  };
  /** Told, after the log committed, which tenants' alerts changed (live views refresh). */
  onLogged?: (tenantIds: Set<number>) => void;
}

const assetKey = (t: string, l: string, a: string) => `${t}/${l}/${a}`;

/**
 * Evaluates readings against the alert mapping table, one batch of telemetry entries at a time, in
 * stream order. Transitions go first to the alert stream of their priority (the low-latency path),
 * then with the new state into the database; the consumer acknowledges the batch after both. A crash
 * in between redelivers the batch: evaluation is deterministic, so the same transitions (same keys)
 * come out again and the log stores each once.
 */
export class Evaluator {
  private readonly tracked = new Map<string, Tracked>();
  private readonly latest = new Map<string, Map<string, Sample>>();
  private readonly windows = new Map<string, Sample[]>();
  /** Streaming anomaly detector per fingerprint of an anomaly rule (about 4 KB each). */
  private readonly detectors = new Map<string, AnomalyMemory>();
  /** States read from the database for fingerprints about to be tracked. */
  private readonly loaded = new Map<string, { state: AlertState; version: number }>();

  constructor(private readonly o: EvaluatorOptions) {}

  /** Forget a fingerprint's cached state (someone else changed it); it is reloaded when next needed. */
  forget(fp: string): void {
    this.tracked.delete(fp);
  }

  /** Forget every fingerprint of a rule (it changed or was deleted). */
  forgetRule(tenant: string, ruleId: string): void {
    const prefix = `${tenant}/${ruleId}/`;
    for (const fp of this.tracked.keys()) if (fp.startsWith(prefix)) this.tracked.delete(fp);
  }

  async handle(entries: BusEntry[]): Promise<void> {
    const readings: (Reading & { rx: number })[] = [];
    for (const e of entries) {
      const env = parseEnvelope(e.payload);
      if ('error' in env || env.kind !== 'readings') continue;
      for (const [parameter, ts, value] of env.r)
        readings.push({
          tenant: env.tenant,
          location: env.location,
          asset: env.asset,
          sensor: env.sensor,
          parameter,
          ts,
          value,
          rx: env.rx,
        });
    }
    if (readings.length === 0) return;
    // The catalogue (asset type, sensor model, units) is read only where a rule's scope needs it, or
    // for a tenant not seen yet: database reads on the evaluation path would queue behind storage's
    // writes and delay critical alerts. Templates of other tenants render without units until cached.
    await this.o.catalog.prefetch(
      readings.filter(
        (r) => this.o.rules.needsCatalog(r.tenant) || this.o.catalog.tenantId(r.tenant) === undefined,
      ),
    );
    void this.o.catalog
      .prefetch(readings)
      .catch((e: unknown) => this.o.logger.warn({ err: e }, 'catalogue lookup failed'));
    const work = readings.map((r) => {
      const info = this.o.catalog.get(r.tenant, r.location, r.asset, r.sensor);
      const rules = this.o.rules.match({ ...r, assetType: info?.assetType, sensorModel: info?.sensorModel });
      return { r, info, rules };
    });
    await this.load(work.flatMap((w) => w.rules.map((rule) => fingerprint(rule, w.r))));
    const changes = new Map<string, Change>();
    for (const { r, info, rules } of work) {
      const ak = assetKey(r.tenant, r.location, r.asset);
      let latest = this.latest.get(ak);
      if (!latest) this.latest.set(ak, (latest = new Map()));
      const prev = latest.get(r.parameter);
      if (!prev || prev.ts <= r.ts) latest.set(r.parameter, { ts: r.ts, value: r.value });
      const tenantId = info?.tenantId ?? this.o.catalog.tenantId(r.tenant);
      if (tenantId === undefined) continue;
      for (const rule of rules) {
        const fp = fingerprint(rule, r);
        let window: Sample[] | undefined;
        const keepMs = windowKeepMs(rule.condition);
        const own = 'parameter' in rule.condition && rule.condition.parameter === r.parameter;
        if (keepMs !== undefined && own) {
          window = pushSample(this.windows.get(fp) ?? [], { ts: r.ts, value: r.value }, keepMs);
          this.windows.set(fp, window);
        }
        let anomalyScore: number | undefined;
        if (rule.condition.type === 'anomaly' && own) {
          const a = scoreAnomaly(this.detectors.get(fp), { ts: r.ts, value: r.value });
          this.detectors.set(fp, a.mem);
          anomalyScore = a.score;
        }
        const ctx: ConditionContext = {
          parameter: r.parameter,
          ts: r.ts,
          value: r.value,
          latest,
          window,
          anomalyScore,
        };
        const t = this.track(fp, rule, {
          tenantId,
          tenant: r.tenant,
          location: r.location,
          asset: r.asset,
          sensor: isAssetLevel(rule.condition) ? '*' : r.sensor,
          parameter: r.parameter,
        });
        const seen = observed(rule.condition, ctx);
        const values = {
          asset: r.asset,
          location: r.location,
          sensor: r.sensor,
          parameter: r.parameter,
          unit: info?.units.get(r.parameter) ?? '',
          value: seen.value,
          threshold: seen.threshold,
        };
        const step = transition(
          t.state,
          {
            conditionTrue: evaluateCondition(rule.condition, ctx),
            clearTrue: evaluateClear(rule, ctx),
            ts: r.ts,
            value: r.value,
          },
          rule,
        );
        if (step.events.length)
          t.text = { title: renderTemplate(rule.title, values), action: renderTemplate(rule.action, values) };
        this.note(changes, t, step.state, step.events);
      }
    }
    await this.commit(changes);
  }

  /**
   * Take over stored states that time alone can move (open alerts, no-data rules, pending) for the
   * sensors this member now owns, so a sensor that fell silent while its evaluator was down still
   * alerts. `owns` says whether a fingerprint's sensor is on an owned partition.
   */
  async adopt(owns: (tenant: string, location: string, asset: string) => boolean): Promise<number> {
    const r = await this.o.db.query<{
      fingerprint: string;
      tenant_id: number;
      rule_id: string;
      state: AlertState;
      version: number;
    }>(
      `select s.fingerprint, s.tenant_id, s.rule_id, s.state, s.version from alert_states s
       where s.state->>'status' in ('pending', 'firing') or exists (
         select 1 from alert_rules r where r.tenant_id = s.tenant_id and r.id = s.rule_id and r.definition->'condition'->>'type' = 'noData')`,
    );
    let adopted = 0;
    for (const row of r.rows) {
      if (this.tracked.has(row.fingerprint)) continue;
      const [tenant, ruleId, location, asset, sensor] = row.fingerprint.split('/') as [
        string,
        string,
        string,
        string,
        string,
      ];
      const rule = this.o.rules.get(tenant, ruleId);
      if (!rule?.enabled || !owns(tenant, location, asset)) continue;
      const parameter =
        rule.condition.type === 'noData' ||
        rule.condition.type === 'threshold' ||
        rule.condition.type === 'band' ||
        rule.condition.type === 'rate' ||
        rule.condition.type === 'anomaly' ||
        rule.condition.type === 'forecast'
          ? rule.condition.parameter
          : '';
      this.loaded.set(row.fingerprint, { state: row.state, version: row.version });
      this.track(row.fingerprint, rule, {
        tenantId: row.tenant_id,
        tenant,
        location,
        asset,
        sensor,
        parameter,
      });
      adopted++;
    }
    return adopted;
  }

  /** Drop what this member no longer owns (another member took the partition over). */
  release(owns: (tenant: string, location: string, asset: string) => boolean): void {
    for (const [fp, t] of this.tracked) {
      const s = t.subject;
      if (!owns(s.tenant, s.location, s.asset)) this.tracked.delete(fp);
    }
  }

  /** What time alone does (for-durations, no-data, renotify, flapping ends), for every tracked fingerprint. */
  async tick(now: number): Promise<void> {
    const changes = new Map<string, Change>();
    for (const t of this.tracked.values()) {
      if (!t.state) continue;
      const step = tick(t.state, t.rule, now);
      if (step.events.length) {
        // No reading to render from: what the alert knows (its subject, last value, the condition's limit).
        const s = t.subject;
        const value = step.state.lastValue;
        const seen = observed(t.rule.condition, {
          parameter: s.parameter,
          ts: now,
          value: value ?? Number.NaN,
        });
        const info = this.o.catalog.get(s.tenant, s.location, s.asset, s.sensor);
        const values = {
          asset: s.asset,
          location: s.location,
          sensor: s.sensor,
          parameter: s.parameter,
          unit: info?.units.get(s.parameter) ?? '',
          value,
          threshold: seen.threshold,
        };
        t.text = {
          title: renderTemplate(t.rule.title, values),
          action: renderTemplate(t.rule.action, values),
        };
      }
      this.note(changes, t, step.state, step.events);
    }
    await this.commit(changes);
  }

  private track(
    fp: string,
    rule: Rule,
    s: Omit<AlertSubject, 'fingerprint' | 'ruleId' | 'priority'>,
  ): Tracked {
    let t = this.tracked.get(fp);
    if (!t) {
      const stored = this.loaded.get(fp);
      this.loaded.delete(fp);
      t = {
        subject: { ...s, fingerprint: fp, ruleId: rule.id, priority: rule.priority },
        rule,
        state: stored?.state,
        version: stored?.version,
        savedAt: stored ? Date.now() : 0,
        text: { title: rule.title, action: rule.action },
      };
      this.tracked.set(fp, t);
    }
    // The rule may have been edited since: the latest definition governs.
    t.rule = rule;
    t.subject.priority = rule.priority;
    return t;
  }

  private async load(fps: string[]): Promise<void> {
    const missing = [...new Set(fps)].filter((fp) => !this.tracked.has(fp));
    if (missing.length === 0) return;
    for (const [fp, stored] of await this.o.log.loadStates(this.o.db, missing)) this.loaded.set(fp, stored);
  }

  private note(changes: Map<string, Change>, t: Tracked, state: AlertState, events: AlertEvent[]): void {
    const c = changes.get(t.subject.fingerprint) ?? { tracked: t, events: [], statusChanged: false };
    c.statusChanged ||= t.state?.status !== state.status;
    c.events.push(...events);
    t.state = state;
    changes.set(t.subject.fingerprint, c);
  }

  private async commit(changes: Map<string, Change>): Promise<void> {
    const now = Date.now();
    const refresh = this.o.refreshStateMs ?? 10_000;
    const toSave = [...changes.values()].filter(
      (c) =>
        c.events.length > 0 ||
        c.statusChanged ||
        c.tracked.version === undefined ||
        now - c.tracked.savedAt > refresh,
    );
    if (toSave.length === 0) return;
    await this.o.silences?.prepare(new Set(toSave.map((c) => c.tracked.subject.tenantId)));
    const transitions = new Map<string, AlertTransition[]>();
    const byStream = new Map<string, { key: string; payload: string }[]>();
    for (const c of toSave) {
      const list = c.events
        .map((e) => toTransition(c.tracked.subject, e, c.tracked.text))
        .filter((x): x is AlertTransition => x !== undefined);
      transitions.set(c.tracked.subject.fingerprint, list);
      for (const tr of list) {
        const assetType = this.o.catalog.get(tr.tenant, tr.location, tr.asset, tr.sensor)?.assetType ?? null;
        // A silence covers what is notified while it lasts, whatever the reading's own time.
        if (this.o.silences?.silenced(tr, assetType, now)) {
          this.o.metrics.alertTransitionsSilenced.inc({ priority: tr.priority });
          continue;
        }
        const stream = ALERT_STREAMS[tr.priority];
        const records = byStream.get(stream) ?? [];
        records.push({ key: tr.fingerprint, payload: JSON.stringify(tr) });
        byStream.set(stream, records);
        this.o.metrics.alertTransitions.inc({ priority: tr.priority, kind: tr.kind });
      }
    }
    // Low-latency path first: the notifier hears of a transition before the log is written.
    await Promise.all([...byStream].map(([stream, records]) => this.o.bus.append(stream, records)));
    await this.o.db.transaction(async (tx) => {
      for (const c of toSave) {
        const t = c.tracked;
        const v = await this.o.log.saveState(tx, t.subject, t.state!, t.version, now);
        if (v === undefined) {
          // Someone (an operator acknowledging) changed it meanwhile: reload next time.
          this.o.logger.info(
            { fingerprint: t.subject.fingerprint },
            'alert state changed elsewhere; reloading',
          );
          this.tracked.delete(t.subject.fingerprint);
          continue;
        }
        t.version = v;
        t.savedAt = now;
        const activeSince = t.state?.activeSince;
        await this.o.log.record(
          tx,
          transitions.get(t.subject.fingerprint) ?? [],
          activeSince === undefined ? {} : { activeSince },
        );
      }
    });
    if (this.o.onLogged && transitions.size) {
      const tenants = new Set([...transitions.values()].flatMap((ts) => ts.map((t) => t.tenantId)));
      if (tenants.size) this.o.onLogged(tenants);
    }
  }
}
