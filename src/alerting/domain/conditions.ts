/**
 * Evaluating a rule's condition (and its clear condition) against one reading and what the engine
 * knows about the asset. Every answer is three-valued: 'unknown' when the data to decide is missing
 * or too old, so the state machine can hold its state instead of guessing.
 */
import { compiledExpression } from './compiled.js';
import { compareNumbers, evaluate } from './expression-eval.js';
import { lookbackOf, trendForecast } from './predictive.js';
import type { Clear, ComparisonOp, Condition, Rule } from './rule.js';
import { formatDuration, formatNumber } from './template.js';

export type Truth = boolean | 'unknown';

export interface Sample {
  ts: number;
  value: number;
}

export interface ConditionContext {
  /** The reading being evaluated. */
  parameter: string;
  ts: number;
  value: number;
  /** The asset's newest sample per parameter (the engine keeps it; never overwrite with an older one). */
  latest?: ReadonlyMap<string, Sample>;
  /** This fingerprint's recent samples of the rule's parameter, oldest first (kept by pushSample). */
  window?: readonly Sample[];
  /** The streaming anomaly detector's score of this reading (undefined while it warms up). */
  anomalyScore?: number;
}

export function compare(op: ComparisonOp, a: number, b: number): boolean {
  return compareNumbers(op === '=' ? '==' : op, a, b);
}

/** The value of a parameter as of the reading: the reading itself, or the asset's latest if fresh enough. */
function valueOf(parameter: string, ctx: ConditionContext, maxAgeMs?: number): number | undefined {
  if (parameter === ctx.parameter) return ctx.value;
  const s = ctx.latest?.get(parameter);
  if (s === undefined) return undefined;
  if (maxAgeMs !== undefined && Math.abs(ctx.ts - s.ts) > maxAgeMs) return undefined;
  return s.value;
}

/**
 * The change over the window: the value now minus the value in force windowMs ago (the newest sample at
 * or before that instant). Unknown without such a sample, or if it is older than two windows (a gap:
 * the no-data rule's business, not a rate).
 */
function changeOver(c: Extract<Condition, { type: 'rate' }>, ctx: ConditionContext): number | undefined {
  const now = valueOf(c.parameter, ctx);
  if (now === undefined) return undefined;
  const start = ctx.ts - c.windowMs;
  let base: Sample | undefined;
  for (const s of ctx.window ?? []) {
    if (s.ts > start) break;
    base = s;
  }
  if (base === undefined || base.ts < start - c.windowMs) return undefined;
  const change = now - base.value;
  return c.abs ? Math.abs(change) : change;
}

const truth = (b: boolean | undefined): Truth => (b === undefined ? 'unknown' : b);

/** Where the trend of the fingerprint's window reaches at ts + horizon (undefined: too few samples). */
function projected(c: Extract<Condition, { type: 'forecast' }>, ctx: ConditionContext): number | undefined {
  if (c.parameter !== ctx.parameter) return undefined;
  return trendForecast(ctx.window ?? [], { ts: ctx.ts, value: ctx.value }, lookbackOf(c), c.horizonMs);
}

const anomalyOf = (c: Extract<Condition, { type: 'anomaly' }>, ctx: ConditionContext) =>
  c.parameter === ctx.parameter ? ctx.anomalyScore : undefined;

export function evaluateCondition(c: Condition, ctx: ConditionContext): Truth {
  switch (c.type) {
    case 'threshold': {
      const v = valueOf(c.parameter, ctx);
      return truth(v === undefined ? undefined : compare(c.op, v, c.value));
    }
    case 'band': {
      const v = valueOf(c.parameter, ctx);
      if (v === undefined) return 'unknown';
      const inside = v >= c.low && v <= c.high;
      return c.mode === 'inside' ? inside : !inside;
    }
    case 'rate': {
      const change = changeOver(c, ctx);
      return truth(change === undefined ? undefined : compare(c.op, change, c.value));
    }
    case 'noData':
      // A reading of the parameter is data; silence is found by the state machine's tick.
      return c.parameter === ctx.parameter ? false : 'unknown';
    case 'stateMismatch': {
      const when = valueOf(c.when.parameter, ctx, c.maxAgeMs);
      if (when === undefined) return 'unknown';
      if (!compare(c.when.op, when, c.when.value)) return false;
      const got = valueOf(c.expect.parameter, ctx, c.maxAgeMs);
      return truth(got === undefined ? undefined : !compare(c.expect.op, got, c.expect.value));
    }
    case 'expression': {
      const r = evaluate(compiledExpression(c), (name) => valueOf(name, ctx, c.maxAgeMs));
      return Number.isNaN(r) ? 'unknown' : r === 1;
    }
    case 'anomaly': {
      const score = anomalyOf(c, ctx);
      return truth(score === undefined ? undefined : score > c.above);
    }
    case 'forecast': {
      // A linear trend crosses within the horizon exactly when it is past the value now or at the end.
      const end = projected(c, ctx);
      if (end === undefined) return 'unknown';
      return compare(c.op, ctx.value, c.value) || compare(c.op, end, c.value);
    }
  }
}

/** Hysteresis: is `v` back past the threshold by `d`? (d = 0 is the plain negation of the condition.) */
function clearOfThreshold(op: ComparisonOp, v: number, limit: number, d: number): boolean | undefined {
  if (op === '>') return v <= limit - d;
  if (op === '>=') return v < limit - d;
  if (op === '<') return v >= limit + d;
  if (op === '<=') return v > limit + d;
  return undefined; // = and != have no direction to clear towards; validation refuses a deadband there
}

/**
 * Whether the rule's clear condition holds: undefined when the rule has none (then the alert resolves as
 * soon as its condition is false).
 */
export function evaluateClear(
  rule: Pick<Rule, 'condition' | 'clear'>,
  ctx: ConditionContext,
): Truth | undefined {
  const clear: Clear | undefined = rule.clear;
  if (clear === undefined) return undefined;
  if (clear.type === 'condition') return evaluateCondition(clear.condition, ctx);
  const c = rule.condition;
  const d = clear.deadband;
  if (c.type === 'threshold' || c.type === 'band') {
    const v = valueOf(c.parameter, ctx);
    if (v === undefined) return 'unknown';
    if (c.type === 'threshold') return truth(clearOfThreshold(c.op, v, c.value, d));
    if (c.mode === 'outside') return v >= c.low + d && v <= c.high - d;
    return v < c.low - d || v > c.high + d;
  }
  if (c.type === 'rate') {
    const change = changeOver(c, ctx);
    return change === undefined ? 'unknown' : truth(clearOfThreshold(c.op, change, c.value, d));
  }
  return undefined;
}

export interface Observed {
  /** The observed quantity the condition compares: the value, the change, the derived value. */
  value?: number;
  /** What it is compared with, as a number or text ("20 to 25", "15 min"). */
  threshold?: number | string;
}

/** Which of {{value}} and {{threshold}} a condition type can fill (checked when a rule is saved). */
export function observable(c: Condition): { value: boolean; threshold: boolean } {
  if (c.type === 'noData') return { value: false, threshold: true };
  if (c.type === 'expression') {
    const top = compiledExpression(c).kind === 'compare';
    return { value: top, threshold: top };
  }
  return { value: true, threshold: true };
}

/** The {{value}} and {{threshold}} of an alert, for its templates. */
export function observed(c: Condition, ctx: ConditionContext): Observed {
  const num = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? undefined : x);
  switch (c.type) {
    case 'threshold':
      return { value: num(valueOf(c.parameter, ctx)), threshold: c.value };
    case 'band':
      return {
        value: num(valueOf(c.parameter, ctx)),
        threshold: `${formatNumber(c.low)} to ${formatNumber(c.high)}`,
      };
    case 'rate':
      return { value: num(changeOver(c, ctx)), threshold: c.value };
    case 'noData':
      return { threshold: formatDuration(c.afterMs) };
    case 'stateMismatch':
      return { value: num(valueOf(c.expect.parameter, ctx, c.maxAgeMs)), threshold: c.expect.value };
    case 'expression': {
      const ast = compiledExpression(c);
      if (ast.kind !== 'compare') return {};
      const lookup = (name: string) => valueOf(name, ctx, c.maxAgeMs);
      return { value: num(evaluate(ast.left, lookup)), threshold: num(evaluate(ast.right, lookup)) };
    }
    case 'anomaly':
      return { value: num(anomalyOf(c, ctx)), threshold: c.above };
    case 'forecast':
      return { value: num(projected(c, ctx)), threshold: c.value };
  }
}

/**
 * Adds a sample to a fingerprint's window (a new array; the input is not changed): kept in timestamp
 * order, a sample with the same timestamp replaced, samples older than `keepMs` before the newest
 * dropped except the newest of them (the rate's base), and beyond `maxSamples` every other inner sample
 * dropped, so memory stays bounded at the cost of resolution.
 */
export function pushSample(
  window: readonly Sample[],
  sample: Sample,
  keepMs: number,
  maxSamples = 256,
): Sample[] {
  const out = window.slice();
  let i = out.length;
  while (i > 0 && out[i - 1]!.ts > sample.ts) i--;
  if (i > 0 && out[i - 1]!.ts === sample.ts) out[i - 1] = sample;
  else out.splice(i, 0, sample);
  const cutoff = out[out.length - 1]!.ts - keepMs;
  let base = 0;
  while (base + 1 < out.length && out[base + 1]!.ts <= cutoff) base++;
  const kept = base > 0 ? out.slice(base) : out;
  if (kept.length <= maxSamples) return kept;
  const last = kept.length - 1;
  return kept.filter((_, j) => j === 0 || j === last || j % 2 === 0);
}
