/**
 * Silences (maintenance windows): for a time, alerts whose subject matches a silence's matcher are not
 * notified. The matcher has the shape of a rule scope plus rule ids; every listed dimension must match
 * (AND), values within one dimension are alternatives (OR). `isSilenced` is pure; `SilenceCache` keeps
 * each tenant's current and scheduled silences for the evaluators, refreshed every `ttlMs` and at once
 * when the API announces a change on the 'silences' feed channel.
 */
import { z } from 'zod';
import type { ChangeFeed } from '../../bus/feed.js';
import type { Queryable } from '../../db/port.js';
import { KEY_PATTERN, KEY_RULE } from '../../ingest/parse/validate.js';

const key = z.string().regex(KEY_PATTERN, { error: `must be ${KEY_RULE}` });
const path = (parts: number, shape: string) =>
  z.string().refine((s) => s.split('/').length === parts && s.split('/').every((p) => KEY_PATTERN.test(p)), {
    error: `must be written ${shape} (each part ${KEY_RULE})`,
  });
const list = <T extends z.ZodType>(item: T) =>
  z.array(item).min(1, { error: 'must list at least one (or leave it out)' }).max(1000);

export const SilenceMatcherSchema = z
  .strictObject({
    locations: list(key).optional(),
    /** "location/asset" */
    assets: list(path(2, 'location/asset')).optional(),
    /** "location/asset/sensor" */
    sensors: list(path(3, 'location/asset/sensor')).optional(),
    assetTypes: list(key).optional(),
    /** Rule ids. */
    rules: list(key).optional(),
  })
  .refine((m) => Object.values(m).some((v) => v !== undefined), {
    error: 'must name what to silence: locations, assets, sensors, assetTypes and/or rules',
  });
export type SilenceMatcher = z.output<typeof SilenceMatcherSchema>;

export interface Silence {
  id: number;
  tenantId: number;
  matcher: SilenceMatcher;
  /** In force for startsAt <= t < endsAt (UTC epoch ms). */
  startsAt: number;
  endsAt: number;
  comment: string;
  createdBy: string;
  createdAt: number;
}

/** What an alert is about; `sensor` is `*` for an alert on the whole asset. */
export interface SilenceSubject {
  ruleId: string;
  location: string;
  asset: string;
  sensor: string;
  assetType?: string | null;
}

/**
 * Does the matcher cover the subject? A dimension the subject cannot answer (no asset type known, or an
 * asset-level alert against a list of sensors) does not match: a silence never hides more than it names.
 */
export function silenceMatches(m: SilenceMatcher, s: SilenceSubject): boolean {
  if (m.rules && !m.rules.includes(s.ruleId)) return false;
  if (m.locations && !m.locations.includes(s.location)) return false;
  if (m.assets && !m.assets.includes(`${s.location}/${s.asset}`)) return false;
  if (m.sensors && !m.sensors.includes(`${s.location}/${s.asset}/${s.sensor}`)) return false;
  if (m.assetTypes && (s.assetType == null || !m.assetTypes.includes(s.assetType))) return false;
  return true;
}

export const inForce = (x: Pick<Silence, 'startsAt' | 'endsAt'>, ts: number): boolean =>
  x.startsAt <= ts && ts < x.endsAt;

/** The first silence in force at `ts` that covers the subject, if any. */
export function findSilence(
  silences: readonly Silence[],
  subject: SilenceSubject,
  ts: number,
): Silence | undefined {
  return silences.find((x) => inForce(x, ts) && silenceMatches(x.matcher, subject));
}

export function isSilenced(silences: readonly Silence[], subject: SilenceSubject, ts: number): boolean {
  return findSilence(silences, subject, ts) !== undefined;
}

export const SILENCE_COLUMNS = `id, tenant_id as "tenantId", matcher, starts_at as "startsAt", ends_at as "endsAt",
  comment, created_by as "createdBy", created_at as "createdAt"`;

/** The tenant's silences that have not ended by `now` (in force or scheduled). */
export async function unendedSilences(q: Queryable, tenantId: number, now: number): Promise<Silence[]> {
  const r = await q.query<Silence>(
    `select ${SILENCE_COLUMNS} from silences where tenant_id = $1 and ends_at > $2 order by starts_at, id`,
    [tenantId, now],
  );
  return r.rows;
}

export const SILENCES_CHANNEL = 'silences';

export interface SilenceCacheOptions {
  db: Queryable;
  feed: ChangeFeed;
  /** How long a tenant's list is trusted without a change message (default 5 s). */
  ttlMs?: number;
  now?: () => number;
}

interface Entry {
  /** The last list loaded, kept while a newer one loads. */
  value?: Silence[];
  /** When `value`'s load started. */
  at: number;
  loading?: Promise<Silence[]>;
  /** Bumped by every change message: a load that began before one is stale when it lands. */
  generation: number;
  loadedGeneration: number;
}

/**
 * Per-tenant silences for the evaluators; a miss or a stale entry costs one query. Two ways to ask:
 * `isSilenced` (async: loads if needed, always current) and `silencedNow` (sync, for a hot path: answers
 * from the last list loaded and refreshes in the background; call `prepare` first to make it current).
 */
export class SilenceCache {
  private readonly entries = new Map<number, Entry>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly opts: SilenceCacheOptions) {
    this.ttlMs = opts.ttlMs ?? 5000;
    this.now = opts.now ?? Date.now;
  }

  /** Listen for the API's change messages ({ tenantId }). */
  async start(): Promise<void> {
    this.unsubscribe ??= await this.opts.feed.subscribe(SILENCES_CHANNEL, (msg) => {
      const tenantId = (msg as { tenantId?: unknown } | null)?.tenantId;
      this.invalidate(typeof tenantId === 'number' ? tenantId : undefined);
    });
  }

  /** Mark one tenant's silences (all tenants' when undefined) stale, and reload them at once. */
  invalidate(tenantId?: number): void {
    for (const [id, e] of this.entries) {
      if (tenantId !== undefined && id !== tenantId) continue;
      e.generation++;
      this.forTenant(id).catch(() => undefined);
    }
  }

  private fresh(e: Entry | undefined): e is Entry & { value: Silence[] } {
    return e?.value !== undefined && e.loadedGeneration === e.generation && this.now() - e.at < this.ttlMs;
  }

  /** The tenant's silences not ended when loaded, reloading them if stale. */
  forTenant(tenantId: number): Promise<Silence[]> {
    let e = this.entries.get(tenantId);
    if (this.fresh(e)) return Promise.resolve(e.value);
    if (e?.loading) return e.loading;
    if (!e) this.entries.set(tenantId, (e = { at: 0, generation: 0, loadedGeneration: -1 }));
    const entry = e;
    const at = this.now();
    const generation = entry.generation;
    entry.loading = unendedSilences(this.opts.db, tenantId, at).then(
      (value) => {
        Object.assign(entry, { value, at, loadedGeneration: generation, loading: undefined });
        return value;
      },
      (err: unknown) => {
        entry.loading = undefined; // not cached: the next call tries again
        throw err;
      },
    );
    return entry.loading;
  }

  /** Loads whatever of these tenants' lists is missing or stale, so `silencedNow` is current. */
  async prepare(tenantIds: Iterable<number>): Promise<void> {
    await Promise.all([...new Set(tenantIds)].map((id) => this.forTenant(id)));
  }

  /**
   * For a hot path: waits only for tenants never loaded; stale lists are answered from and refreshed
   * in the background (a change message reloads its tenant at once, see invalidate).
   */
  async ready(tenantIds: Iterable<number>): Promise<void> {
    await Promise.all(
      [...new Set(tenantIds)]
        .filter((id) => this.entries.get(id)?.value === undefined)
        .map((id) => this.forTenant(id)),
    );
  }

  async find(tenantId: number, subject: SilenceSubject, ts: number): Promise<Silence | undefined> {
    return findSilence(await this.forTenant(tenantId), subject, ts);
  }

  async isSilenced(tenantId: number, subject: SilenceSubject, ts: number): Promise<boolean> {
    return (await this.find(tenantId, subject, ts)) !== undefined;
  }

  /**
   * Synchronous: from the last list loaded (a tenant never loaded counts as not silenced), starting a
   * reload in the background when it is stale.
   */
  silencedNow(tenantId: number, subject: SilenceSubject, ts: number): boolean {
    const e = this.entries.get(tenantId);
    if (!this.fresh(e)) this.forTenant(tenantId).catch(() => undefined);
    return e?.value !== undefined && findSilence(e.value, subject, ts) !== undefined;
  }

  async close(): Promise<void> {
    const u = this.unsubscribe;
    this.unsubscribe = undefined;
    this.entries.clear();
    await u?.();
  }
}
