/**
 * The alert lifecycle of one fingerprint, as pure functions of (state, input, rule):
 *
 *   inactive/resolved --condition true--> pending --true for forMs--> firing --resolves--> resolved
 *   (forMs = 0 goes straight to firing; pending --false--> inactive, silently)
 *
 * - Time comes from readings: an input older than the state's watermark changes nothing but
 *   last-seen; one with the same time is evaluated again, and since every step is a fixed point,
 *   a redelivered reading emits nothing.
 * - Values hold until the next reading (sample and hold): whatever time alone makes true (forMs elapsed,
 *   silence longer than a no-data rule allows, a flapping window gone quiet) happens at its due time,
 *   whether a later reading or a tick discovers it. So events do not depend on tick cadence, and event
 *   times never go backwards.
 * - Resolution: with a clear condition or deadband, when it holds and the condition does not; without
 *   one, when the condition is false. 'unknown' never moves the state.
 * - Flapping: a firing or resolve that makes more than maxChanges such changes within windowMs holds
 *   the alert firing and reports 'flapping' once; when the condition has not changed for windowMs the
 *   hold ends, resolving the alert if the condition is clear by then.
 */
import { DataInsightError } from '../../platform/errors.js';
import {
  INITIAL_STATE,
  type AlertEvent,
  type AlertState,
  type Step,
  type TransitionInput,
} from './alert-state.js';
import type { Rule } from './rule.js';

export type LifecycleRule = Pick<Rule, 'condition' | 'forMs' | 'renotifyMs' | 'flapping'>;

/** The fields a resolve resets. */
const CLOSED = (ts: number): Partial<AlertState> => ({
  status: 'resolved',
  since: ts,
  activeSince: undefined,
  firedAt: undefined,
  notifiedAt: undefined,
  acknowledged: undefined,
  flapping: undefined,
});

const later = (a: number | undefined, b: number): number => (a === undefined || b > a ? b : a);

class Working {
  readonly s: AlertState;
  readonly events: AlertEvent[] = [];
  constructor(
    state: AlertState | undefined,
    private readonly rule: LifecycleRule,
  ) {
    this.s = { ...(state ?? INITIAL_STATE) };
  }

  private set(patch: Partial<AlertState>): void {
    Object.assign(this.s, patch);
  }

  done(): Step {
    return { state: this.s, events: this.events };
  }

  /** Moves the watermark to `due` (or keeps it if later) and returns the event time. */
  private at(due: number): number {
    this.s.watermark = later(this.s.watermark, due);
    return this.s.watermark;
  }

  /** Records a firing/resolved change; true if it makes the alert flap. */
  private flaps(ts: number): boolean {
    const f = this.rule.flapping;
    if (f === undefined) return false;
    const recent = this.s.changes.filter((t) => t > ts - f.windowMs);
    recent.push(ts);
    this.s.changes = recent;
    return recent.length > f.maxChanges;
  }

  private hold(ts: number, rawOpen: boolean): void {
    this.s.flapping = { since: ts, rawOpen, lastChange: ts };
    this.events.push({ kind: 'flapping', ts, firedAt: this.s.firedAt!, changes: this.s.changes.length });
  }

  becomeTrue(ts: number, value: number | undefined): void {
    this.s.activeSince = ts;
    if (this.rule.forMs === 0) return this.open(ts, value);
    this.set({ status: 'pending', since: ts });
    this.events.push({ kind: 'pending', ts, value });
  }

  open(ts: number, value: number | undefined): void {
    const flapping = this.flaps(ts);
    const activeSince = this.s.activeSince ?? ts;
    this.set({ status: 'firing', since: ts, firedAt: ts, notifiedAt: ts, acknowledged: undefined });
    this.events.push({ kind: 'firing', ts, value, activeSince });
    if (flapping) this.hold(ts, true);
  }

  close(ts: number, value: number | undefined): void {
    if (this.flaps(ts)) return this.hold(ts, false);
    this.events.push({ kind: 'resolved', ts, value, firedAt: this.s.firedAt! });
    this.set(CLOSED(ts));
  }

  /** Everything time alone makes happen up to `t`, each at its due time. */
  advance(t: number): void {
    const s = this.s;
    const r = this.rule;
    if (s.flapping !== undefined) {
      const due = s.flapping.lastChange + (r.flapping?.windowMs ?? 0);
      if (t >= due) {
        const { rawOpen } = s.flapping;
        this.set({ flapping: undefined, changes: [] });
        const ts = this.at(due);
        if (!rawOpen) this.close(ts, s.lastValue);
      }
    }
    const c = r.condition;
    const idle = s.status === 'inactive' || s.status === 'resolved';
    if (
      c.type === 'noData' &&
      idle &&
      !s.latched &&
      s.lastSeenTs !== undefined &&
      t > s.lastSeenTs + c.afterMs
    ) {
      this.becomeTrue(this.at(s.lastSeenTs + c.afterMs), undefined);
    }
    if (s.status === 'pending' && t >= s.activeSince! + r.forMs) {
      this.open(this.at(s.activeSince! + r.forMs), c.type === 'noData' ? undefined : s.lastValue);
    }
  }

  renotify(now: number): void {
    const s = this.s;
    const every = this.rule.renotifyMs;
    if (
      s.status !== 'firing' ||
      every === undefined ||
      s.acknowledged ||
      s.flapping ||
      s.firedAt === undefined
    )
      return;
    const count = Math.floor((now - s.firedAt) / every);
    const due = s.firedAt + count * every;
    if (count < 1 || due <= (s.notifiedAt ?? s.firedAt)) return;
    s.notifiedAt = due;
    this.events.push({ kind: 'renotify', ts: due, firedAt: s.firedAt, count });
  }

  reading(input: TransitionInput): void {
    const s = this.s;
    const { conditionTrue: cond, clearTrue: clear, ts, value } = input;
    const seen = s.lastSeenTs;
    if (s.watermark !== undefined && ts < s.watermark) {
      s.lastSeenTs = later(seen, ts);
      return;
    }
    this.advance(ts);
    s.lastSeenTs = later(seen, ts);
    const resolves = clear === undefined ? cond === false : clear === true && cond !== true;
    if (cond === 'unknown' && !resolves) return;
    this.at(ts);
    s.lastValue = value;
    if (s.flapping !== undefined) {
      const f = s.flapping;
      if (f.rawOpen ? resolves : cond === true) s.flapping = { ...f, rawOpen: !f.rawOpen, lastChange: ts };
      return;
    }
    switch (s.status) {
      case 'inactive':
      case 'resolved':
        if (s.latched) {
          if (cond === false) s.latched = undefined;
        } else if (cond === true) this.becomeTrue(ts, value);
        return;
      case 'pending':
        if (cond === false) this.set({ status: 'inactive', since: ts, activeSince: undefined });
        return;
      case 'firing':
        if (resolves) this.close(ts, value);
        return;
    }
  }
}

/** Applies one reading's evaluation to a fingerprint's state (undefined: never seen before). */
export function transition(state: AlertState | undefined, input: TransitionInput, rule: LifecycleRule): Step {
  const w = new Working(state, rule);
  w.reading(input);
  return w.done();
}

/**
 * What time alone does, as of `now`: pending alerts whose forMs has elapsed fire, silent sensors of
 * no-data rules alert, flapping holds end, and firing alerts that are not acknowledged renotify. The
 * engine calls it periodically; passing `now - allowedLatenessMs` gives late readings a chance first.
 */
export function tick(state: AlertState, rule: LifecycleRule, now: number): Step {
  const w = new Working(state, rule);
  w.advance(now);
  w.renotify(now);
  return w.done();
}

function mustBeFiring(state: AlertState | undefined, action: string): AlertState {
  if (state?.status === 'firing') return state;
  const status = state?.status ?? 'inactive';
  const message = `only a firing alert can be ${action}; this one is ${status}`;
  throw new DataInsightError('DI_CONFLICT', message, { field: 'status' });
}

/** A person acknowledges a firing alert: a flag kept until it resolves; it stops renotifies. Idempotent. */
export function acknowledge(state: AlertState | undefined, by: string, ts: number): Step {
  const s = mustBeFiring(state, 'acknowledged');
  if (s.acknowledged) return { state: s, events: [] };
  return {
    state: { ...s, acknowledged: { by, ts } },
    events: [{ kind: 'acknowledged', ts, firedAt: s.firedAt!, by }],
  };
}

/**
 * A person resolves a firing alert. It will not open again until its condition has been seen false
 * (a manual resolve means "known, being handled", so the same episode does not alert twice). Manual
 * resolves do not count towards flapping.
 */
export function resolveManually(state: AlertState | undefined, by: string, ts: number): Step {
  const s = mustBeFiring(state, 'resolved');
  const at = later(s.watermark, later(s.firedAt, ts));
  return {
    state: { ...s, ...CLOSED(at), watermark: at, latched: true },
    events: [{ kind: 'resolved', ts: at, value: s.lastValue, firedAt: s.firedAt!, by }],
  };
}
