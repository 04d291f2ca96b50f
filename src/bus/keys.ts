/**
 * Every name the bus writes to Redis is built here, and the partition function lives here, so the layout
 * can be read (and changed) in one place.
 *
 * Layout, with the default prefix "di":
 *   di:{telemetry:3}                   partition 3 of logical stream "telemetry" (a Redis stream)
 *   di:{telemetry.dead:0}              the dead-letter stream of "telemetry" (one partition)
 *   di:lease:{telemetry:storage}:3     lease on partition 3 for consumer group "storage"
 *   di:members:{telemetry:storage}     live members of that group (sorted set scored by expiry)
 *
 * The `{...}` part is the Redis Cluster hash tag: only it is hashed to pick a slot. Each partition has its
 * own tag so partitions spread over the shards; the leases and member set of one group share one tag so a
 * Lua script can check and renew all of them at once (one slot, one round trip).
 */
import { DataInsightError } from '../platform/errors.js';

export const DEFAULT_PREFIX = 'di';

/** Names may not contain hash-tag braces or whitespace: they would move keys to unexpected slots. */
const NAME = /^[A-Za-z0-9._:/-]+$/;

export function assertName(what: string, name: string): void {
  if (!NAME.test(name)) {
    throw new DataInsightError(
      'DI_CONFIG_INVALID',
      `bus ${what} name ${JSON.stringify(name)} is invalid: use letters, digits and . _ : / - only`,
      { field: what },
    );
  }
}

export class BusKeys {
  constructor(readonly prefix: string = DEFAULT_PREFIX) {
    assertName('prefix', prefix);
  }

  partition(stream: string, partition: number): string {
    return `${this.prefix}:{${stream}:${partition}}`;
  }

  lease(stream: string, group: string, partition: number): string {
    return `${this.prefix}:lease:{${stream}:${group}}:${partition}`;
  }

  members(stream: string, group: string): string {
    return `${this.prefix}:members:{${stream}:${group}}`;
  }
}

/** The logical dead-letter stream of a stream: entries a group gave up on, with the reason. */
export function deadLetterStream(stream: string): string {
  return `${stream}.dead`;
}

const fnvStep = (h: number, byte: number): number => Math.imul(h ^ byte, 0x01000193);

/** FNV-1a, 32 bits, over the UTF-8 bytes of `s` (encoded inline: no allocation per key). */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      h = fnvStep(h, c);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const lo = s.charCodeAt(i + 1);
      if (c <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      } else {
        c = 0xfffd; // a lone surrogate, encoded as UTF-8 encoders do
      }
    }
    if (c < 0x800) {
      h = fnvStep(fnvStep(h, 0xc0 | (c >> 6)), 0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      h = fnvStep(fnvStep(fnvStep(h, 0xe0 | (c >> 12)), 0x80 | ((c >> 6) & 0x3f)), 0x80 | (c & 0x3f));
    } else {
      h = fnvStep(fnvStep(h, 0xf0 | (c >> 18)), 0x80 | ((c >> 12) & 0x3f));
      h = fnvStep(fnvStep(h, 0x80 | ((c >> 6) & 0x3f)), 0x80 | (c & 0x3f));
    }
  }
  return h >>> 0;
}

/**
 * Murmur3's finaliser. FNV-1a's low bits depend only on the low bits of each byte, so keys that differ in
 * one digit ("sensor-1", "sensor-2") would cluster under `% partitions`; mixing spreads them.
 */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The partition of a record key. Stable forever: changing it would move keys to other partitions and break
 * their order across the change.
 */
export function partitionFor(key: string, partitions: number): number {
  return mix32(fnv1a32(key)) % partitions;
}

let crcTable: Uint16Array | undefined;

/** The Redis Cluster slot of a key (CRC16/XMODEM of its hash tag, mod 16384), as CLUSTER KEYSLOT computes it. */
export function clusterSlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  if (!crcTable) {
    crcTable = new Uint16Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i << 8;
      for (let j = 0; j < 8; j++) c = c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1;
      crcTable[i] = c & 0xffff;
    }
  }
  let crc = 0;
  for (const b of Buffer.from(key, 'utf8')) crc = ((crc << 8) ^ crcTable[((crc >> 8) ^ b) & 0xff]!) & 0xffff;
  return crc % 16384;
}
