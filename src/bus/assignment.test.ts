import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fairShare, planAssignment, preferenceOrder, rendezvousOwner } from './assignment.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('fairShare', () => {
  it('is ceil(partitions / members), so the members always cover every partition', () => {
    expect(fairShare(16, 3)).toBe(6);
    expect(fairShare(4, 4)).toBe(1);
    expect(fairShare(4, 0)).toBe(4);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1024 }), fc.integer({ min: 1, max: 200 }), (p, m) => {
        const s = fairShare(p, m);
        return s * m >= p && (s - 1) * m < p;
      }),
    );
  });
});

describe('rendezvous preference', () => {
  it('gives each partition to one member, whatever order the members are listed in', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 8 }),
        fc.nat(255),
        (ms, p) => {
          const owner = rendezvousOwner(ms, p);
          return ms.includes(owner!) && rendezvousOwner([...ms].reverse(), p) === owner;
        },
      ),
    );
  });

  it('moves only the partitions of a member that leaves (minimal disruption)', () => {
    const members = ['a', 'b', 'c', 'd'];
    const before = range(64).map((p) => rendezvousOwner(members, p));
    const after = range(64).map((p) => rendezvousOwner(['a', 'b', 'c'], p));
    for (const p of range(64)) if (before[p] !== 'd') expect(after[p]).toBe(before[p]);
  });

  it('orders partitions with the ones rendezvous gives me first', () => {
    const members = ['a', 'b'];
    const order = preferenceOrder('a', members, range(16));
    const mine = range(16).filter((p) => rendezvousOwner(members, p) === 'a');
    expect(order.slice(0, mine.length).sort((x, y) => x - y)).toEqual(mine);
    expect([...order].sort((x, y) => x - y)).toEqual(range(16));
  });
});

describe('planAssignment', () => {
  it('releases the least preferred partitions beyond the share', () => {
    const plan = planAssignment({ me: 'a', members: ['a', 'b'], partitions: 4, held: [0, 1, 2, 3] });
    expect(plan.acquire).toEqual([]);
    expect(plan.release).toEqual(preferenceOrder('a', ['a', 'b'], [0, 1, 2, 3]).slice(2));
  });

  it("takes free partitions (and leases left in its own name) up to the share, never others'", () => {
    const plan = planAssignment({
      me: 'a',
      members: ['a', 'b'],
      partitions: 4,
      held: [],
      owners: ['b', null, 'a', 'b'],
    });
    expect(plan.release).toEqual([]);
    expect([...plan.acquire].sort()).toEqual([1, 2]);
  });

  it('converges from any start to full, fair, stable coverage', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 7 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (partitions, members, seed) => {
          // Start from arbitrary (even unfair) ownership, then let every member tick in turn.
          const owners: (string | null)[] = range(partitions).map((p) => {
            const pick = seed[p];
            return pick === undefined || pick % (members.length + 1) === members.length
              ? null
              : members[pick % (members.length + 1)]!;
          });
          const tick = (me: string): boolean => {
            const held = range(partitions).filter((p) => owners[p] === me);
            const plan = planAssignment({ me, members, partitions, held, owners });
            for (const p of plan.release) owners[p] = null;
            for (const p of plan.acquire) if (owners[p] === null) owners[p] = me;
            return plan.release.length + plan.acquire.length > 0;
          };
          for (let round = 0; round < 3; round++) members.forEach(tick);
          const share = fairShare(partitions, members.length);
          const counts = members.map((m) => owners.filter((o) => o === m).length);
          return owners.every((o) => o !== null) && counts.every((c) => c <= share) && !members.some(tick);
        },
      ),
    );
  });
});
