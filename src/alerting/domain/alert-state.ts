/**
 * The state of one fingerprint (rule x asset x sensor) and the events its transitions emit. Plain,
 * JSON-safe data (no Infinity, no Dates), so the engine can store it as is in Redis or PostgreSQL.
 */
import type { Truth } from './conditions.js';

/** `resolved` behaves like `inactive` and remembers that an alert was closed. */
export type AlertStatus = 'inactive' | 'pending' | 'firing' | 'resolved';

export interface AlertState {
  status: AlertStatus;
  /** When the current status began. */
  since?: number;
  /** When the condition became true in this episode (the start of pending). */
  activeSince?: number;
  /** When the open alert fired: the alert's identity within its fingerprint. */
  firedAt?: number;
  /** The newest time that moved or confirmed the state; older inputs never move it (out-of-order data). */
  watermark?: number;
  /** The newest reading time seen, in order or not: no-data counts silence from here. */
  lastSeenTs?: number;
  /** The value of the newest evaluated reading. */
  lastValue?: number;
  /** Set on a firing alert by a person; cleared when it resolves. */
  acknowledged?: { by: string; ts: number };
  /** Due time of the last notification: the firing itself or the last renotify. */
  notifiedAt?: number;
  /** After a manual resolve: do not open again until the condition has been seen false. */
  latched?: boolean;
  /** Times of the recent firing/resolved changes (only kept when the rule has flapping damping). */
  changes: readonly number[];
  /** Held firing because it flapped; `rawOpen` is what the condition alone says now. */
  flapping?: { since: number; rawOpen: boolean; lastChange: number };
}

/** What the engine learnt from one reading: the condition, and the clear condition if the rule has one. */
export interface TransitionInput {
  conditionTrue: Truth;
  /** Leave undefined when the rule has no clear condition or deadband. */
  clearTrue?: Truth;
  /** The reading's timestamp (UTC epoch ms). */
  ts: number;
  value?: number;
}

/**
 * Event times are deterministic functions of the inputs (reading times and the due times they imply),
 * never of when the engine happened to tick, so `(fingerprint, kind, ts)` is a stable idempotence key.
 */
export type AlertEvent =
  | { kind: 'pending'; ts: number; value?: number }
  | { kind: 'firing'; ts: number; value?: number; activeSince: number }
  | { kind: 'resolved'; ts: number; value?: number; firedAt: number; by?: string }
  | { kind: 'renotify'; ts: number; firedAt: number; count: number }
  | { kind: 'flapping'; ts: number; firedAt: number; changes: number }
  | { kind: 'acknowledged'; ts: number; firedAt: number; by: string };

export type AlertEventKind = AlertEvent['kind'];

export interface Step {
  state: AlertState;
  events: AlertEvent[];
}

export const INITIAL_STATE: Readonly<AlertState> = Object.freeze({
  status: 'inactive',
  changes: Object.freeze([]),
});

/** An alert is open while it fires (acknowledged or not, flapping or not). */
export function isOpen(s: AlertState | undefined): boolean {
  return s?.status === 'firing';
}
