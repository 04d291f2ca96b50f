/**
 * The checks on a rule that its schema cannot express: coherent numbers (a band's low <= high, a
 * deadband the value can actually clear), a condition expression that parses, templates that only use
 * placeholders the condition can fill. Each throws DI_VALIDATION naming the field.
 */
import { DataInsightError } from '../../platform/errors.js';
import { compiledExpression } from './compiled.js';
import { observable } from './conditions.js';
import type { Condition, Rule } from './rule.js';
import { formatNumber, placeholdersOf } from './template.js';

function invalid(field: string, reason: string, details?: unknown): never {
  throw new DataInsightError('DI_VALIDATION', `${field}: ${reason}`, { field, details });
}

function checkCondition(c: Condition, at: string): void {
  if (c.type === 'band' && c.low > c.high) {
    invalid(`${at}.low`, `low (${formatNumber(c.low)}) must not exceed high (${formatNumber(c.high)})`);
  }
  if (c.type === 'stateMismatch' && c.when.parameter === c.expect.parameter) {
    invalid(
      `${at}.expect.parameter`,
      'must differ from when.parameter (use a threshold or band for one parameter)',
    );
  }
  if (c.type === 'expression') compiledExpression(c, `${at}.expr`);
}

function checkClear(rule: Rule): void {
  const clear = rule.clear;
  if (clear === undefined) return;
  if (clear.type === 'condition') {
    checkCondition(clear.condition, 'clear.condition');
    return;
  }
  const c = rule.condition;
  const d = clear.deadband;
  if (c.type !== 'threshold' && c.type !== 'band' && c.type !== 'rate') {
    invalid(
      'clear.type',
      `a deadband needs a threshold, band or rate condition, not ${c.type}; use a clear condition`,
    );
  }
  if ((c.type === 'threshold' || c.type === 'rate') && (c.op === '=' || c.op === '!=')) {
    invalid('clear.deadband', `a deadband has no direction with operator ${c.op}; use a clear condition`);
  }
  if (c.type === 'band' && c.mode === 'outside' && c.low + d > c.high - d) {
    invalid(
      'clear.deadband',
      `a deadband of ${formatNumber(d)} leaves nothing of the band ${formatNumber(c.low)} to ${formatNumber(c.high)} to clear into (at most ${formatNumber((c.high - c.low) / 2)})`,
    );
  }
}

function checkTemplate(template: string, field: string, c: Condition): void {
  const used = placeholdersOf(template, field);
  const can = observable(c);
  for (const p of ['value', 'threshold'] as const) {
    if (used.includes(p) && !can[p]) {
      const why =
        c.type === 'noData'
          ? 'a no-data alert has no value'
          : 'an expression has one only when its top level is a single comparison';
      invalid(field, `{{${p}}} cannot be filled for this condition: ${why}`, { placeholder: p });
    }
  }
}

export function checkRuleSemantics(rule: Rule): void {
  checkCondition(rule.condition, 'condition');
  checkClear(rule);
  checkTemplate(rule.title, 'title', rule.condition);
  checkTemplate(rule.action, 'action', rule.condition);
}
