/**
 * An alert rule (one row of the alert mapping table): what it watches (tenant + scope + the parameters
 * its condition reads), when it fires, how it clears, how loud it is and what it tells people.
 * `validateRule` is the only way in: the schema first, then the checks a schema cannot express, each
 * failure a DI_VALIDATION error naming the field (e.g. `condition.low`, `clear.deadband`, `action`).
 */
import { z } from 'zod';
import { KEY_PATTERN, KEY_RULE } from '../../ingest/parse/validate.js';
import { DataInsightError } from '../../platform/errors.js';
import { expressionParameters } from './compiled.js';
import { checkRuleSemantics } from './rule-checks.js';

const key = z.string().regex(KEY_PATTERN, { error: `must be ${KEY_RULE}` });
const path = (parts: number) =>
  z.string().refine((s) => s.split('/').length === parts && s.split('/').every((p) => KEY_PATTERN.test(p)), {
    error: `must be written ${parts === 2 ? 'location/asset' : 'location/asset/sensor'} (each part ${KEY_RULE})`,
  });
const list = <T extends z.ZodType>(item: T) =>
  z.array(item).min(1, { error: 'must list at least one' }).max(1000);
const num = z.number({ error: 'must be a finite number' });
const durationMs = z
  .number({ error: 'must be a duration in milliseconds' })
  .int({ error: 'must be a whole number of milliseconds' })
  .min(0, { error: 'must not be negative' });
const positiveMs = durationMs.min(1, { error: 'must be at least 1 ms' });

export const COMPARISON_OPS = ['>', '>=', '<', '<=', '=', '!='] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];
const op = z.enum(COMPARISON_OPS, { error: `unknown operator; use one of ${COMPARISON_OPS.join(' ')}` });

export const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

const comparison = z.strictObject({ parameter: key, op, value: num });
export type Comparison = z.output<typeof comparison>;

const threshold = z.strictObject({ type: z.literal('threshold'), parameter: key, op, value: num });
const band = z.strictObject({
  type: z.literal('band'),
  parameter: key,
  /** outside: fires when the value leaves [low, high]; inside: when it enters it. */
  mode: z.enum(['outside', 'inside'], { error: 'must be outside or inside' }).default('outside'),
  low: num,
  high: num,
});
const rate = z.strictObject({
  type: z.literal('rate'),
  parameter: key,
  /** The change is the value now minus the value in force windowMs earlier. */
  windowMs: positiveMs,
  op,
  value: num,
  /** Compare the size of the change, whichever its direction. */
  abs: z.boolean().default(false),
});
const noData = z.strictObject({ type: z.literal('noData'), parameter: key, afterMs: positiveMs });
const stateMismatch = z.strictObject({
  type: z.literal('stateMismatch'),
  /** The commanded state, e.g. { parameter: 'cmd_on', op: '=', value: 1 }. */
  when: comparison,
  /** What must then hold, e.g. { parameter: 'current', op: '>=', value: 0.5 }; fires when it does not. */
  expect: comparison,
  /** Values older than this (relative to the reading being evaluated) count as unknown. */
  maxAgeMs: positiveMs.optional(),
});
const expression = z.strictObject({
  type: z.literal('expression'),
  /** A condition over the asset's latest parameters, e.g. `power_kw / cooling_tons > 1.2`. */
  expr: z.string().min(1, { error: 'must not be empty' }),
  maxAgeMs: positiveMs.optional(),
});

const anomaly = z.strictObject({
  type: z.literal('anomaly'),
  parameter: key,
  /** Fires while the streaming detector scores the parameter's readings above this (0 to 1; 0.4 marks an episode's onset). */
  above: num.min(0, { error: 'must be between 0 and 1' }).max(1, { error: 'must be between 0 and 1' }),
});
const forecast = z.strictObject({
  type: z.literal('forecast'),
  parameter: key,
  /** Fires when the trend of the recent readings crosses `value` this way within `horizonMs`. */
  op: z.enum(['>', '>=', '<', '<='], { error: 'must be one of > >= < <=' }),
  value: num,
  horizonMs: positiveMs,
  /** Readings the trend is fitted on: those of the last lookbackMs (default 4 x horizonMs). */
  lookbackMs: positiveMs.optional(),
});

const valueConditions = [threshold, band, rate, stateMismatch, expression] as const;
export const ConditionSchema = z.discriminatedUnion('type', [...valueConditions, noData, anomaly, forecast]);
export type Condition = z.output<typeof ConditionSchema>;
export type ConditionType = Condition['type'];

const ClearSchema = z.discriminatedUnion('type', [
  /** Hysteresis: resolve only once the value is back past the threshold by this much. */
  z.strictObject({ type: z.literal('deadband'), deadband: num.min(0, { error: 'must not be negative' }) }),
  /** Resolve when this condition holds (and the firing condition no longer does). */
  z.strictObject({
    type: z.literal('condition'),
    condition: z.discriminatedUnion('type', [...valueConditions]),
  }),
]);
export type Clear = z.output<typeof ClearSchema>;

export const ScopeSchema = z.strictObject({
  locations: list(key).optional(),
  /** "location/asset" */
  assets: list(path(2)).optional(),
  assetTypes: list(key).optional(),
  /** Sensor types, by sensor model. */
  sensorModels: list(key).optional(),
  /** "location/asset/sensor" */
  sensors: list(path(3)).optional(),
});
/** Every listed dimension must match (AND); an empty scope is the whole tenant. */
export type Scope = z.output<typeof ScopeSchema>;

export const RuleSchema = z.strictObject({
  id: key,
  /** The tenant key the readings carry (its slug). */
  tenant: key,
  /** The rule's name in the management UI. */
  name: z.string().trim().min(1, { error: 'must not be empty' }).max(200),
  /** Alert title template, e.g. "High temperature on {{asset}}". */
  title: z.string().trim().min(1, { error: 'must not be empty' }).max(200),
  /** Suggested action template. */
  action: z.string().max(2000).default(''),
  scope: ScopeSchema.default({}),
  condition: ConditionSchema,
  priority: z.enum(PRIORITIES, { error: `must be one of ${PRIORITIES.join(', ')}` }),
  /** How long the condition must hold before the alert fires (pending meanwhile). */
  forMs: durationMs.default(0),
  clear: ClearSchema.optional(),
  /** Remind every interval while firing and not acknowledged. */
  renotifyMs: positiveMs.optional(),
  /** More than maxChanges firing/resolved changes within windowMs: hold firing, report 'flapping'. */
  flapping: z
    .strictObject({
      maxChanges: z.number().int().min(2, { error: 'must be at least 2' }),
      windowMs: positiveMs,
    })
    .optional(),
  labels: z.record(z.string().min(1).max(64), z.string().max(256)).default({}),
  enabled: z.boolean().default(true),
});
export type Rule = z.output<typeof RuleSchema>;
export type RuleInput = z.input<typeof RuleSchema>;

function fieldOf(p: readonly PropertyKey[]): string {
  return p.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)),
    '',
  );
}

/** Parses and checks a rule; throws DI_VALIDATION whose `field` names the first problem. */
export function validateRule(input: unknown): Rule {
  const parsed = RuleSchema.safeParse(input);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ field: fieldOf(i.path) || 'rule', reason: i.message }));
    const first = errors[0]!;
    throw new DataInsightError('DI_VALIDATION', `${first.field}: ${first.reason}`, {
      field: first.field,
      details: { errors },
    });
  }
  checkRuleSemantics(parsed.data);
  return parsed.data;
}

/** The parameters whose readings can change the rule's outcome: the index registers it under each. */
export function conditionParameters(c: Condition): string[] {
  switch (c.type) {
    case 'stateMismatch':
      return [...new Set([c.when.parameter, c.expect.parameter])];
    case 'expression':
      return expressionParameters(c);
    default:
      return [c.parameter];
  }
}

export function ruleParameters(rule: Rule): string[] {
  const own = conditionParameters(rule.condition);
  const clear = rule.clear?.type === 'condition' ? conditionParameters(rule.clear.condition) : [];
  return [...new Set([...own, ...clear])].sort();
}

/** Rules whose fingerprint is the whole asset (several parameters), not one sensor. */
export function isAssetLevel(c: Condition): boolean {
  return c.type === 'stateMismatch' || c.type === 'expression';
}
