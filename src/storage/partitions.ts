import type { Db, Queryable } from '../db/port.js';
import type { Logger } from '../platform/logger.js';
import { floorTo, TIERS, type Tier } from './tiers.js';

const partitionName = (t: Tier, policy: number, start: number): string => `${t.table}_${policy}_${start}`;
const policyTable = (t: Tier, policy: number): string => `${t.table}_${policy}`;

/**
 * Creates the time partitions a batch needs before it is written, and drops the ones retention has
 * passed. Readings and roll-ups are split LIST(policy) -> RANGE(time) with fixed widths aligned to the
 * epoch, so a partition's bounds follow from its name and retention is a DROP TABLE, never a DELETE.
 */
export class PartitionManager {
  /** Partition tables known to exist (this process created or saw them). */
  private readonly known = new Set<string>();
  private loaded = false;

  constructor(
    private readonly db: Db,
    private readonly logger?: Logger,
  ) {}

  private async load(q: Queryable): Promise<void> {
    const r = await q.query<{ name: string }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
       join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema()`,
    );
    for (const row of r.rows) this.known.add(row.name);
    this.loaded = true;
  }

  /** Partitions that a write of these timestamps under this policy needs, and which are missing. */
  private missing(policy: number, timestamps: Iterable<number>): { tier: Tier; start: number }[] {
    const out = new Map<string, { tier: Tier; start: number }>();
    for (const ts of timestamps) {
      for (const t of TIERS) {
        const start = floorTo(ts, t.partitionMs);
        const name = partitionName(t, policy, start);
        if (!this.known.has(name) && !out.has(name)) out.set(name, { tier: t, start });
      }
    }
    return [...out.values()];
  }

  /** Make sure every partition the timestamps fall into exists. Cheap when they all do. */
  async ensure(policy: number, timestamps: Iterable<number>): Promise<void> {
    if (!this.loaded) await this.load(this.db);
    const needed = this.missing(policy, timestamps);
    if (needed.length === 0) return;
    await this.db.transaction(async (tx) => {
      // Serialise creators across processes: CREATE ... IF NOT EXISTS alone races on the catalog.
      await tx.query(`select pg_advisory_xact_lock(hashtext('datainsight.partitions.' || current_schema()))`);
      await this.load(tx);
      for (const { tier: t, start } of needed) {
        const parent = policyTable(t, policy);
        if (!this.known.has(parent)) {
          await tx.exec(
            `create table if not exists ${parent} partition of ${t.table} for values in (${policy}) partition by range (${t.column})`,
          );
          this.known.add(parent);
        }
        const name = partitionName(t, policy, start);
        if (this.known.has(name)) continue;
        await tx.exec(
          `create table if not exists ${name} partition of ${parent} for values from (${start}) to (${start + t.partitionMs})`,
        );
        this.known.add(name);
      }
    });
    this.logger?.debug({ policy, created: needed.length }, 'time partitions created');
  }

  /**
   * Drop every partition wholly older than its policy's retention for its tier. Returns the dropped
   * names. A partition is dropped only when its newest possible row is past retention.
   */
  async dropExpired(now: number): Promise<string[]> {
    const policies = await this.db.query<Record<string, number>>(
      'select id, raw_days, minute_days, hour_days, day_days from retention_policies',
    );
    await this.load(this.db);
    const dropped: string[] = [];
    for (const p of policies.rows) {
      for (const t of TIERS) {
        const horizon = now - p[t.retentionColumn]! * 86_400_000;
        const prefix = `${t.table}_${p.id}_`;
        for (const name of this.known) {
          if (!name.startsWith(prefix)) continue;
          const start = Number(name.slice(prefix.length));
          if (!Number.isFinite(start) || start + t.partitionMs > horizon) continue;
          await this.db.exec(`drop table if exists ${name}`);
          this.known.delete(name);
          dropped.push(name);
        }
      }
    }
    if (dropped.length) this.logger?.info({ dropped }, 'retention: partitions dropped');
    return dropped;
  }
}
