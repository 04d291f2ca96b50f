import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ruleParameters, validateRule, type Rule, type RuleInput } from './rule.js';
import { fingerprint, inScope, RuleIndex, type MatchInput } from './rule-index.js';

function rule(id: string, extra: Partial<RuleInput> = {}, tenant = 'acme'): Rule {
  return validateRule({
    id,
    tenant,
    name: id,
    title: id,
    priority: 'medium',
    condition: { type: 'threshold', parameter: 'temp', op: '>', value: 30 },
    ...extra,
  });
}

const READING: MatchInput = {
  tenant: 'acme',
  location: 'pune',
  asset: 'ch-1',
  sensor: 's1',
  parameter: 'temp',
  assetType: 'chiller',
  sensorModel: 'pt100',
};
const ids = (rules: Rule[]) => rules.map((r) => r.id).sort();

describe('RuleIndex', () => {
  it('matches by tenant, parameter and each kind of scope', () => {
    const index = new RuleIndex([
      rule('all'),
      rule('loc', { scope: { locations: ['pune'] } }),
      rule('other-loc', { scope: { locations: ['delhi'] } }),
      rule('asset', { scope: { assets: ['pune/ch-1'] } }),
      rule('same-slug-other-location', { scope: { assets: ['delhi/ch-1'] } }),
      rule('type', { scope: { assetTypes: ['chiller'] } }),
      rule('model', { scope: { sensorModels: ['pt100'] } }),
      rule('sensor', { scope: { sensors: ['pune/ch-1/s1'] } }),
      rule('other-sensor', { scope: { sensors: ['pune/ch-1/s2'] } }),
      rule('combined', { scope: { locations: ['pune'], assetTypes: ['chiller'] } }),
      rule('combined-miss', { scope: { locations: ['pune'], assetTypes: ['ahu'] } }),
      rule('humidity', { condition: { type: 'threshold', parameter: 'humidity', op: '>', value: 1 } }),
      rule('other-tenant', {}, 'globex'),
      rule('disabled', { enabled: false }),
    ]);
    expect(ids(index.match(READING))).toEqual(['all', 'asset', 'combined', 'loc', 'model', 'sensor', 'type']);
    expect(index.size).toBe(14);
  });

  it('a rule over several parameters is found by a reading of any of them, once', () => {
    const r = rule('eff', {
      condition: { type: 'expression', expr: 'power_kw / cooling_tons > 1.2 && power_kw > 10' },
      clear: { type: 'condition', condition: { type: 'threshold', parameter: 'status', op: '=', value: 0 } },
    });
    const index = new RuleIndex([r]);
    for (const parameter of ['power_kw', 'cooling_tons', 'status']) {
      expect(index.match({ ...READING, parameter })).toEqual([r]);
    }
    expect(index.match(READING)).toEqual([]);
  });

  it('a rule scoped to an asset type never matches a reading whose asset has none', () => {
    const index = new RuleIndex([rule('type', { scope: { assetTypes: ['chiller'] } })]);
    expect(index.match({ ...READING, assetType: null })).toEqual([]);
    expect(index.match({ ...READING, assetType: undefined })).toEqual([]);
  });

  it('adds, replaces and removes rules at runtime', () => {
    const index = new RuleIndex();
    index.upsert(rule('r', { scope: { locations: ['pune'] } }));
    expect(ids(index.match(READING))).toEqual(['r']);
    index.upsert(rule('r', { scope: { locations: ['delhi'] } }));
    expect(index.match(READING)).toEqual([]);
    expect(index.match({ ...READING, location: 'delhi' })).toHaveLength(1);
    index.upsert(rule('r', { enabled: false }));
    expect(index.match({ ...READING, location: 'delhi' })).toEqual([]);
    expect(index.get('acme', 'r')?.enabled).toBe(false);
    expect(index.remove('acme', 'r')).toBe(true);
    expect(index.remove('acme', 'r')).toBe(false);
    expect(index.size).toBe(0);
  });

  it('keeps tenants apart even with the same rule id', () => {
    const index = new RuleIndex([rule('r', {}, 'acme'), rule('r', {}, 'globex')]);
    index.remove('globex', 'r');
    expect(ids(index.match(READING))).toEqual(['r']);
    expect(index.match({ ...READING, tenant: 'globex' })).toEqual([]);
  });

  it('matches exactly the rules a full scan would, through any sequence of changes', () => {
    const pick = <T>(xs: readonly T[]) => fc.subarray([...xs], { minLength: 1, maxLength: 2 });
    const scope = fc.record(
      {
        locations: pick(['pune', 'delhi']),
        assets: pick(['pune/ch-1', 'pune/ch-2', 'delhi/ch-1']),
        assetTypes: pick(['chiller', 'ahu']),
        sensorModels: pick(['pt100', 'ct']),
        sensors: pick(['pune/ch-1/s1', 'pune/ch-1/s2', 'delhi/ch-1/s1']),
      },
      { requiredKeys: [] },
    );
    const condition = fc.oneof(
      fc
        .constantFrom('temp', 'current', 'on')
        .map((parameter) => ({ type: 'threshold', parameter, op: '>', value: 1 })),
      fc.constant({ type: 'expression', expr: 'temp - on > 1' }),
    );
    const ruleArb = fc.record({
      id: fc.constantFrom('r1', 'r2', 'r3', 'r4', 'r5'),
      tenant: fc.constantFrom('acme', 'globex'),
      scope,
      condition,
      enabled: fc.boolean(),
    });
    const op = fc.oneof(
      ruleArb.map((r) => ({ kind: 'upsert' as const, r })),
      fc.record({
        kind: fc.constant('remove' as const),
        tenant: fc.constantFrom('acme', 'globex'),
        id: fc.constantFrom('r1', 'r2'),
      }),
    );
    const reading = fc.record({
      tenant: fc.constantFrom('acme', 'globex'),
      location: fc.constantFrom('pune', 'delhi'),
      asset: fc.constantFrom('ch-1', 'ch-2'),
      sensor: fc.constantFrom('s1', 's2'),
      parameter: fc.constantFrom('temp', 'current', 'on'),
      assetType: fc.constantFrom('chiller', 'ahu', null),
      sensorModel: fc.constantFrom('pt100', 'ct', undefined),
    });
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 20 }),
        fc.array(reading, { minLength: 1, maxLength: 10 }),
        (ops, readings) => {
          const index = new RuleIndex();
          const table = new Map<string, Rule>();
          for (const o of ops) {
            if (o.kind === 'upsert') {
              const r = rule(
                o.r.id,
                {
                  scope: o.r.scope,
                  condition: o.r.condition as RuleInput['condition'],
                  enabled: o.r.enabled,
                },
                o.r.tenant,
              );
              index.upsert(r);
              table.set(`${r.tenant}/${r.id}`, r);
            } else {
              expect(index.remove(o.tenant, o.id)).toBe(table.delete(`${o.tenant}/${o.id}`));
            }
          }
          for (const m of readings) {
            const scan = [...table.values()].filter(
              (r) =>
                r.enabled &&
                r.tenant === m.tenant &&
                ruleParameters(r).includes(m.parameter) &&
                inScope(r.scope, m),
            );
            const got = index.match(m);
            expect(got.length).toBe(new Set(got).size);
            expect(ids(got)).toEqual(ids(scan));
          }
          expect(index.size).toBe(table.size);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('RuleIndex.needsCatalog', () => {
  it('is true while an enabled rule of the tenant scopes by asset type or sensor model', () => {
    const index = new RuleIndex([rule('plain')]);
    expect(index.needsCatalog('acme')).toBe(false);
    index.upsert(rule('typed', { scope: { assetTypes: ['chiller'] } }));
    index.upsert(rule('model', { scope: { sensorModels: ['TX-9'] }, enabled: false }));
    expect(index.needsCatalog('acme')).toBe(true);
    expect(index.needsCatalog('other')).toBe(false);
    index.upsert(rule('typed', { scope: { locations: ['hq'] } }));
    expect(index.needsCatalog('acme')).toBe(false);
    index.upsert(rule('model', { scope: { sensorModels: ['TX-9'] } }));
    expect(index.needsCatalog('acme')).toBe(true);
    index.remove('acme', 'model');
    expect(index.needsCatalog('acme')).toBe(false);
  });
});

describe('fingerprint', () => {
  it('is per sensor for one-parameter conditions and per asset for multi-parameter ones', () => {
    expect(fingerprint(rule('hot'), READING)).toBe('acme/hot/pune/ch-1/s1');
    const eff = rule('eff', { condition: { type: 'expression', expr: 'a / b > 1' } });
    expect(fingerprint(eff, READING)).toBe('acme/eff/pune/ch-1/*');
    expect(fingerprint(eff, { ...READING, sensor: 's2' })).toBe(fingerprint(eff, READING));
  });
});
