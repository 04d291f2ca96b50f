import { describe, expect, it } from 'vitest';
import { DataInsightError } from '../../platform/errors.js';
import { ruleParameters, validateRule, type RuleInput } from './rule.js';

const BASE: RuleInput = {
  id: 'chiller-cmd',
  tenant: 'acme',
  name: 'Chiller not following commands',
  title: 'Chiller {{asset}} is not running',
  action:
    'Most likely automation commands are not working on {{asset}}. Please switch the chiller to JouleTrack mode, turn it on, and then return it to recipe mode.',
  priority: 'high',
  condition: { type: 'threshold', parameter: 'temp', op: '>', value: 30 },
};

function rejection(input: unknown): DataInsightError {
  try {
    validateRule(input);
  } catch (e) {
    if (e instanceof DataInsightError) return e;
    throw e;
  }
  throw new Error('expected the rule to be rejected');
}

describe('validateRule accepts', () => {
  it('a minimal rule, filling the defaults', () => {
    const r = validateRule(BASE);
    expect(r).toMatchObject({ forMs: 0, scope: {}, labels: {}, enabled: true });
    expect(r.condition).toEqual({ type: 'threshold', parameter: 'temp', op: '>', value: 30 });
  });

  it('every condition type', () => {
    const conditions = [
      { type: 'band', parameter: 'humidity', low: 30, high: 60 },
      { type: 'band', parameter: 'humidity', mode: 'inside', low: 30, high: 30 },
      { type: 'rate', parameter: 'temp', windowMs: 600_000, op: '>', value: 5 },
      { type: 'noData', parameter: 'temp', afterMs: 900_000 },
      {
        type: 'stateMismatch',
        when: { parameter: 'cmd_on', op: '=', value: 1 },
        expect: { parameter: 'current', op: '>=', value: 0.5 },
        maxAgeMs: 300_000,
      },
      { type: 'expression', expr: 'power_kw / cooling_tons > 1.2' },
    ];
    for (const condition of conditions) {
      const title =
        condition.type === 'noData' ? 'No data from {{sensor}}' : 'At {{value}} (limit {{threshold}})';
      expect(validateRule({ ...BASE, title, condition }).condition.type).toBe(condition.type);
    }
  });

  it('a full rule: scope in several dimensions, clear, for, renotify, flapping, labels', () => {
    const r = validateRule({
      ...BASE,
      scope: {
        locations: ['pune'],
        assetTypes: ['chiller'],
        sensors: ['pune/ch-1/t1'],
        assets: ['pune/ch-1'],
      },
      forMs: 120_000,
      clear: { type: 'deadband', deadband: 2 },
      renotifyMs: 3_600_000,
      flapping: { maxChanges: 4, windowMs: 600_000 },
      labels: { team: 'hvac' },
      enabled: false,
    });
    expect(r.scope.assets).toEqual(['pune/ch-1']);
    expect(r.clear).toEqual({ type: 'deadband', deadband: 2 });
  });

  it('lists the parameters a rule reads, its clear condition included', () => {
    const r = validateRule({
      ...BASE,
      condition: { type: 'expression', expr: 'power_kw / cooling_tons > 1.2' },
      title: 't',
      clear: { type: 'condition', condition: { type: 'threshold', parameter: 'status', op: '=', value: 0 } },
    });
    expect(ruleParameters(r)).toEqual(['cooling_tons', 'power_kw', 'status']);
  });
});

describe('validateRule rejects, naming the field', () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    [
      'an unknown operator',
      { condition: { ...BASE.condition, op: '=>' } },
      'condition.op',
      /unknown operator; use one of > >= < <= = !=/,
    ],
    [
      'an unknown condition type',
      { condition: { type: 'spike', parameter: 'x' } },
      'condition.type',
      /Expected/,
    ],
    [
      'a band with low > high',
      { condition: { type: 'band', parameter: 'h', low: 60, high: 30 } },
      'condition.low',
      /low \(60\) must not exceed high \(30\)/,
    ],
    ['a negative for', { forMs: -1 }, 'forMs', /must not be negative/],
    ['a fractional duration', { forMs: 1.5 }, 'forMs', /whole number/],
    ['a zero renotify interval', { renotifyMs: 0 }, 'renotifyMs', /at least 1 ms/],
    [
      'a negative no-data duration',
      { condition: { type: 'noData', parameter: 't', afterMs: -5 } },
      'condition.afterMs',
      /negative/,
    ],
    [
      'a negative rate window',
      { condition: { type: 'rate', parameter: 't', windowMs: -1, op: '>', value: 1 } },
      'condition.windowMs',
      /negative/,
    ],
    [
      'a bad expression, with its position',
      { condition: { type: 'expression', expr: 'a / / b' } },
      'condition.expr',
      /at position 4/,
    ],
    [
      'an expression that is not a condition',
      { condition: { type: 'expression', expr: 'a + b' } },
      'condition.expr',
      /must be a condition/,
    ],
    [
      'an unknown placeholder in the action',
      { action: 'Reset {{assetname}}' },
      'action',
      /unknown placeholder \{\{assetname\}\}/,
    ],
    ['an unknown placeholder in the title', { title: '{{foo}}' }, 'title', /unknown placeholder/],
    [
      '{{value}} for a no-data rule',
      { title: 'silent at {{value}}', condition: { type: 'noData', parameter: 't', afterMs: 1 } },
      'title',
      /no-data alert has no value/,
    ],
    [
      '{{threshold}} for an expression that is not one comparison',
      { title: '{{threshold}}', condition: { type: 'expression', expr: 'a > 1 && b > 1' } },
      'title',
      /single comparison/,
    ],
    [
      'a deadband on an expression',
      { condition: { type: 'expression', expr: 'a > 1' }, clear: { type: 'deadband', deadband: 1 } },
      'clear.type',
      /needs a threshold, band or rate/,
    ],
    [
      'a deadband on =',
      {
        condition: { type: 'threshold', parameter: 'on', op: '=', value: 1 },
        clear: { type: 'deadband', deadband: 1 },
      },
      'clear.deadband',
      /no direction/,
    ],
    [
      'a deadband wider than half the band',
      {
        condition: { type: 'band', parameter: 'h', low: 30, high: 40 },
        clear: { type: 'deadband', deadband: 6 },
      },
      'clear.deadband',
      /at most 5/,
    ],
    ['a negative deadband', { clear: { type: 'deadband', deadband: -1 } }, 'clear.deadband', /negative/],
    [
      'a no-data clear condition',
      { clear: { type: 'condition', condition: { type: 'noData', parameter: 't', afterMs: 5 } } },
      'clear.condition.type',
      /Expected/,
    ],
    [
      'a bad band inside a clear condition',
      { clear: { type: 'condition', condition: { type: 'band', parameter: 't', low: 2, high: 1 } } },
      'clear.condition.low',
      /must not exceed/,
    ],
    [
      'a state mismatch on one parameter',
      {
        condition: {
          type: 'stateMismatch',
          when: { parameter: 'a', op: '=', value: 1 },
          expect: { parameter: 'a', op: '=', value: 0 },
        },
      },
      'condition.expect.parameter',
      /must differ/,
    ],
    [
      'an asset not written location/asset',
      { scope: { assets: ['ch-1'] } },
      'scope.assets[0]',
      /location\/asset/,
    ],
    [
      'a sensor not written location/asset/sensor',
      { scope: { sensors: ['a/b'] } },
      'scope.sensors[0]',
      /location\/asset\/sensor/,
    ],
    ['an empty scope list', { scope: { locations: [] } }, 'scope.locations', /at least one/],
    ['a misspelt field', { for_ms: 5 }, 'rule', /Unrecognized key: "for_ms"/],
    ['a bad priority', { priority: 'urgent' }, 'priority', /critical, high, medium, low/],
    ['a bad tenant key', { tenant: 'a b' }, 'tenant', /1 to 64 characters/],
    [
      'a bad parameter key',
      { condition: { ...BASE.condition, parameter: '' } },
      'condition.parameter',
      /1 to 64/,
    ],
    [
      'an infinite threshold',
      { condition: { ...BASE.condition, value: Infinity } },
      'condition.value',
      /number/,
    ],
    [
      'flapping with fewer than 2 changes',
      { flapping: { maxChanges: 1, windowMs: 5 } },
      'flapping.maxChanges',
      /at least 2/,
    ],
  ];
  for (const [what, patch, field, message] of cases) {
    it(what, () => {
      const e = rejection({ ...BASE, ...(patch as object) });
      expect(e.code).toBe('DI_VALIDATION');
      expect(e.field).toBe(field);
      expect(e.message).toMatch(message);
      expect(e.message.startsWith(`${field}: `)).toBe(true);
    });
  }

  it('lists every schema problem in details, the first one in the message', () => {
    const e = rejection({ ...BASE, forMs: -1, priority: 'urgent' });
    expect(e.details).toEqual({
      errors: [
        { field: 'priority', reason: expect.any(String) },
        { field: 'forMs', reason: 'must not be negative' },
      ],
    });
  });

  it('rejects what is not an object at all', () => {
    expect(rejection(null).field).toBe('rule');
    expect(rejection('rule').code).toBe('DI_VALIDATION');
  });
});
