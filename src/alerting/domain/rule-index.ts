/**
 * The in-memory alert mapping table, indexed so that matching a reading costs a handful of map look-ups
 * plus the rules that can actually match it, whatever the size of the table.
 *
 * A rule is filed under (tenant, parameter, one scope dimension, one key) for every parameter its
 * condition (and clear condition) reads, so an expression `power_kw / cooling_tons > 1.2` is found by
 * readings of either. The dimension is the most selective the scope lists (sensors, then assets,
 * locations, asset types, sensor models; none: the whole tenant); the scope's other dimensions are
 * checked on the few rules found. Rules change at runtime: upsert and remove are incremental.
 */
import type { Reading } from '../../ingest/reading.js';
import { isAssetLevel, ruleParameters, type Rule, type Scope } from './rule.js';

/** A reading's keys plus what the catalogue knows of its asset and sensor. */
export interface MatchInput extends Pick<Reading, 'tenant' | 'location' | 'asset' | 'sensor' | 'parameter'> {
  assetType?: string | null;
  sensorModel?: string | null;
}

type Dim = 'sensors' | 'assets' | 'locations' | 'assetTypes' | 'sensorModels' | 'all';
const DIMS: readonly Dim[] = ['sensors', 'assets', 'locations', 'assetTypes', 'sensorModels', 'all'];

function keyOf(dim: Dim, r: MatchInput): string | undefined {
  switch (dim) {
    case 'sensors':
      return `${r.location}/${r.asset}/${r.sensor}`;
    case 'assets':
      return `${r.location}/${r.asset}`;
    case 'locations':
      return r.location;
    case 'assetTypes':
      return r.assetType ?? undefined;
    case 'sensorModels':
      return r.sensorModel ?? undefined;
    case 'all':
      return '';
  }
}

interface Entry {
  rule: Rule;
  /** Bucket keys it is filed under, to remove it without a scan. */
  buckets: string[];
  /** The scope's dimensions other than the one it is filed under, as sets. */
  filters: Array<[Dim, ReadonlySet<string>]>;
}

const bucketKey = (tenant: string, parameter: string, dim: Dim, key: string) =>
  `${tenant}\u0000${parameter}\u0000${dim}\u0000${key}`;
const ruleKey = (tenant: string, id: string) => `${tenant}\u0000${id}`;

/** Does a reading fall in a rule's scope? (Every dimension the scope lists must match.) */
export function inScope(scope: Scope, r: MatchInput): boolean {
  for (const dim of DIMS) {
    if (dim === 'all') continue;
    const list = scope[dim];
    if (list === undefined) continue;
    const k = keyOf(dim, r);
    if (k === undefined || !list.includes(k)) return false;
  }
  return true;
}

const usesCatalog = (rule: Rule): boolean =>
  rule.scope.assetTypes !== undefined || rule.scope.sensorModels !== undefined;

export class RuleIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly buckets = new Map<string, Set<Entry>>();
  /** Per tenant, how many enabled rules scope by asset type or sensor model (they need the catalogue). */
  private readonly catalogScoped = new Map<string, number>();

  constructor(rules: Iterable<Rule> = []) {
    for (const r of rules) this.upsert(r);
  }

  /** Number of rules held (disabled ones included). */
  get size(): number {
    return this.entries.size;
  }

  get(tenant: string, id: string): Rule | undefined {
    return this.entries.get(ruleKey(tenant, id))?.rule;
  }

  /** Adds a rule or replaces the one with the same tenant and id. A disabled rule is held, never matched. */
  upsert(rule: Rule): void {
    this.remove(rule.tenant, rule.id);
    const dim = DIMS.find((d) => d === 'all' || rule.scope[d] !== undefined)!;
    const keys = dim === 'all' ? [''] : [...new Set(rule.scope[dim])];
    const filters: Entry['filters'] = [];
    for (const d of DIMS) {
      const list = d === 'all' || d === dim ? undefined : rule.scope[d];
      if (list !== undefined) filters.push([d, new Set(list)]);
    }
    const entry: Entry = { rule, buckets: [], filters };
    if (rule.enabled) {
      for (const p of ruleParameters(rule)) {
        for (const k of keys) {
          const b = bucketKey(rule.tenant, p, dim, k);
          let set = this.buckets.get(b);
          if (set === undefined) this.buckets.set(b, (set = new Set()));
          set.add(entry);
          entry.buckets.push(b);
        }
      }
    }
    this.entries.set(ruleKey(rule.tenant, rule.id), entry);
    if (rule.enabled && usesCatalog(rule))
      this.catalogScoped.set(rule.tenant, (this.catalogScoped.get(rule.tenant) ?? 0) + 1);
  }

  /** Does matching this tenant's readings need their asset type or sensor model? */
  needsCatalog(tenant: string): boolean {
    return (this.catalogScoped.get(tenant) ?? 0) > 0;
  }

  remove(tenant: string, id: string): boolean {
    const k = ruleKey(tenant, id);
    const entry = this.entries.get(k);
    if (entry === undefined) return false;
    for (const b of entry.buckets) {
      const set = this.buckets.get(b)!;
      set.delete(entry);
      if (set.size === 0) this.buckets.delete(b);
    }
    this.entries.delete(k);
    if (entry.rule.enabled && usesCatalog(entry.rule)) {
      const n = (this.catalogScoped.get(tenant) ?? 1) - 1;
      if (n > 0) this.catalogScoped.set(tenant, n);
      else this.catalogScoped.delete(tenant);
    }
    return true;
  }

  /** The enabled rules of the reading's tenant that read its parameter and whose scope contains it. */
  match(r: MatchInput): Rule[] {
    const out: Rule[] = [];
    for (const dim of DIMS) {
      const k = keyOf(dim, r);
      if (k === undefined) continue;
      const set = this.buckets.get(bucketKey(r.tenant, r.parameter, dim, k));
      if (set === undefined) continue;
      for (const e of set) {
        if (e.filters.every(([d, allowed]) => allowed.has(keyOf(d, r) ?? '\u0000'))) out.push(e.rule);
      }
    }
    return out;
  }
}

/**
 * The identity of an alert: one open alert per rule x asset x sensor. Conditions over several parameters
 * (state mismatch, expression) concern the asset as a whole: their sensor part is `*`, which no key can
 * be.
 */
export function fingerprint(
  rule: Pick<Rule, 'tenant' | 'id' | 'condition'>,
  r: Pick<Reading, 'location' | 'asset' | 'sensor'>,
): string {
  return `${rule.tenant}/${rule.id}/${r.location}/${r.asset}/${isAssetLevel(rule.condition) ? '*' : r.sensor}`;
}
