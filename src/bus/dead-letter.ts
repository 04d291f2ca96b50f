/**
 * Dead letters: entries a consumer group gave up on, appended to `<stream>.dead` with the original payload
 * and why, so an operator can inspect and replay them. The record key is the original key.
 */
import { deadLetterStream } from './keys.js';
import type { BusEntry, BusRecord } from './port.js';

export interface DeadLetter {
  stream: string;
  group: string;
  partition: number;
  /** Id of the entry in its original partition. */
  id: string;
  deliveries: number;
  reason: string;
  /** The original payload, untouched. */
  payload: string;
  deadAt: number;
}

export { deadLetterStream };

export function deadLetterRecord(entry: BusEntry, group: string, reason: string, now: number): BusRecord {
  const letter: DeadLetter = {
    stream: entry.stream,
    group,
    partition: entry.partition,
    id: entry.id,
    deliveries: entry.deliveries,
    reason,
    payload: entry.payload,
    deadAt: now,
  };
  return { key: entry.key, payload: JSON.stringify(letter) };
}

export function parseDeadLetter(payload: string): DeadLetter {
  return JSON.parse(payload) as DeadLetter;
}
