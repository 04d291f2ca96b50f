/**
 * The StreamConsumer contract, run against every adapter (consumer.contract.test.ts) and, in its core
 * subset, against a Redis Cluster. Short leases (400 ms) keep take-overs fast; every wait polls with a
 * deadline instead of sleeping a guessed time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../platform/logger.js';
import { Metrics } from '../../platform/metrics.js';
import { StreamConsumer, type StreamConsumerOptions } from '../consumer.js';
import { deadLetterStream, parseDeadLetter } from '../dead-letter.js';
import type { Bus, BusEntry, StreamSpec } from '../port.js';
import { eventually, uniqueName, type Adapter, type BusWorld } from './adapters.js';
import { drain, Effects, freezable, records } from './fixtures.js';

const lagTotal = async (bus: Bus, s: string, g: string): Promise<number> =>
  (await bus.lag(s, g)).reduce((n, l) => n + l.undelivered + l.pending, 0);

export function consumerContract(adapter: Adapter, opts: { core?: boolean } = {}): void {
  const full = !opts.core;
  describe(`stream consumer contract: ${adapter.name}`, () => {
    let world: BusWorld;
    let producer: Bus;
    let spec: StreamSpec;
    const consumers: StreamConsumer[] = [];
    beforeEach(async () => {
      world = await adapter.open();
      producer = world.bus();
      spec = { name: uniqueName('s'), partitions: 4, maxLen: 100_000 };
      producer.defineStream(spec);
    });
    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((c) => c.close()));
      await world.close();
    });

    const consumer = (
      name: string,
      handle: StreamConsumerOptions['handle'],
      more: Partial<StreamConsumerOptions> = {},
      /** false for a consumer that plays a dead process: nobody closes it. */
      closeAfter = true,
    ): StreamConsumer => {
      const c = new StreamConsumer({
        bus: world.bus(),
        coordinator: world.coordinator(),
        stream: spec,
        group: 'g',
        consumer: name,
        batchSize: 20,
        blockMs: 200,
        leaseMs: 400,
        claimIdleMs: 400,
        maxDeliveries: 3,
        retryDelayMs: 20,
        retryMaxDelayMs: 100,
        lagIntervalMs: 0,
        handle,
        logger: silentLogger(),
        metrics: new Metrics(),
        ...more,
      });
      if (closeAfter) consumers.push(c);
      return c.start();
    };

    it('processes every entry once, acks it and leaves no lag', async () => {
      const effects = new Effects();
      const metrics = new Metrics();
      const c = consumer('solo', async (b) => effects.commit(b), { metrics });
      await producer.append(spec.name, records(300));
      await eventually(() => effects.seen.size === 300, 10_000, '300 entries processed');
      effects.expectExactlyOnceInOrder(300);
      await eventually(async () => (await lagTotal(producer, spec.name, 'g')) === 0, 5000, 'no lag');
      expect(c.ownedPartitions()).toEqual([0, 1, 2, 3]);
      expect(await c.refreshLag()).toBe(0);
      expect((await metrics.busProcessed.get()).values[0]?.value).toBe(300);
    });

    it('loses nothing when a consumer dies mid-batch: another takes over its partitions in order', async () => {
      const effects = new Effects();
      await producer.append(spec.name, records(100));
      const victim = freezable(world.coordinator());
      let inHand: BusEntry[] = [];
      consumer(
        'victim',
        async (batch) => {
          inHand = batch;
          victim.freeze(); // no more heartbeats or renewals: its leases lapse
          return new Promise<never>(() => {}); // and it never finishes the batch
        },
        { coordinator: victim.coordinator },
        false,
      );
      await eventually(() => inHand.length > 0, 5000, 'the victim to take a batch');
      const metrics = new Metrics();
      const heir = consumer('heir', async (b) => effects.commit(b), { metrics });
      await producer.append(spec.name, records(100, 10, 100));
      await eventually(() => effects.seen.size === 200, 15_000, 'all 200 entries processed');
      effects.expectExactlyOnceInOrder(200);
      expect(heir.ownedPartitions()).toEqual([0, 1, 2, 3]);
      expect((await metrics.busClaimed.get()).values[0]?.value).toBeGreaterThanOrEqual(inHand.length);
      await eventually(async () => (await lagTotal(producer, spec.name, 'g')) === 0, 5000, 'no lag');
    });

    it('retries a failing batch, then dead-letters the one entry that keeps failing', async () => {
      const effects = new Effects();
      const attempts = new Map<string, number>();
      const metrics = new Metrics();
      consumer(
        'retrier',
        async (batch) => {
          for (const e of batch) attempts.set(e.payload, (attempts.get(e.payload) ?? 0) + 1);
          if (batch.some((e) => e.payload.includes('poison'))) throw new Error('cannot parse poison');
          if (batch.some((e) => e.payload.includes('flaky') && attempts.get(e.payload)! < 3))
            throw new Error('flaky');
          effects.commit(batch);
        },
        { metrics },
      );
      const batch = records(10);
      batch[3] = { key: batch[3]!.key, payload: JSON.stringify({ i: 3, poison: true }) };
      batch[6] = { key: batch[6]!.key, payload: JSON.stringify({ i: 6, flaky: true }) };
      const ids = await producer.append(spec.name, batch);
      const dead = deadLetterStream(spec.name);
      producer.defineStream({ name: dead, partitions: 1, maxLen: 100_000 });
      await producer.ensureGroup(dead, 'inspect');
      const letters = await eventually(
        async () => {
          const got = await drain(producer, dead, 'inspect', 'i', [0]);
          return got.length > 0 && got;
        },
        10_000,
        'a dead letter',
      );
      expect(letters).toHaveLength(1);
      expect(letters[0]!.key).toBe(batch[3]!.key);
      expect(parseDeadLetter(letters[0]!.payload)).toMatchObject({
        stream: spec.name,
        group: 'g',
        id: ids[3],
        payload: batch[3]!.payload,
        deliveries: 4,
        reason: expect.stringMatching(/maxDeliveries 3.*cannot parse poison/),
      });
      await eventually(() => effects.seen.size === 9, 5000, 'the 9 good entries');
      expect(effects.seen.has(batch[3]!.payload)).toBe(false);
      expect([...effects.seen.values()].every((n) => n === 1)).toBe(true);
      expect(attempts.get(batch[3]!.payload)).toBe(3);
      expect((await metrics.busDeadLettered.get()).values[0]?.value).toBe(1);
      expect((await metrics.busHandlerErrors.get()).values[0]?.value).toBeGreaterThanOrEqual(3);
      await eventually(async () => (await lagTotal(producer, spec.name, 'g')) === 0, 5000, 'no lag');
    });

    it('close() finishes and acks the batch in hand, then releases its partitions', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let inHand: BusEntry[] = [];
      let finished = false;
      const c = consumer('closer', async (batch) => {
        inHand = batch;
        await gate;
        finished = true;
      });
      await producer.append(spec.name, records(10));
      await eventually(() => inHand.length > 0, 5000, 'a batch in hand');
      const closing = c.close();
      setTimeout(release, 100);
      await Promise.all([closing, c.close()]);
      expect(finished).toBe(true);
      const pending = (await producer.lag(spec.name, 'g')).reduce((n, l) => n + l.pending, 0);
      expect(pending).toBe(0);
      expect(await world.coordinator().owners({ stream: spec.name, group: 'g' }, 4)).toEqual([
        null,
        null,
        null,
        null,
      ]);
    });

    it('spreads partitions over the members and rebalances when one leaves', async () => {
      spec = { name: uniqueName('s'), partitions: 6, maxLen: 100_000 };
      producer.defineStream(spec);
      const effects = new Effects();
      const members = ['m1', 'm2', 'm3'].map((m) => consumer(m, async (b) => effects.commit(b)));
      const owned = () => members.map((m) => m.ownedPartitions());
      const disjointCover = (sets: number[][]) =>
        sets
          .flat()
          .sort((a, b) => a - b)
          .join() === '0,1,2,3,4,5';
      await eventually(
        () => owned().every((o) => o.length === 2) && disjointCover(owned()),
        10_000,
        '2 each',
      );
      await producer.append(spec.name, records(100));
      await members[2]!.close();
      await producer.append(spec.name, records(100, 10, 100));
      await eventually(
        () => {
          const left = owned().slice(0, 2);
          return left.every((o) => o.length === 3) && disjointCover(left);
        },
        10_000,
        '3 each for the two left',
      );
      await eventually(() => effects.seen.size === 200, 10_000, 'all 200 entries processed');
      effects.expectExactlyOnceInOrder(200);
    });

    it.runIf(full)(
      'a restarted consumer with the same id re-reads its own pending entries first',
      async () => {
        const effects = new Effects();
        await producer.append(spec.name, records(50));
        const crashed = freezable(world.coordinator());
        let inHand: BusEntry[] = [];
        consumer(
          'same-id',
          async (batch) => {
            inHand = batch;
            crashed.freeze();
            return new Promise<never>(() => {});
          },
          { coordinator: crashed.coordinator },
          false,
        );
        await eventually(() => inHand.length > 0, 5000, 'a batch in hand');
        const started = Date.now();
        // A long claimIdleMs: only the own-pending path can bring the batch back this fast.
        consumer('same-id', async (b) => effects.commit(b), { claimIdleMs: 20_000 });
        await eventually(() => effects.seen.size === 50, 10_000, 'all 50 entries processed');
        expect(Date.now() - started).toBeLessThan(5000);
        effects.expectExactlyOnceInOrder(50);
      },
    );
  });
}
