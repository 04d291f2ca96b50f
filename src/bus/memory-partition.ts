/**
 * One partition of a MemoryBus stream: the entries, and per consumer group its last-delivered id and pending
 * entries list (PEL). Mirrors Redis Streams closely enough that the contract suite cannot tell them apart.
 */

/** Redis packs entries into nodes of `stream-node-max-entries` (100); approximate trimming drops whole nodes. */
const NODE_ENTRIES = 100;

export interface StoredEntry {
  id: string;
  ms: number;
  seq: number;
  key: string;
  payload: string;
  node: number;
}

export interface Delivered {
  entry: StoredEntry;
  deliveries: number;
}

interface PendingEntry {
  ms: number;
  seq: number;
  consumer: string;
  deliveries: number;
  lastDelivery: number;
}

interface GroupState {
  lastMs: number;
  lastSeq: number;
  /** Keyed by id; insertion order is id order because '>' reads only ever add newer ids. */
  pel: Map<string, PendingEntry>;
}

export class MemoryPartition {
  /** Live entries are entries[head..]; the dead prefix is cut off now and then rather than on every trim. */
  private entries: StoredEntry[] = [];
  private head = 0;
  private lastMs = 0;
  private lastSeq = 0;
  private appended = 0;
  private readonly groups = new Map<string, GroupState>();
  readonly waiters = new Set<() => void>();

  get length(): number {
    return this.entries.length - this.head;
  }

  append(key: string, payload: string, now: number, maxLen: number): string {
    // Ids stay monotonic even if the wall clock steps back, as in Redis.
    const ms = Math.max(now, this.lastMs);
    const seq = ms === this.lastMs && this.appended > 0 ? this.lastSeq + 1 : 0;
    this.lastMs = ms;
    this.lastSeq = seq;
    const id = `${ms}-${seq}`;
    this.entries.push({ id, ms, seq, key, payload, node: Math.floor(this.appended / NODE_ENTRIES) });
    this.appended++;
    this.trim(maxLen);
    return id;
  }

  /**
   * MAXLEN ~ : drop whole head nodes while what stays is still at least maxLen. Like Redis, this ignores the
   * PELs: an entry trimmed while pending stays in the PEL and is dropped from it when next claimed or re-read.
   */
  private trim(maxLen: number): void {
    for (;;) {
      const first = this.entries[this.head];
      if (!first) return;
      let n = 0;
      while (this.entries[this.head + n]?.node === first.node) n++;
      if (this.length - n < maxLen) break;
      this.head += n;
    }
    if (this.head > 4096 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  hasGroup(group: string): boolean {
    return this.groups.has(group);
  }

  createGroup(group: string): void {
    if (!this.groups.has(group)) this.groups.set(group, { lastMs: 0, lastSeq: 0, pel: new Map() });
  }

  /** Index of the first live entry whose id is after (ms, seq), or equal to it when `inclusive`. */
  private search(ms: number, seq: number, inclusive: boolean): number {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.entries[mid]!;
      if (e.ms > ms || (e.ms === ms && (inclusive ? e.seq >= seq : e.seq > seq))) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private lookup(p: PendingEntry): StoredEntry | undefined {
    const e = this.entries[this.search(p.ms, p.seq, true)];
    return e && e.ms === p.ms && e.seq === p.seq ? e : undefined;
  }

  /** '>' semantics: entries never delivered to the group; they enter the PEL owned by `consumer`. */
  readNew(groupName: string, consumer: string, count: number, now: number): Delivered[] {
    const g = this.groups.get(groupName)!;
    const out: Delivered[] = [];
    for (
      let i = this.search(g.lastMs, g.lastSeq, false);
      i < this.entries.length && out.length < count;
      i++
    ) {
      const entry = this.entries[i]!;
      g.pel.set(entry.id, { ms: entry.ms, seq: entry.seq, consumer, deliveries: 1, lastDelivery: now });
      g.lastMs = entry.ms;
      g.lastSeq = entry.seq;
      out.push({ entry, deliveries: 1 });
    }
    return out;
  }

  /** Pending entries of `consumer`, oldest first; each re-delivery counts, as XREADGROUP with id 0 does. */
  ownPending(groupName: string, consumer: string, count: number, now: number): Delivered[] {
    return this.takePending(groupName, count, (p) => p.consumer === consumer, consumer, now);
  }

  /** XAUTOCLAIM from 0-0: pending entries idle for at least minIdleMs move to `consumer`. */
  claim(groupName: string, consumer: string, minIdleMs: number, count: number, now: number): Delivered[] {
    return this.takePending(groupName, count, (p) => now - p.lastDelivery >= minIdleMs, consumer, now);
  }

  private takePending(
    groupName: string,
    count: number,
    match: (p: PendingEntry) => boolean,
    consumer: string,
    now: number,
  ): Delivered[] {
    const g = this.groups.get(groupName)!;
    const out: Delivered[] = [];
    for (const [id, p] of g.pel) {
      if (out.length >= count) break;
      if (!match(p)) continue;
      const entry = this.lookup(p);
      if (!entry) {
        // Trimmed while pending: it can never be delivered again (Redis 7 XAUTOCLAIM drops it too).
        g.pel.delete(id);
        continue;
      }
      p.consumer = consumer;
      p.deliveries++;
      p.lastDelivery = now;
      out.push({ entry, deliveries: p.deliveries });
    }
    return out;
  }

  ack(groupName: string, ids: readonly string[]): void {
    const g = this.groups.get(groupName);
    if (!g) return;
    for (const id of ids) g.pel.delete(id);
  }

  lag(groupName: string): { undelivered: number; pending: number } {
    const g = this.groups.get(groupName)!;
    return {
      undelivered: this.entries.length - this.search(g.lastMs, g.lastSeq, false),
      pending: g.pel.size,
    };
  }
}
