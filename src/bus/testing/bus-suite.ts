/**
 * The Bus contract: one suite, run against every adapter (bus.contract.test.ts) and, in its core subset,
 * against a real Redis Cluster (redis-cluster.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDataInsightError } from '../../platform/errors.js';
import type { Bus } from '../port.js';
import { eventually, uniqueName, type Adapter, type BusWorld } from './adapters.js';
import { all, drain, idOrder, records, seqOf } from './fixtures.js';

export function busContract(adapter: Adapter, opts: { core?: boolean } = {}): void {
  const full = !opts.core;
  describe(`bus contract: ${adapter.name}`, () => {
    let world: BusWorld;
    let bus: Bus;
    beforeEach(async () => {
      world = await adapter.open();
      bus = world.bus();
    });
    afterEach(() => world.close());

    const define = (partitions = 4, maxLen = 10_000, on: Bus = bus): string => {
      const name = uniqueName('s');
      on.defineStream({ name, partitions, maxLen });
      return name;
    };

    it('appends and reads back every entry, in order per partition, ids in input order', async () => {
      const s = define();
      const ids = await bus.append(s, records(200));
      expect(ids).toHaveLength(200);
      for (const id of ids) expect(id).toMatch(/^\d+-\d+$/);
      await bus.ensureGroup(s, 'g');
      const got = await drain(bus, s, 'g', 'c1', all(4));
      expect(got.map(seqOf).sort((a, b) => a - b)).toEqual(all(200));
      for (const e of got) {
        expect(e).toMatchObject({ stream: s, deliveries: 1, partition: bus.partitionOf(s, e.key) });
        expect(e.id).toBe(ids[seqOf(e)]);
      }
      for (const p of all(4)) {
        const mine = got.filter((e) => e.partition === p);
        expect(mine.map((e) => e.id)).toEqual([...mine.map((e) => e.id)].sort(idOrder));
        expect(mine.map(seqOf)).toEqual([...mine.map(seqOf)].sort((a, b) => a - b));
      }
    });

    it('puts one key on one partition, the same in every process, and spreads keys', async () => {
      const s = define(8);
      const other = world.bus();
      other.defineStream({ name: s, partitions: 8, maxLen: 10_000 });
      const used = new Set<number>();
      for (let k = 0; k < 200; k++) {
        const p = bus.partitionOf(s, `tenant-1/sensor-${k}`);
        expect(other.partitionOf(s, `tenant-1/sensor-${k}`)).toBe(p);
        used.add(p);
      }
      expect(used.size).toBe(8);
      const ids = await bus.append(s, [
        { key: 'k', payload: 'a' },
        { key: 'k', payload: 'b' },
      ]);
      await bus.ensureGroup(s, 'g');
      const got = await drain(bus, s, 'g', 'c', all(8));
      expect(got.map((e) => [e.partition, e.id, e.payload])).toEqual([
        [bus.partitionOf(s, 'k'), ids[0], 'a'],
        [bus.partitionOf(s, 'k'), ids[1], 'b'],
      ]);
    });

    it('gives every entry to each of two groups', async () => {
      const s = define();
      await bus.ensureGroup(s, 'storage');
      await bus.ensureGroup(s, 'alerting');
      await bus.append(s, records(50));
      for (const g of ['storage', 'alerting']) {
        expect((await drain(bus, s, g, 'c', all(4))).map(seqOf).sort((a, b) => a - b)).toEqual(all(50));
      }
    });

    it('reports lag per partition: undelivered, then pending, then nothing once acked', async () => {
      const s = define(2);
      await bus.ensureGroup(s, 'g');
      await bus.append(s, records(30));
      const sum = async (f: 'undelivered' | 'pending') =>
        (await bus.lag(s, 'g')).reduce((n, l) => n + l[f], 0);
      expect((await bus.lag(s, 'g')).map((l) => l.partition)).toEqual([0, 1]);
      expect([await sum('undelivered'), await sum('pending')]).toEqual([30, 0]);
      const got = await bus.read({
        stream: s,
        group: 'g',
        consumer: 'c',
        partitions: [0, 1],
        count: 10,
        blockMs: 0,
      });
      expect(got).toHaveLength(10);
      expect([await sum('undelivered'), await sum('pending')]).toEqual([20, 10]);
      await bus.ack(s, 'g', got);
      expect([await sum('undelivered'), await sum('pending')]).toEqual([20, 0]);
    });

    it('wakes a blocked read as soon as an entry is appended, and appends meanwhile', async () => {
      const s = define();
      await bus.ensureGroup(s, 'g');
      const started = Date.now();
      const reading = bus.read({
        stream: s,
        group: 'g',
        consumer: 'c',
        partitions: all(4),
        count: 10,
        blockMs: 10_000,
      });
      await new Promise((r) => setTimeout(r, 100)); // let it block (the test holds either way)
      await bus.append(s, [{ key: 'x', payload: 'woke' }]);
      expect((await reading).map((e) => e.payload)).toEqual(['woke']);
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('ends a blocked read early when its signal aborts', async () => {
      const s = define();
      await bus.ensureGroup(s, 'g');
      const abort = new AbortController();
      const started = Date.now();
      setTimeout(() => abort.abort(), 100);
      const got = await bus.read({
        stream: s,
        group: 'g',
        consumer: 'c',
        partitions: all(4),
        count: 10,
        blockMs: 10_000,
        signal: abort.signal,
      });
      expect(got).toEqual([]);
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('lets another consumer claim pending entries only once idle, counting deliveries', async () => {
      const s = define(1);
      await bus.ensureGroup(s, 'g');
      await bus.append(s, records(3));
      const read = await drain(bus, s, 'g', 'c1', [0]);
      const claim = { stream: s, group: 'g', consumer: 'c2', partition: 0, minIdleMs: 500, count: 10 };
      expect(await bus.claim(claim)).toEqual([]);
      const claimed = await eventually(
        async () => {
          const got = await bus.claim(claim);
          return got.length > 0 && got;
        },
        5000,
        'claimable entries',
      );
      expect(claimed.map((e) => [e.id, e.deliveries])).toEqual(read.map((e) => [e.id, 2]));
      const own = { stream: s, group: 'g', partitions: [0], partition: 0, count: 10 };
      expect(await bus.readOwnPending({ ...own, consumer: 'c1' })).toEqual([]);
      const again = await bus.readOwnPending({ ...own, consumer: 'c2' });
      expect(again.map((e) => [e.id, e.deliveries, e.payload])).toEqual(
        read.map((e) => [e.id, 3, e.payload]),
      );
      await bus.ack(s, 'g', again);
      expect((await bus.lag(s, 'g'))[0]).toEqual({ partition: 0, undelivered: 0, pending: 0 });
    });

    it.runIf(full)('trims each partition to about maxLen (whole nodes, as Redis MAXLEN ~)', async () => {
      const s = define(1, 100);
      for (let i = 0; i < 10; i++) await bus.append(s, records(100, 10, i * 100));
      await bus.ensureGroup(s, 'fresh');
      const [lag] = await bus.lag(s, 'fresh');
      expect(lag!.undelivered).toBeGreaterThanOrEqual(100);
      expect(lag!.undelivered).toBeLessThan(250);
      const got = await drain(bus, s, 'fresh', 'c', [0], 500);
      expect(seqOf(got[got.length - 1]!)).toBe(999); // the newest are kept
    });

    it.runIf(full)(
      'drops entries trimmed while pending from the pending list (they are lost: size maxLen)',
      async () => {
        const s = define(1, 100);
        await bus.ensureGroup(s, 'g');
        await bus.append(s, records(50));
        await drain(bus, s, 'g', 'slow', [0]);
        for (let i = 1; i <= 10; i++) await bus.append(s, records(100, 10, i * 100));
        const fresh = await bus.read({
          stream: s,
          group: 'g',
          consumer: 'slow',
          partitions: [0],
          count: 10,
          blockMs: 0,
        });
        expect((await bus.lag(s, 'g'))[0]!.pending).toBe(60);
        const own = { stream: s, group: 'g', consumer: 'slow', partitions: [0], partition: 0, count: 10 };
        const again = await bus.readOwnPending(own);
        expect(again.map((e) => [e.id, e.deliveries])).toEqual(fresh.map((e) => [e.id, 2]));
        expect((await bus.lag(s, 'g'))[0]!.pending).toBe(10);
        const claim = { stream: s, group: 'g', consumer: 'c2', partition: 0, minIdleMs: 0, count: 100 };
        expect((await bus.claim(claim)).map((e) => e.id)).toEqual(fresh.map((e) => e.id));
      },
    );

    it('rejects unknown streams and missing groups with errors that name them', async () => {
      const read = { group: 'nope', consumer: 'c', partitions: [0], count: 1, blockMs: 0 };
      await expect(bus.read({ ...read, stream: 'undefined-stream' })).rejects.toThrow(
        /"undefined-stream" is not defined/,
      );
      const s = define(1);
      await expect(bus.read({ ...read, stream: s })).rejects.toThrow(/nope|NOGROUP/);
      await expect(bus.read({ ...read, stream: s, partitions: [3] })).rejects.toThrow(
        /partitions 0\.\.0; got partition 3/,
      );
      expect(() => bus.defineStream({ name: s, partitions: 2, maxLen: 10_000 })).toThrow(/already defined/);
    });

    it('wakes blocked reads on close, then rejects every call; close twice is fine', async () => {
      const own = world.bus();
      const s = define(2, 10_000, own);
      await own.ensureGroup(s, 'g');
      const started = Date.now();
      const reading = own.read({
        stream: s,
        group: 'g',
        consumer: 'c',
        partitions: [0, 1],
        count: 5,
        blockMs: 10_000,
      });
      await new Promise((r) => setTimeout(r, 100));
      await Promise.all([own.close(), own.close()]);
      expect(await reading).toEqual([]);
      expect(Date.now() - started).toBeLessThan(5000);
      const err = await own.append(s, records(1)).catch((e: unknown) => e);
      expect(isDataInsightError(err, 'DI_SHUTTING_DOWN')).toBe(true);
      expect(String(err)).toMatch(/bus is closed: append\(\)/);
      await expect(own.ping()).rejects.toThrow(/closed/);
    });
  });
}
