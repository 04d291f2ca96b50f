/**
 * Dry run of a rule: replays past readings through the domain, exactly as an evaluator would have met
 * them, and returns the firing and resolved events the rule would have produced. Pure: the readings come
 * in, the events go out.
 *
 * Per reading: is it in the rule's scope and one of the parameters it reads; update the asset's latest
 * value per parameter (multi-parameter conditions read the others from there); evaluate the condition
 * and the clear condition (rates over the fingerprint's window of samples); step the fingerprint's state
 * machine. At the end, time alone is applied up to `until` (a pending alert whose forMs elapsed fires, a
 * silent sensor of a no-data rule alerts).
 */
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
import { fingerprint, inScope, type MatchInput } from '../domain/rule-index.js';
import { isAssetLevel, ruleParameters, type Condition, type Rule } from '../domain/rule.js';
import { tick, transition } from '../domain/state-machine.js';

export interface ReplayReading extends Omit<MatchInput, 'tenant'> {
  ts: number;
  value: number;
}

export interface ReplayEvent {
  fingerprint: string;
  location: string;
  asset: string;
  /** `*` for conditions over the whole asset (state mismatch, expression). */
  sensor: string;
  kind: 'firing' | 'resolved';
  ts: number;
  value: number | null;
}

interface Track {
  state: AlertState | undefined;
  location: string;
  asset: string;
  sensor: string;
  /** Recent samples per rate parameter, for rate and forecast conditions. */
  windows: Map<string, Sample[]>;
  /** The anomaly detector of an anomaly condition. */
  detector?: AnomalyMemory;
}

/** The parameter and window of a rate condition, if it is one. */
function rateOf(c: Condition | undefined): { parameter: string; windowMs: number } | undefined {
  const keep = c === undefined ? undefined : windowKeepMs(c);
  return keep !== undefined && c !== undefined && 'parameter' in c
    ? { parameter: c.parameter, windowMs: keep }
    : undefined;
}

function clearCondition(rule: Rule): Condition | undefined {
  if (rule.clear === undefined) return undefined;
  return rule.clear.type === 'condition' ? rule.clear.condition : rule.condition;
}

export class Replay {
  private readonly parameters: ReadonlySet<string>;
  private readonly rates: { parameter: string; windowMs: number }[];
  private readonly latest = new Map<string, Map<string, Sample>>();
  private readonly tracks = new Map<string, Track>();
  private readonly events: ReplayEvent[] = [];
  /** Readings that were in scope and read by the rule. */
  matched = 0;

  constructor(private readonly rule: Rule) {
    this.parameters = new Set(ruleParameters(rule));
    this.rates = [rateOf(rule.condition), rateOf(clearCondition(rule))].filter((r) => r !== undefined);
  }

  /** One reading; feed them in timestamp order (older ones are ignored by the state machine). */
  reading(r: ReplayReading): void {
    const rule = this.rule;
    if (!this.parameters.has(r.parameter) || !inScope(rule.scope, { ...r, tenant: rule.tenant })) return;
    this.matched++;
    const assetKey = `${r.location}/${r.asset}`;
    let latest = this.latest.get(assetKey);
    if (latest === undefined) this.latest.set(assetKey, (latest = new Map()));
    const prev = latest.get(r.parameter);
    if (prev === undefined || prev.ts <= r.ts) latest.set(r.parameter, { ts: r.ts, value: r.value });

    const fp = fingerprint(rule, r);
    let t = this.tracks.get(fp);
    if (t === undefined) {
      const sensor = isAssetLevel(rule.condition) ? '*' : r.sensor;
      t = { state: undefined, location: r.location, asset: r.asset, sensor, windows: new Map() };
      this.tracks.set(fp, t);
    }
    let anomalyScore: number | undefined;
    if (rule.condition.type === 'anomaly' && rule.condition.parameter === r.parameter) {
      const a = scoreAnomaly(t.detector, { ts: r.ts, value: r.value });
      t.detector = a.mem;
      anomalyScore = a.score;
    }
    const base = { parameter: r.parameter, ts: r.ts, value: r.value, latest, anomalyScore };
    const ctx = (c: Condition | undefined): ConditionContext => {
      const rate = rateOf(c);
      return rate ? { ...base, window: t.windows.get(rate.parameter) ?? [] } : base;
    };
    const condCtx = ctx(rule.condition);
    const step = transition(
      t.state,
      {
        conditionTrue: evaluateCondition(rule.condition, condCtx),
        clearTrue: evaluateClear(rule, ctx(clearCondition(rule))),
        ts: r.ts,
        value: observed(rule.condition, condCtx).value,
      },
      rule,
    );
    this.take(fp, t, step.state, step.events);
    for (const rate of this.rates) {
      if (rate.parameter !== r.parameter) continue;
      const w = t.windows.get(rate.parameter) ?? [];
      t.windows.set(rate.parameter, pushSample(w, { ts: r.ts, value: r.value }, 2 * rate.windowMs));
    }
  }

  /** Applies what time alone does up to `until`, then returns every firing/resolved event in time order. */
  finish(until: number): ReplayEvent[] {
    for (const [fp, t] of this.tracks) {
      if (t.state !== undefined) {
        const step = tick(t.state, this.rule, until);
        this.take(fp, t, step.state, step.events);
      }
    }
    return this.events.sort((a, b) => a.ts - b.ts || a.fingerprint.localeCompare(b.fingerprint));
  }

  private take(fp: string, t: Track, state: AlertState, events: AlertEvent[]): void {
    t.state = state;
    for (const e of events) {
      if (e.kind !== 'firing' && e.kind !== 'resolved') continue;
      this.events.push({
        fingerprint: fp,
        location: t.location,
        asset: t.asset,
        sensor: t.sensor,
        kind: e.kind,
        ts: e.ts,
        value: e.value ?? null,
      });
    }
  }
}

/** Replays `readings` (in timestamp order) and applies time up to `until`. */
export function replay(rule: Rule, readings: Iterable<ReplayReading>, until: number): ReplayEvent[] {
  const r = new Replay(rule);
  for (const reading of readings) r.reading(reading);
  return r.finish(until);
}
