/**
 * The coordinator port: membership of a consumer group and leases on its partitions, the shared state that
 * lets StreamConsumers agree on who reads which partition (see ASSIGNMENT.md). MemoryCoordinator serves the
 * embedded mode and tests; RedisCoordinator (redis-coordinator.ts) the distributed mode.
 *
 * Leases and members expire on their own: a member that stops heartbeating (crashed, partitioned, frozen)
 * loses them after ttlMs and the others take over. A lease is only ever changed by its holder until it
 * expires (compare-and-renew, compare-and-release).
 */

/** Whose leases: one consumer group on one stream. */
export interface LeaseScope {
  stream: string;
  group: string;
}

export interface Coordinator {
  readonly kind: 'memory' | 'redis';
  /** Marks `member` alive for ttlMs and returns every live member (including it), sorted. */
  heartbeat(scope: LeaseScope, member: string, ttlMs: number): Promise<string[]>;
  /** Removes `member` at once (a graceful leave), so the others rebalance without waiting for expiry. */
  leave(scope: LeaseScope, member: string): Promise<void>;
  /** The holder of each partition 0..partitions-1, or null where the lease is free. */
  owners(scope: LeaseScope, partitions: number): Promise<(string | null)[]>;
  /** Takes each of `partitions` whose lease is free or already `member`'s, for ttlMs; returns those it now holds. */
  acquire(scope: LeaseScope, member: string, partitions: readonly number[], ttlMs: number): Promise<number[]>;
  /** Gives up the leases `member` holds among `partitions`; leases held by others are left alone. */
  release(scope: LeaseScope, member: string, partitions: readonly number[]): Promise<void>;
}

interface Expiring {
  holder: string;
  expiresAt: number;
}

export class MemoryCoordinator implements Coordinator {
  readonly kind = 'memory';
  private readonly members = new Map<string, Map<string, number>>();
  private readonly leases = new Map<string, Expiring>();

  /** `now` is injectable so expiry can be tested without waiting. */
  constructor(private readonly now: () => number = Date.now) {}

  async heartbeat(scope: LeaseScope, member: string, ttlMs: number): Promise<string[]> {
    const live = this.liveMembers(scope);
    live.set(member, this.now() + ttlMs);
    return [...live.keys()].sort();
  }

  async leave(scope: LeaseScope, member: string): Promise<void> {
    this.liveMembers(scope).delete(member);
  }

  async owners(scope: LeaseScope, partitions: number): Promise<(string | null)[]> {
    return Array.from({ length: partitions }, (_, p) => this.lease(scope, p)?.holder ?? null);
  }

  async acquire(
    scope: LeaseScope,
    member: string,
    partitions: readonly number[],
    ttlMs: number,
  ): Promise<number[]> {
    const held: number[] = [];
    for (const p of partitions) {
      const lease = this.lease(scope, p);
      if (lease && lease.holder !== member) continue;
      this.leases.set(leaseId(scope, p), { holder: member, expiresAt: this.now() + ttlMs });
      held.push(p);
    }
    return held;
  }

  async release(scope: LeaseScope, member: string, partitions: readonly number[]): Promise<void> {
    for (const p of partitions) {
      if (this.lease(scope, p)?.holder === member) this.leases.delete(leaseId(scope, p));
    }
  }

  private lease(scope: LeaseScope, p: number): Expiring | undefined {
    const id = leaseId(scope, p);
    const lease = this.leases.get(id);
    if (lease && lease.expiresAt <= this.now()) {
      this.leases.delete(id);
      return undefined;
    }
    return lease;
  }

  private liveMembers(scope: LeaseScope): Map<string, number> {
    const id = `${scope.stream}\u0000${scope.group}`;
    let live = this.members.get(id);
    if (!live) this.members.set(id, (live = new Map()));
    const now = this.now();
    for (const [m, expiresAt] of live) if (expiresAt <= now) live.delete(m);
    return live;
  }
}

function leaseId(scope: LeaseScope, p: number): string {
  return `${scope.stream}\u0000${scope.group}\u0000${p}`;
}
