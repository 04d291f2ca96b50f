/**
 * Which partitions a group member should hold: pure functions, no I/O (see ASSIGNMENT.md for the why).
 *
 * Every member computes the same fair share from the live membership, keeps at most that many leases and
 * takes free ones up to it. Which ones is decided by rendezvous (highest-random-weight) hashing, so that a
 * member prefers the partitions it would own in a perfectly balanced group and assignments stay put while
 * membership does.
 */
import { fnv1a32, mix32 } from './keys.js';

/** The most partitions one member may hold: ceil(partitions / members), so the members cover them all. */
export function fairShare(partitions: number, members: number): number {
  return members <= 0 ? partitions : Math.ceil(partitions / members);
}

/** The rendezvous weight of (member, partition): the highest weight among live members wins the partition. */
export function rendezvousScore(member: string, partition: number): number {
  return mix32(fnv1a32(`${member}#${partition}`));
}

/** The member rendezvous hashing gives `partition` to (ties, vanishingly rare, go to the smaller id). */
export function rendezvousOwner(members: readonly string[], partition: number): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const m of members) {
    const s = rendezvousScore(m, partition);
    if (s > bestScore || (s === bestScore && best !== undefined && m < best)) {
      best = m;
      bestScore = s;
    }
  }
  return best;
}

/** `partitions` in the order `me` wants them: first those rendezvous gives to me, each group by my weight. */
export function preferenceOrder(
  me: string,
  members: readonly string[],
  partitions: readonly number[],
): number[] {
  const rank = new Map(
    partitions.map((p) => [p, (rendezvousOwner(members, p) === me ? 2 ** 32 : 0) + rendezvousScore(me, p)]),
  );
  return [...partitions].sort((a, b) => rank.get(b)! - rank.get(a)! || a - b);
}

export interface AssignmentView {
  me: string;
  /** Live members as the coordinator reported them (`me` is counted even if missing). */
  members: readonly string[];
  partitions: number;
  /** Partitions whose lease `me` holds (not counting those already being released). */
  held: readonly number[];
  /** Holder of each partition, or null when free; only needed when `me` is below its share. */
  owners?: readonly (string | null)[];
}

export interface AssignmentPlan {
  /** Held partitions beyond the fair share, least preferred first. */
  release: number[];
  /** Free partitions to try to take, most preferred first. */
  acquire: number[];
}

export function planAssignment(view: AssignmentView): AssignmentPlan {
  const members = view.members.includes(view.me) ? view.members : [...view.members, view.me];
  const share = fairShare(view.partitions, members.length);
  if (view.held.length > share) {
    return { release: preferenceOrder(view.me, members, view.held).slice(share), acquire: [] };
  }
  if (view.held.length === share || !view.owners) return { release: [], acquire: [] };
  const held = new Set(view.held);
  const free: number[] = [];
  // A lease already in our name (left by an earlier run with the same id) is ours to take back at once.
  view.owners.forEach((owner, p) => (owner === null || owner === view.me) && !held.has(p) && free.push(p));
  return { release: [], acquire: preferenceOrder(view.me, members, free).slice(0, share - view.held.length) };
}
