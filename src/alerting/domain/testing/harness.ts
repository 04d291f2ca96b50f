/** Test support: drives one fingerprint's state machine from raw readings, like the engine will. */
import type { AlertEvent, AlertState, TransitionInput } from '../alert-state.js';
import { evaluateClear, evaluateCondition } from '../conditions.js';
import { validateRule, type Rule, type RuleInput } from '../rule.js';
import { acknowledge, resolveManually, tick, transition } from '../state-machine.js';

/** A rule on parameter `x`: by default `x > 50`, firing at once. */
export function xRule(extra: Partial<RuleInput> = {}): Rule {
  return validateRule({
    id: 'r',
    tenant: 't',
    name: 'x high',
    title: 'x high',
    priority: 'high',
    condition: { type: 'threshold', parameter: 'x', op: '>', value: 50 },
    ...extra,
  });
}

export function inputFor(rule: Rule, ts: number, value: number): TransitionInput {
  const ctx = { parameter: 'x', ts, value };
  return {
    conditionTrue: evaluateCondition(rule.condition, ctx),
    clearTrue: evaluateClear(rule, ctx),
    ts,
    value,
  };
}

export class Driver {
  state: AlertState | undefined;
  readonly log: AlertEvent[] = [];
  constructor(readonly rule: Rule) {}

  private take(step: { state: AlertState; events: AlertEvent[] }): AlertEvent[] {
    this.state = step.state;
    this.log.push(...step.events);
    return step.events;
  }

  input(i: TransitionInput): AlertEvent[] {
    return this.take(transition(this.state, i, this.rule));
  }

  reading(ts: number, value: number): AlertEvent[] {
    return this.input(inputFor(this.rule, ts, value));
  }

  tick(now: number): AlertEvent[] {
    return this.state === undefined ? [] : this.take(tick(this.state, this.rule, now));
  }

  ack(by: string, ts: number): AlertEvent[] {
    return this.take(acknowledge(this.state, by, ts));
  }

  resolve(by: string, ts: number): AlertEvent[] {
    return this.take(resolveManually(this.state, by, ts));
  }
}

/** Events as "kind@ts" strings: short, readable expectations. */
export const brief = (events: AlertEvent[]): string[] => events.map((e) => `${e.kind}@${e.ts}`);
