import type { AlertTransition } from '../alerting/engine/transition.js';
import { PRIORITIES, type Priority } from '../alerting/domain/rule.js';
import type { Db } from '../db/port.js';
import type { ContactAddress, ChannelKind } from './port.js';
import type { DigestPlan, QuietHours } from './schedule.js';

export interface ContactPoint {
  id: number;
  kind: ChannelKind;
  address: ContactAddress;
  invalid: boolean;
}

export interface Recipient {
  userId: number;
  subscriptionId: number;
  timeZone: string;
  quietHours: QuietHours | null;
  digest: DigestPlan;
  /** Contact points to try in order for this transition's priority (invalid ones already left out). */
  chain: ContactPoint[];
  fireAndForget: boolean;
  /** Where a critical alert goes when nobody acknowledged it in time. */
  escalation?: { afterMs: number; chain: ContactPoint[] };
}

interface SubscriptionRow {
  id: number;
  user_id: number;
  scope: { locations?: string[]; assets?: string[]; rules?: string[]; labels?: Record<string, string> };
  min_priority: Priority;
  channels: Partial<Record<Priority, number[]>>;
  fire_and_forget: boolean;
  escalation: { afterMs: number; contactPoints: number[] } | null;
  timezone: string;
  quiet_hours: QuietHours | null;
  digest: DigestPlan;
}

const rank = (p: Priority): number => PRIORITIES.indexOf(p); // critical 0 .. low 3

/** Does a subscription's scope take this transition? Every listed dimension must match. */
export function scopeMatches(
  scope: SubscriptionRow['scope'],
  t: Pick<AlertTransition, 'location' | 'asset' | 'ruleId'>,
  labels: Record<string, string> = {},
): boolean {
  if (scope.locations && !scope.locations.includes(t.location)) return false;
  if (scope.assets && !scope.assets.includes(`${t.location}/${t.asset}`)) return false;
  if (scope.rules && !scope.rules.includes(t.ruleId)) return false;
  if (scope.labels && !Object.entries(scope.labels).every(([k, v]) => labels[k] === v)) return false;
  return true;
}

/**
 * Who gets a transition: the tenant's subscriptions whose scope and minimum priority take it, each
 * with its person's preferences and ordered channels. Cached per tenant for `ttlMs`, and dropped on
 * the change feed's 'subscriptions' message.
 */
export class Recipients {
  private readonly cache = new Map<
    number,
    { at: number; subs: SubscriptionRow[]; points: Map<number, ContactPoint> }
  >();

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 30_000,
  ) {}

  invalidate(tenantId?: number): void {
    if (tenantId === undefined) this.cache.clear();
    else this.cache.delete(tenantId);
  }

  private async load(tenantId: number) {
    const hit = this.cache.get(tenantId);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit;
    const subs = await this.db.query<SubscriptionRow>(
      `select s.id, s.user_id, s.scope, s.min_priority, s.channels, s.fire_and_forget, s.escalation, u.timezone, u.quiet_hours, u.digest
       from subscriptions s join users u on u.id = s.user_id where s.tenant_id = $1`,
      [tenantId],
    );
    const pts = await this.db.query<{
      id: number;
      kind: ChannelKind;
      address: ContactAddress;
      invalid_at: number | null;
    }>('select id, kind, address, invalid_at from contact_points where tenant_id = $1', [tenantId]);
    const entry = {
      at: Date.now(),
      subs: subs.rows,
      points: new Map(
        pts.rows.map((p) => [
          p.id,
          { id: p.id, kind: p.kind, address: p.address, invalid: p.invalid_at !== null },
        ]),
      ),
    };
    this.cache.set(tenantId, entry);
    return entry;
  }

  async of(t: AlertTransition, labels: Record<string, string> = {}): Promise<Recipient[]> {
    const { subs, points } = await this.load(t.tenantId);
    const out = new Map<number, Recipient>();
    for (const s of subs) {
      if (rank(t.priority) > rank(s.min_priority) || !scopeMatches(s.scope, t, labels)) continue;
      // One chain per person: the first matching subscription decides (a person is told once).
      if (out.has(s.user_id)) continue;
      const chain = (s.channels[t.priority] ?? [])
        .map((id) => points.get(id))
        .filter((p): p is ContactPoint => p !== undefined && !p.invalid);
      out.set(s.user_id, {
        userId: s.user_id,
        subscriptionId: s.id,
        timeZone: s.timezone,
        quietHours: s.quiet_hours,
        digest: s.digest,
        chain,
        fireAndForget: s.fire_and_forget,
      });
    }
    return [...out.values()];
  }

  /** A contact point the provider said is bad: skipped from now on, shown as invalid to its owner. */
  async markInvalid(contactPointId: number, reason: string): Promise<void> {
    await this.db.query(
      'update contact_points set invalid_reason = $2, invalid_at = $3 where id = $1 and invalid_at is null',
      [contactPointId, reason, Date.now()],
    );
    this.invalidate();
  }
}
