/**
 * Pending-entry commands of RedisBus: re-reading a consumer's own pending entries, and XAUTOCLAIM, each with
 * the delivery counts that the port reports and StreamConsumer uses to dead-letter.
 */
import {
  parseAutoclaim,
  parseDeliveries,
  parseStreams,
  type CommandRunner,
  type RawEntry,
} from './redis-replies.js';

export interface PendingRead {
  /** In id order; fields null for entries trimmed while pending. */
  entries: RawEntry[];
  /** Ids Redis already dropped from the PEL because their entry was trimmed (XAUTOCLAIM, Redis 7). */
  deleted: string[];
  deliveries: Map<string, number>;
}

export async function readOwnPending(
  run: CommandRunner,
  key: string,
  o: { group: string; consumer: string; count: number },
): Promise<PendingRead> {
  // Both list the consumer's oldest `count` pending entries; the id-0 read counts as a delivery, then
  // XPENDING tells the delivery counts. One pipeline, one round trip.
  const [reply, pending] = await run(
    [
      {
        key,
        name: 'XREADGROUP',
        args: ['GROUP', o.group, o.consumer, 'COUNT', o.count, 'STREAMS', key, '0'],
      },
      { key, name: 'XPENDING', args: [key, o.group, '-', '+', o.count, o.consumer] },
    ],
    `reading own pending entries of "${o.consumer}" on ${key}`,
  );
  return { entries: parseStreams(reply)[0]?.[1] ?? [], deleted: [], deliveries: parseDeliveries(pending) };
}

export async function autoclaim(
  run: CommandRunner,
  key: string,
  o: { group: string; consumer: string; minIdleMs: number; count: number },
): Promise<PendingRead> {
  const entries: RawEntry[] = [];
  const deleted: string[] = [];
  // XAUTOCLAIM scans a bounded stretch of the PEL per call; follow its cursor until `count` or the end.
  let cursor = '0-0';
  do {
    const args = [key, o.group, o.consumer, o.minIdleMs, cursor, 'COUNT', o.count - entries.length];
    const [reply] = await run([{ key, name: 'XAUTOCLAIM', args }], `XAUTOCLAIM on ${key}`);
    const r = parseAutoclaim(reply);
    entries.push(...r.entries);
    deleted.push(...r.deleted);
    cursor = r.next;
  } while (cursor !== '0-0' && entries.length < o.count);
  // XAUTOCLAIM does not report delivery counts: ask XPENDING for each claimed id, in one pipeline.
  const live = entries.filter(([, fields]) => fields !== null);
  const counts = live.length
    ? await run(
        live.map(([id]) => ({ key, name: 'XPENDING', args: [key, o.group, id, id, 1] })),
        `XPENDING on ${key}`,
      )
    : [];
  return { entries, deleted, deliveries: new Map(counts.flatMap((c) => [...parseDeliveries(c)])) };
}
