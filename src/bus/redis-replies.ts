/**
 * Parsers for the Redis replies the bus uses, and the mapping of Redis errors to coded errors. ioredis hands
 * replies over as nested arrays of strings; a shape we do not expect is reported, never guessed at.
 */
import { DataInsightError } from '../platform/errors.js';
import type { BusEntry } from './port.js';

/** One Redis command on one key (so RedisBus can batch commands per slot). */
export interface KeyCommand {
  key: string;
  name: string;
  args: (string | number)[];
}

/** Runs commands in as few round trips as the topology allows; replies in command order. */
export type CommandRunner = (cmds: KeyCommand[], what: string) => Promise<unknown[]>;

/** One stream entry as Redis returns it; `fields` is null when the entry was trimmed while pending. */
export type RawEntry = [id: string, fields: string[] | null];

function fail(what: string, reply: unknown): never {
  throw new DataInsightError(
    'DI_DEPENDENCY_UNAVAILABLE',
    `redis bus: unexpected ${what} reply: ${JSON.stringify(reply)?.slice(0, 200)}`,
  );
}

function asArray(what: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) fail(what, v);
  return v;
}

function asEntries(what: string, v: unknown): RawEntry[] {
  const list = asArray(what, v);
  for (const e of list) {
    if (!Array.isArray(e) || typeof e[0] !== 'string' || !(e[1] === null || Array.isArray(e[1])))
      fail(what, v);
  }
  return list as RawEntry[];
}

/** XREADGROUP: null on timeout, else [[key, entries], ...]. */
export function parseStreams(reply: unknown): [key: string, entries: RawEntry[]][] {
  if (reply === null) return [];
  return asArray('XREADGROUP', reply).map((s) => {
    if (!Array.isArray(s) || typeof s[0] !== 'string') fail('XREADGROUP', reply);
    return [s[0], asEntries('XREADGROUP', s[1])];
  });
}

/** A bus entry from a stream entry written by RedisBus.append (fields k = key, p = payload). */
export function entryOf(
  stream: string,
  partition: number,
  id: string,
  deliveries: number,
  fields: string[],
): BusEntry {
  // The fast path: append always writes k then p. Other layouts (hand-written entries) are searched.
  if (fields[0] === 'k' && fields[2] === 'p') {
    return { stream, partition, id, deliveries, key: fields[1]!, payload: fields[3]! };
  }
  let key: string | undefined;
  let payload: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'k') key = fields[i + 1];
    else if (fields[i] === 'p') payload = fields[i + 1];
  }
  if (key === undefined || payload === undefined) fail('stream entry (no k/p fields)', fields);
  return { stream, partition, id, deliveries, key, payload };
}

/** XAUTOCLAIM: [next cursor, claimed entries, ids deleted from the PEL because the entry was trimmed]. */
export function parseAutoclaim(reply: unknown): { next: string; entries: RawEntry[]; deleted: string[] } {
  const r = asArray('XAUTOCLAIM', reply);
  if (typeof r[0] !== 'string') fail('XAUTOCLAIM', reply);
  // Redis 6.2 has no third element; it leaves trimmed entries in the claimed list with null fields.
  const deleted = r[2] === undefined ? [] : (asArray('XAUTOCLAIM', r[2]) as string[]);
  return { next: r[0], entries: asEntries('XAUTOCLAIM', r[1]), deleted };
}

/** XPENDING extended form: [[id, consumer, idle ms, deliveries], ...] as id -> deliveries. */
export function parseDeliveries(reply: unknown): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of asArray('XPENDING', reply)) {
    if (!Array.isArray(row) || typeof row[0] !== 'string') fail('XPENDING', reply);
    out.set(row[0], Number(row[3]));
  }
  return out;
}

export interface GroupInfo {
  pending: number;
  lastDeliveredId: string;
  /** Redis 7 "lag": entries not yet delivered to the group; null when Redis cannot tell. */
  lag: number | null;
}

/** XINFO GROUPS: a list of flat [field, value, ...] arrays, one per group. */
export function parseGroupInfo(reply: unknown, group: string): GroupInfo | undefined {
  for (const raw of asArray('XINFO GROUPS', reply)) {
    const flat = asArray('XINFO GROUPS', raw);
    const f = new Map<string, unknown>();
    for (let i = 0; i + 1 < flat.length; i += 2) f.set(String(flat[i]), flat[i + 1]);
    if (f.get('name') !== group) continue;
    const lag = f.get('lag');
    return {
      pending: Number(f.get('pending')),
      lastDeliveredId: String(f.get('last-delivered-id')),
      lag: lag === null || lag === undefined ? null : Number(lag),
    };
  }
  return undefined;
}

export function isBusyGroup(e: unknown): boolean {
  return e instanceof Error && e.message.startsWith('BUSYGROUP');
}

/** A Redis failure as a coded error: a missing group is a set-up mistake; anything else is Redis trouble. */
export function redisError(e: unknown, what: string): DataInsightError {
  if (e instanceof DataInsightError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (message.startsWith('NOGROUP')) {
    return new DataInsightError(
      'DI_CONFIG_INVALID',
      `redis bus: ${what}: ${message} (call ensureGroup first)`,
      {
        field: 'group',
        cause: e,
      },
    );
  }
  return new DataInsightError('DI_DEPENDENCY_UNAVAILABLE', `redis bus: ${what} failed: ${message}`, {
    cause: e,
  });
}
