/**
 * LeaseKeeper: the half of a StreamConsumer that talks to the Coordinator. On a timer (a third of the lease
 * time, so two renewals can fail before a lease lapses) it heartbeats, renews the leases it holds, marks
 * partitions beyond its fair share for release and takes free ones up to it (assignment.ts).
 * The reading half (consumer.ts) moves partitions through the states and releases them at a safe point.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../platform/logger.js';
import { fairShare, planAssignment } from './assignment.js';
import type { Coordinator, LeaseScope } from './coordinator.js';

/**
 * recovering: just taken; its earlier pending entries (ours after a restart, or a dead owner's) are
 *             processed before any new entry, to keep per-key order.
 * active:     read with '>'.
 * releasing:  beyond our share; no longer read, released once the batch in hand is acked.
 */
export interface OwnedPartition {
  state: 'recovering' | 'active' | 'releasing';
  /** recovering: our own pending entries were re-read (first step of the take-over). */
  ownPendingDone: boolean;
  /** recovering: when to look again for a previous owner's pending entries that were not idle enough yet. */
  nextClaimAt: number;
}

export interface LeaseKeeperOptions {
  coordinator: Coordinator;
  scope: LeaseScope;
  member: string;
  partitions: number;
  leaseMs: number;
  logger: Logger;
  /** Called when partitions were taken, lost or marked for release, so the reader stops waiting. */
  onChange(): void;
}

export class LeaseKeeper {
  readonly owned = new Map<number, OwnedPartition>();
  /** performance.now() when the last successful renewal started: immune to wall-clock steps. */
  private renewedAt = -Infinity;
  private frozen = false;
  private stopped = false;
  private readonly stopper = new AbortController();
  private ticking: Promise<void> | undefined;

  constructor(private readonly o: LeaseKeeperOptions) {}

  start(): void {
    this.ticking ??= this.loop();
  }

  /** Keep renewing what is held, but take nothing new (while draining for close). */
  freeze(): void {
    this.frozen = true;
  }

  /** Stops ticking; waits for a tick under way, but no longer than leaseMs (Redis may be gone). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopper.abort();
    let timer: NodeJS.Timeout | undefined;
    const lapse = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.o.leaseMs)));
    await Promise.race([this.ticking, lapse]);
    clearTimeout(timer);
  }

  /** Partitions in `state`, sorted. Active ones only while the leases are surely ours (renewed < leaseMs ago). */
  partitions(state: OwnedPartition['state']): number[] {
    if (state === 'active' && performance.now() - this.renewedAt >= this.o.leaseMs) return [];
    return [...this.owned]
      .filter(([, o]) => o.state === state)
      .map(([p]) => p)
      .sort((a, b) => a - b);
  }

  async release(partitions: number[]): Promise<void> {
    // Forget them first, so a tick running meanwhile does not renew them.
    for (const p of partitions) this.owned.delete(p);
    await this.o.coordinator.release(this.o.scope, this.o.member, partitions);
  }

  /** Releases every lease and leaves the group, so the others take over without waiting for expiry. */
  async releaseAll(): Promise<void> {
    await this.release([...this.owned.keys()]);
    await this.o.coordinator.leave(this.o.scope, this.o.member);
  }

  private async loop(): Promise<void> {
    const every = Math.max(10, Math.floor(this.o.leaseMs / 3));
    while (!this.stopped) {
      try {
        await this.tick();
      } catch (e) {
        this.o.logger.warn({ err: e, ...this.o.scope }, 'partition lease renewal failed');
        if (this.owned.size > 0 && performance.now() - this.renewedAt >= this.o.leaseMs) {
          // Our leases may have lapsed and been taken: stop reading rather than race a new owner.
          this.o.logger.error(
            { ...this.o.scope, partitions: [...this.owned.keys()] },
            'partition leases expired',
          );
          this.owned.clear();
          this.o.onChange();
        }
      }
      await sleep(every, undefined, { signal: this.stopper.signal }).catch(() => undefined);
    }
  }

  private async tick(): Promise<void> {
    const { coordinator: c, scope, member, leaseMs, partitions } = this.o;
    const started = performance.now();
    const members = await c.heartbeat(scope, member, leaseMs);
    let changed = false;
    const held = [...this.owned.keys()];
    if (held.length > 0) {
      const kept = new Set(await c.acquire(scope, member, held, leaseMs));
      // Released by the reader while this renewal was on its way: the renewal must not keep them alive.
      const stale = [...kept].filter((p) => !this.owned.has(p));
      if (stale.length > 0) await c.release(scope, member, stale);
      const lost = held.filter((p) => !kept.has(p) && this.owned.has(p));
      if (lost.length > 0) {
        this.o.logger.warn({ ...scope, partitions: lost }, 'partition leases were lost before renewal');
        for (const p of lost) this.owned.delete(p);
        changed = true;
      }
    }
    // Leases that were stale (renewal late) are sure again: the reader may resume them.
    if (this.owned.size > 0 && started - this.renewedAt >= leaseMs) changed = true;
    this.renewedAt = started;
    if (this.frozen || this.stopped) return void (changed && this.o.onChange());
    const view = {
      me: member,
      members,
      partitions,
      held: this.partitions('active').concat(this.partitions('recovering')),
    };
    let plan = planAssignment(view);
    if (plan.release.length > 0) {
      for (const p of plan.release) this.owned.get(p)!.state = 'releasing';
      changed = true;
    } else if (view.held.length < fairShare(partitions, Math.max(members.length, 1))) {
      plan = planAssignment({ ...view, owners: await c.owners(scope, partitions) });
      const taken = await c.acquire(scope, member, plan.acquire, leaseMs);
      for (const p of taken)
        this.owned.set(p, { state: 'recovering', ownPendingDone: false, nextClaimAt: 0 });
      if (taken.length > 0) changed = true;
    }
    if (changed) this.o.onChange();
  }
}
