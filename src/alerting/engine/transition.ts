import type { AlertEvent } from '../domain/alert-state.js';
import type { Bus } from '../../bus/port.js';
import { PRIORITIES, type Priority } from '../domain/rule.js';

/** Where an alert is: the rule's fingerprint and the catalogue names of what it watches. */
export interface AlertSubject {
  tenantId: number;
  tenant: string;
  ruleId: string;
  priority: Priority;
  fingerprint: string;
  location: string;
  asset: string;
  sensor: string;
  parameter: string;
}

/** An event worth telling people about: what the alert streams carry to the notifier. */
export type NotifiableKind = 'firing' | 'resolved' | 'renotify' | 'flapping' | 'acknowledged';

/**
 * One alert transition on the alert stream of its priority. `key` (fingerprint + kind + ts) is
 * deterministic: the same reading always yields the same key, so a redelivered reading or a replayed
 * publish is recognised downstream (the notifier's delivery key is key x recipient x channel).
 */
export interface AlertTransition extends AlertSubject {
  v: 1;
  key: string;
  kind: NotifiableKind;
  ts: number;
  /** The alert's identity within its fingerprint: when it fired. */
  firedAt: number;
  value: number | null;
  title: string;
  action: string;
  by?: string;
}

export const ALERT_STREAMS: Record<Priority, string> = {
  critical: 'alerts.critical',
  high: 'alerts.high',
  medium: 'alerts.medium',
  low: 'alerts.low',
};

/** Partitions and length cap of each alert stream (partitioned by fingerprint). */
export const ALERT_STREAM_SPEC = { partitions: 4, maxLen: 100_000 };

/** Declare the four alert streams on a bus (idempotent). */
export function defineAlertStreams(bus: Bus): void {
  for (const p of PRIORITIES) bus.defineStream({ name: ALERT_STREAMS[p], ...ALERT_STREAM_SPEC });
}

export function toTransition(
  subject: AlertSubject,
  e: AlertEvent,
  text: { title: string; action: string },
): AlertTransition | undefined {
  if (e.kind === 'pending') return undefined;
  const firedAt = e.kind === 'firing' ? e.ts : e.firedAt;
  return {
    v: 1,
    ...subject,
    key: `${subject.fingerprint}|${e.kind}|${e.ts}`,
    kind: e.kind,
    ts: e.ts,
    firedAt,
    value: 'value' in e && e.value !== undefined ? e.value : null,
    title: text.title,
    action: text.action,
    ...('by' in e && e.by ? { by: e.by } : {}),
  };
}
